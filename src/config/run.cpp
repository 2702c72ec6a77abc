#include "mlp/config/run.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "mlp/data/csv.hpp"
#include "mlp/data/idx.hpp"
#include "mlp/data/load.hpp"
#include "mlp/data/split.hpp"
#include "mlp/core/error.hpp"
#include "mlp/optim/optimizer.hpp"
#include "mlp/train/memory.hpp"

namespace mlp {

namespace {

std::vector<std::string> idx_class_names(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.find("fashion") != std::string::npos) return data::fashion_mnist_class_names();
  return {};
}

/// The task that train.loss or model.output, when the configuration sets them, implies:
/// mse or an identity output -> regression; a cross-entropy loss or a softmax output ->
/// classification. nullopt otherwise (a sigmoid output fits either; the data decides).
std::optional<data::Task> implied_task(const RunConfig& cfg) {
  if (cfg.train.loss) {
    return *cfg.train.loss == Loss::mse ? data::Task::regression : data::Task::classification;
  }
  if (cfg.model.output == Activation::identity) return data::Task::regression;
  if (cfg.model.output == Activation::softmax) return data::Task::classification;
  return std::nullopt;
}

/// One data file of the run through data::load: the training file (`like` null) or a dev/test
/// file read with the training file's columns, classes and labels (`like`).
data::Dataset load_one(const RunConfig& cfg, const std::string& path,
                       const std::optional<std::string>& labels, const data::Dataset* like) {
  const config::Data& d = cfg.data;
  data::LoadOptions o;
  if (d.format == config::DataFormat::idx) {
    if (!labels) {
      throw ConfigError(cfg.diagnostic("data.train_labels",
                                       fmt::format("IDX images {} need a label file", path)));
    }
    o.format = data::Format::idx;
    o.labels = *labels;
    o.idx.class_names = like ? like->class_names : idx_class_names(path);
    return data::load(path, o);
  }
  o.format = data::Format::csv;
  o.csv.targets = d.target;
  o.csv.drop = d.drop;
  o.csv.missing = d.missing == config::Missing::drop_row ? data::CsvOptions::Missing::drop_row
                : d.missing == config::Missing::mean   ? data::CsvOptions::Missing::keep_nan
                                                       : data::CsvOptions::Missing::error;
  o.csv.max_field_bytes = static_cast<std::size_t>(d.max_field_bytes);
  o.csv.max_record_bytes = static_cast<std::size_t>(d.max_record_bytes);
  if (d.task == config::Task::classification) o.csv.task = data::Task::classification;
  if (d.task == config::Task::regression) o.csv.task = data::Task::regression;
  if (d.task == config::Task::automatic) o.csv.numeric_task = implied_task(cfg);
  o.csv.categorical = d.categorical == "auto" ? data::CsvOptions::Categorical::automatic
                                              : data::CsvOptions::Categorical::error;
  if (d.categorical == "list") o.csv.categorical_columns = d.categorical_columns;
  if (d.weight) o.csv.weight = *d.weight;
  if (!like) return data::load(path, o);
  // Dev/test files: the training file's columns and labels.
  o.schema = data::CsvSchema{};
  o.schema->task = like->task;
  o.schema->feature_names = like->feature_names;
  o.schema->target_names = like->target_names;
  o.schema->class_names = like->class_names;
  for (const auto& c : like->categorical) o.schema->categorical_names.push_back(c.name);
  data::Dataset out = data::load(path, o);
  if (!out.has_targets()) {
    throw DataError(fmt::format("{}: the target column(s) {} are missing", path,
                                fmt::join(like->target_names, ", ")));
  }
  return out;
}

}  // namespace

LoadedData load_data(const RunConfig& cfg) {
  LoadedData out;
  out.train = load_one(cfg, cfg.data.train, cfg.data.train_labels, nullptr);
  if (out.train.size() == 0) throw DataError(fmt::format("{}: no data rows", cfg.data.train));
  if (cfg.data.dev) out.dev = load_one(cfg, *cfg.data.dev, cfg.data.dev_labels, &out.train);
  if (cfg.data.test) out.test = load_one(cfg, *cfg.data.test, cfg.data.test_labels, &out.train);
  return out;
}

namespace {

/// train.refit: d.train := d.train followed by d.dev (X, targets, weights, categorical values);
/// d.dev := empty.
void join_dev(PreparedData& d) {
  data::Dataset& a = d.train;
  const data::Dataset& b = d.dev;
  const Index m = a.size(), n = b.size();
  if (n == 0) return;
  const bool weighted = !a.weights.empty() || !b.weights.empty();
  if (weighted) {
    a.weights.resize(static_cast<std::size_t>(m), 1.0f);
    if (b.weights.empty()) a.weights.resize(static_cast<std::size_t>(m + n), 1.0f);
    else a.weights.insert(a.weights.end(), b.weights.begin(), b.weights.end());
  }
  a.X.conservativeResize(Eigen::NoChange, m + n);
  a.X.rightCols(n) = b.X;
  if (a.Y.rows() > 0) {
    a.Y.conservativeResize(Eigen::NoChange, m + n);
    a.Y.rightCols(n) = b.Y;
  }
  a.labels.insert(a.labels.end(), b.labels.begin(), b.labels.end());
  for (std::size_t c = 0; c < a.categorical.size() && c < b.categorical.size(); ++c) {
    auto& ca = a.categorical[c];
    const auto& cb = b.categorical[c];
    ca.values.insert(ca.values.end(), cb.values.begin(), cb.values.end());
    if (!ca.where.empty() && !cb.where.empty()) ca.where.insert(ca.where.end(), cb.where.begin(), cb.where.end());
    else ca.where.clear();
  }
  data::Dataset empty;
  empty.task = a.task;
  empty.feature_names = a.feature_names;
  empty.target_names = a.target_names;
  empty.class_names = a.class_names;
  empty.source = b.source;
  d.dev = std::move(empty);
}

/// model.init_from: the saved model's input standardization (the identity when it has none)
/// and regression target standardization replace those fitted on the training split.
void keep_statistics(const Preprocessing& p, PreparedData& d) {
  const auto n = static_cast<std::size_t>(d.train.n_features());
  if (p.features && p.features->mean().size() == n) {
    d.normalization.features = *p.features;
    d.standardized = true;
  } else {
    d.normalization.features = data::Standardizer(std::vector<float>(n, 0.0f), std::vector<float>(n, 1.0f));
    d.standardized = false;
  }
  d.normalization.targets = d.train.task == data::Task::regression ? p.targets : std::nullopt;
}

}  // namespace

PreparedData prepare_data(const RunConfig& cfg, const LoadedData& loaded, const PrepareOptions& options) {
  return prepare_data(cfg, LoadedData(loaded), options);
}

PreparedData prepare_data(const RunConfig& cfg, LoadedData&& loaded, const PrepareOptions& options) {
  // The split takes the loaded sets over: the training file's examples are held once (its
  // training part keeps their memory, dev and test are copied out), not once more per part.
  PreparedData d;
  const std::uint64_t seed = cfg.train.seed;
  if (!loaded.test && !loaded.dev) {
    const data::SplitFractions f = cfg.data.split
        ? data::SplitFractions{(*cfg.data.split)[0], (*cfg.data.split)[1], (*cfg.data.split)[2]}
        : data::default_split(loaded.train.size());
    auto parts = data::split(std::move(loaded.train), f, seed);
    d.train = std::move(parts.train);
    d.dev = std::move(parts.dev);
    d.test = std::move(parts.test);
  } else if (cfg.data.split) {
    // Fractions of the training file; the sets with their own files take nothing from it.
    const auto& s = *cfg.data.split;
    const bool dev_file = loaded.dev.has_value(), test_file = loaded.test.has_value();
    auto parts = data::split(std::move(loaded.train), {s[0], dev_file ? 0.0 : s[1], test_file ? 0.0 : s[2]}, seed);
    d.train = std::move(parts.train);
    d.dev = dev_file ? std::move(*loaded.dev) : std::move(parts.dev);
    d.test = test_file ? std::move(*loaded.test) : std::move(parts.test);
  } else {
    auto parts = data::split_with_files(std::move(loaded.train), std::move(loaded.dev),
                                        loaded.test ? std::move(*loaded.test) : data::Dataset{}, seed);
    d.train = std::move(parts.train);
    d.dev = std::move(parts.dev);
    d.test = std::move(parts.test);
  }
  if (d.train.size() == 0) throw DataError(fmt::format("{}: the training split is empty", cfg.data.train));
  if (options.join_dev) join_dev(d);    // train.refit
  if (options.kept) d.kept = *options.kept;  // model.init_from
  standardize(cfg, d);
  return d;
}

std::vector<double> class_weights(const RunConfig& cfg, const data::Dataset& train) {
  const config::Train& t = cfg.train;
  if (t.class_weight == "none") return {};
  if (train.task != data::Task::classification) {
    throw ConfigError(cfg.diagnostic(
        "train.class_weight",
        fmt::format("train.class_weight weights classes, but {} holds a regression target; "
                    "remove it, or use data.weight for per-example weights",
                    train.source)));
  }
  const auto k = static_cast<std::size_t>(train.n_classes());
  std::vector<double> w(k, 1.0);
  if (t.class_weight == "balanced") {
    // w_c = n / (k · n_c), as scikit-learn's compute_class_weight("balanced", ...).
    std::vector<std::size_t> count(k, 0);
    for (const auto label : train.labels) ++count[static_cast<std::size_t>(label)];
    const auto n = static_cast<double>(train.labels.size());
    for (std::size_t c = 0; c < k; ++c) {
      if (count[c] > 0) w[c] = n / (static_cast<double>(k) * static_cast<double>(count[c]));
    }
    return w;
  }
  for (const auto& [label, weight] : t.class_weights) {
    const auto it = std::find(train.class_names.begin(), train.class_names.end(), label);
    if (it == train.class_names.end()) {
      throw ConfigError(cfg.diagnostic(
          "train.class_weight",
          fmt::format("train.class_weight names the class '{}', which is not a class of {}; its "
                      "classes are: {}",
                      label, train.source, fmt::join(train.class_names, ", "))));
    }
    w[static_cast<std::size_t>(it - train.class_names.begin())] = weight;
  }
  return w;
}

namespace {

/// data.categorical: the training split's categories, every split encoded with them.
void encode_categorical(const RunConfig& cfg, PreparedData& d) {
  d.categorical = data::OneHotEncoder();
  if (d.train.categorical.empty()) return;
  d.categorical.fit(d.train, static_cast<std::size_t>(cfg.data.max_categories));
  d.categorical.set_unknown(cfg.data.unknown_category == "error" ? data::UnknownCategory::error
                                                                 : data::UnknownCategory::ignore);
  for (data::Dataset* s : {&d.train, &d.dev, &d.test}) {
    if (s->categorical.empty()) continue;
    for (const auto& u : d.categorical.transform(*s)) {
      d.warnings.push_back(fmt::format("{}: {}", s->source, u.message()));
    }
  }
}

/// train.class_weight: each training example's weight times its class's weight.
void weight_classes(const RunConfig& cfg, PreparedData& d) {
  d.class_weights = class_weights(cfg, d.train);
  if (!d.class_weights.empty()) {
    const auto m = static_cast<std::size_t>(d.train.size());
    if (d.train.weights.size() != m) d.train.weights.assign(m, 1.0f);
    for (std::size_t i = 0; i < m; ++i) {
      d.train.weights[i] *= static_cast<float>(d.class_weights[static_cast<std::size_t>(d.train.labels[i])]);
    }
  }
  if (!d.train.weights.empty() &&
      std::all_of(d.train.weights.begin(), d.train.weights.end(), [](float w) { return w == 0.0f; })) {
    throw DataError(fmt::format("{}: every example of the training split has weight 0 ({}), so "
                                "the cost is 0 whatever the network; give examples positive weights",
                                d.train.source,
                                cfg.data.weight ? "data.weight" : "train.class_weight"));
  }
}

}  // namespace

void standardize(const RunConfig& cfg, PreparedData& d) {
  d.warnings.clear();
  encode_categorical(cfg, d);
  weight_classes(cfg, d);
  // data.missing = "mean": missing features (NaN) take the training split's means, before the
  // standardization statistics are computed.
  d.imputer.reset();
  if (cfg.data.missing == config::Missing::mean) {
    data::Imputer imputer;
    imputer.fit(d.train.X, d.train.feature_names);
    for (data::Dataset* s : {&d.train, &d.dev, &d.test}) {
      if (s->X.rows() == imputer.size()) imputer.transform(s->X);
    }
    d.imputer = std::move(imputer);
  }
  normalize(cfg, d);
}

void normalize(const RunConfig& cfg, PreparedData& d) {
  const bool features = cfg.data.normalize == config::Normalize::standard;
  const bool targets = cfg.data.normalize_target && d.train.task == data::Task::regression;
  if (features) {
    d.normalization = data::Normalization::fit(d.train, targets);
  } else {  // no feature statistics to fit (a pass over the data): only the targets' when asked
    d.normalization = data::Normalization{};
    if (targets && d.train.Y.rows() > 0) d.normalization.targets.emplace().fit(d.train.Y);
  }
  if (!features) {  // the identity: x' = (x − 0)/1
    const auto n = static_cast<std::size_t>(d.train.n_features());
    d.normalization.features = data::Standardizer(std::vector<float>(n, 0.0f), std::vector<float>(n, 1.0f));
  } else if (!d.categorical.empty()) {
    // The one-hot inputs (the last rows of X) stay 0/1: x' = (x − 0)/1.
    std::vector<float> mean = d.normalization.features.mean();
    std::vector<float> sd = d.normalization.features.stddev();
    for (std::size_t j = mean.size() - static_cast<std::size_t>(d.categorical.width()); j < mean.size(); ++j) {
      mean[j] = 0.0f;
      sd[j] = 1.0f;
    }
    d.normalization.features = data::Standardizer(std::move(mean), std::move(sd));
  }
  d.standardized = features;
  if (d.kept) keep_statistics(*d.kept, d);  // model.init_from: the statistics its weights know
  for (data::Dataset* s : {&d.train, &d.dev, &d.test}) {
    if (s->size() > 0 || s->X.rows() > 0) d.normalization.apply(*s);
  }
}

ModelSpec model_spec(const RunConfig& cfg, const data::Dataset& train) {
  const config::Model& m = cfg.model;
  ModelSpec spec;
  spec.inputs = train.n_features();
  for (std::size_t k = 0; k < m.hidden.size(); ++k) {
    LayerSpec l;
    l.units = static_cast<Index>(m.hidden[k]);
    l.activation = m.activation.size() == 1 ? m.activation[0] : m.activation.at(k);
    l.keep_prob = m.keep_prob.empty() ? 1.0 : (m.keep_prob.size() == 1 ? m.keep_prob[0] : m.keep_prob.at(k));
    spec.layers.push_back(l);
  }
  const bool classify = train.task == data::Task::classification;
  LayerSpec out;
  out.activation = m.output ? *m.output : (classify ? Activation::softmax : Activation::identity);
  if (classify) {
    out.units = out.activation == Activation::sigmoid && train.n_classes() <= 2 ? 1 : train.n_classes();
    if (out.activation == Activation::identity) {
      throw ConfigError(cfg.diagnostic("model.output",
          fmt::format("a classifier ({} classes in {}) needs a softmax or sigmoid output, not identity",
                      train.n_classes(), train.source)));
    }
  } else {
    out.units = train.Y.rows();
    if (out.activation == Activation::softmax) {
      throw ConfigError(cfg.diagnostic("model.output",
          fmt::format("softmax is for classification, but {} holds a regression target — use "
                      "\"identity\"", train.source)));
    }
  }
  if (classify && out.activation == Activation::softmax && out.units < 2) {
    throw ConfigError(cfg.diagnostic("model.output",
        fmt::format("{} has only {} class — a classifier needs at least 2", train.source, out.units)));
  }
  spec.layers.push_back(out);
  if (cfg.train.loss) {
    spec.loss = *cfg.train.loss;
  } else {
    spec.loss = out.activation == Activation::softmax   ? Loss::cross_entropy
                : out.activation == Activation::sigmoid && classify ? Loss::binary_cross_entropy
                                                                    : Loss::mse;
  }
  spec.leaky_slope = m.leaky_slope;
  spec.init = m.init;
  spec.init_scale = m.init_scale;
  spec.init_gain = m.init_gain;
  spec.seed = cfg.train.seed;
  try {
    spec.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(cfg.diagnostic(cfg.train.loss ? "train.loss" : "model.output", e.what()));
  }
  return spec;
}

TrainOptions train_options(const RunConfig& cfg) {
  const config::Train& t = cfg.train;
  TrainOptions o;
  o.epochs = static_cast<std::uint64_t>(t.epochs);
  o.batch_size = static_cast<Index>(t.batch_size);
  o.drop_last = t.drop_last;
  o.train_cost = t.train_cost;
  o.on_divergence = t.on_divergence;
  o.max_recoveries = static_cast<std::uint64_t>(t.max_recoveries);
  o.learning_rate = t.learning_rate;
  // The optimizer and the schedule by their registered names and settings (every setting the
  // component publishes is in the configuration after parsing).
  o.optimizer.name = t.optimizer;
  for (const auto& [key, value] : t.optimizer_settings) o.optimizer.set(key, value);
  o.schedule.kind = optim::parse_schedule(t.schedule.type);
  for (const auto& [key, value] : t.schedule.settings) o.schedule.set(key, value);
  // cosine's period 0 (the default) anneals to min_lr at the end of training.
  if (o.schedule.kind == optim::ScheduleKind::cosine && o.schedule.period.value_or(0) == 0) {
    const auto warmup = o.schedule.warmup_epochs.value_or(0);
    o.schedule.period = o.epochs > warmup ? o.epochs - warmup : 0;
  }
  o.l1 = t.l1;
  o.l2 = t.l2;
  o.clip_norm = t.clip_norm;
  o.line_search = t.line_search;
  o.early_stopping.enabled = t.early_stopping.enabled;
  o.early_stopping.patience = static_cast<std::uint64_t>(t.early_stopping.patience);
  o.early_stopping.min_delta = t.early_stopping.min_delta;
  o.early_stopping.restore_best = t.early_stopping.restore_best;
  o.early_stopping.monitor = t.early_stopping.monitor;
  o.freeze = t.freeze;
  o.seed = t.seed;
  try {
    o.validate();
    optim::validate(o.schedule, o.learning_rate);
  } catch (const ConfigError& e) {
    throw ConfigError(cfg.diagnostic("train", e.what()));
  }
  return o;
}

Preprocessing preprocessing_of(const PreparedData& d) {
  Preprocessing p;
  p.task = d.train.task;
  p.feature_names = d.train.feature_names;
  p.target_names = d.train.target_names;
  p.class_names = d.train.class_names;
  if (d.standardized && d.normalization.features.fitted()) p.features = d.normalization.features;
  if (d.normalization.targets) p.targets = d.normalization.targets;
  p.imputer = d.imputer;
  p.categorical = d.categorical;
  return p;
}

}  // namespace mlp

namespace mlp {
namespace {

/// Applies `f` to every data path of `cfg` that names a file (not `-`, standard input).
template <class F>
void for_each_data_path(RunConfig& cfg, F f) {
  auto one = [&](std::string& p) {
    if (!p.empty() && p != "-") f(p);
  };
  auto opt = [&](std::optional<std::string>& p) {
    if (p) one(*p);
  };
  one(cfg.data.train);
  opt(cfg.data.dev);
  opt(cfg.data.test);
  opt(cfg.data.train_labels);
  opt(cfg.data.dev_labels);
  opt(cfg.data.test_labels);
  opt(cfg.model.init_from);  // a file path too, resolved and recorded as the data paths
}

/// The absolute path of `p` without symbolic links ("weakly": the missing tail is kept, so that
/// a missing file is reported by its loader, not here).
std::filesystem::path canonical_path(const std::filesystem::path& p) {
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(p, ec).lexically_normal();
  if (ec) return p.lexically_normal();
  const auto canonical = std::filesystem::weakly_canonical(absolute, ec);
  return ec ? absolute : canonical;
}

}  // namespace

void resolve_data_paths(RunConfig& cfg, const std::filesystem::path& base) {
  for_each_data_path(cfg, [&](std::string& p) {
    const std::filesystem::path path(p);
    p = canonical_path(path.is_relative() ? base / path : path).string();
  });
}

RunConfig with_data_paths_relative_to(RunConfig cfg, const std::filesystem::path& dir) {
  const std::filesystem::path root = canonical_path(dir);
  for_each_data_path(cfg, [&](std::string& p) {
    const std::filesystem::path path = canonical_path(p);
    // Beyond the root, the first folder: no common one means no relative path worth having.
    const auto first = [](const std::filesystem::path& q) {
      auto it = q.begin();
      return it != q.end() && ++it != q.end() ? *it : std::filesystem::path();
    };
    if (first(path).empty() || first(path) != first(root)) {
      p = path.string();
      return;
    }
    const std::filesystem::path relative = path.lexically_relative(root);
    p = relative.empty() ? path.string() : relative.generic_string();
  });
  return cfg;
}
void check_training_memory(const RunConfig& cfg, Index n_in, Index n_out, Index examples) {
  std::vector<Index> widths{n_in};
  for (const auto h : cfg.model.hidden) widths.push_back(static_cast<Index>(h));
  widths.push_back(n_out);
  Index batch = static_cast<Index>(cfg.train.batch_size);
  if (examples > 0) batch = std::min(batch, examples);
  const TrainOptions options = train_options(cfg);
  const std::size_t state = optim::make_optimizer<float>(options.optimizer)->state_vectors();
  const bool dropout = std::any_of(cfg.model.keep_prob.begin(), cfg.model.keep_prob.end(),
                                   [](double p) { return p < 1.0; });
  const TrainingMemory m = estimate_training_memory(widths, batch, state, dropout);
  // Also counted: the model file written from θ at the end (one more θ), and the best epoch's θ
  // kept by early stopping with restore_best.
  std::uint64_t copies = m.parameters / 2;
  if (options.early_stopping.enabled && options.early_stopping.restore_best) copies *= 2;
  const std::uint64_t total = m.total() > UINT64_MAX - copies ? UINT64_MAX : m.total() + copies;
  const std::uint64_t available = available_memory_bytes();
  const std::uint64_t limit = cfg.train.max_memory > 0
                                  ? static_cast<std::uint64_t>(cfg.train.max_memory) << 20
                                  : available / 4 * 3;
  if (limit == 0 || total <= limit) return;
  throw ConfigError(cfg.diagnostic(
      "model.hidden",
      fmt::format("training this network would take about {} (parameters and gradients {}, "
                  "{} optimizer state {}, activations of a batch of {} {}{}), more than {} "
                  "({}); use smaller hidden layers or a smaller batch, or raise train.max_memory "
                  "(in MiB)",
                  format_bytes(total), format_bytes(m.parameters), cfg.train.optimizer,
                  format_bytes(m.optimizer_state), batch, format_bytes(m.activations),
                  examples > 0 ? "" : ", before the data's size is known",
                  format_bytes(limit),
                  cfg.train.max_memory > 0
                      ? "train.max_memory"
                      : fmt::format("75 % of the {} available", format_bytes(available)))));
}

}  // namespace mlp
