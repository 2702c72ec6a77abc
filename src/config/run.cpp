#include "mlp/config/run.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "mlp/data/csv.hpp"
#include "mlp/data/idx.hpp"
#include "mlp/data/split.hpp"
#include "mlp/core/error.hpp"

namespace mlp {

namespace {

std::vector<std::string> idx_class_names(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.find("fashion") != std::string::npos) return data::fashion_mnist_class_names();
  return {};
}

data::Dataset load_one(const RunConfig& cfg, const std::string& path,
                       const std::optional<std::string>& labels, const data::Dataset* like) {
  const config::Data& d = cfg.data;
  if (d.format == config::DataFormat::idx) {
    if (!labels) {
      throw ConfigError(cfg.diagnostic("data.train_labels",
                                       fmt::format("IDX images {} need a label file", path)));
    }
    data::IdxOptions o;
    o.class_names = like ? like->class_names : idx_class_names(path);
    return data::load_idx(path, *labels, o);
  }
  data::CsvOptions o;
  o.targets = d.target;
  o.drop = d.drop;
  o.missing = d.missing == config::Missing::drop_row ? data::CsvOptions::Missing::drop_row
            : d.missing == config::Missing::mean   ? data::CsvOptions::Missing::keep_nan
                                                   : data::CsvOptions::Missing::error;
  o.max_field_bytes = static_cast<std::size_t>(d.max_field_bytes);
  if (d.task == config::Task::classification) o.task = data::Task::classification;
  if (d.task == config::Task::regression) o.task = data::Task::regression;
  if (!like) return data::load_csv(path, o);
  // Dev/test files: the training file's columns and labels.
  data::CsvSchema schema;
  schema.task = like->task;
  schema.feature_names = like->feature_names;
  schema.target_names = like->target_names;
  schema.class_names = like->class_names;
  data::Dataset out = data::load_csv(path, schema, o);
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

PreparedData prepare_data(const RunConfig& cfg, const LoadedData& loaded) {
  PreparedData d;
  const std::uint64_t seed = cfg.train.seed;
  if (!loaded.test && !loaded.dev) {
    const data::SplitFractions f = cfg.data.split
        ? data::SplitFractions{(*cfg.data.split)[0], (*cfg.data.split)[1], (*cfg.data.split)[2]}
        : data::default_split(loaded.train.size());
    auto parts = data::split(loaded.train, f, seed);
    d.train = std::move(parts.train);
    d.dev = std::move(parts.dev);
    d.test = std::move(parts.test);
  } else if (cfg.data.split) {
    // Fractions of the training file; the sets with their own files take nothing from it.
    const auto& s = *cfg.data.split;
    auto parts = data::split(loaded.train, {s[0], loaded.dev ? 0.0 : s[1], loaded.test ? 0.0 : s[2]}, seed);
    d.train = std::move(parts.train);
    d.dev = loaded.dev ? *loaded.dev : std::move(parts.dev);
    d.test = loaded.test ? *loaded.test : std::move(parts.test);
  } else {
    auto parts = data::split_with_files(loaded.train, loaded.dev,
                                        loaded.test ? *loaded.test : data::Dataset{}, seed);
    d.train = std::move(parts.train);
    d.dev = std::move(parts.dev);
    d.test = std::move(parts.test);
  }
  if (d.train.size() == 0) throw DataError(fmt::format("{}: the training split is empty", cfg.data.train));
  standardize(cfg, d);
  return d;
}

void standardize(const RunConfig& cfg, PreparedData& d) {
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
  const bool features = cfg.data.normalize == config::Normalize::standard;
  const bool targets = cfg.data.normalize_target && d.train.task == data::Task::regression;
  d.normalization = data::Normalization::fit(d.train, targets);
  if (!features) {  // the identity: x' = (x − 0)/1
    const auto n = static_cast<std::size_t>(d.train.n_features());
    d.normalization.features = data::Standardizer(std::vector<float>(n, 0.0f), std::vector<float>(n, 1.0f));
  }
  d.standardized = features;
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
  o.learning_rate = t.learning_rate;
  // The optimizer and the schedule by their registered names and settings (every setting the
  // component publishes is in the configuration after parsing).
  o.optimizer.name = t.optimizer;
  for (const auto& [key, value] : t.optimizer_settings) o.optimizer.set(key, value);
  o.schedule.kind = optim::parse_schedule(t.schedule.type);
  for (const auto& [key, value] : t.schedule.settings) o.schedule.set(key, value);
  o.l1 = t.l1;
  o.l2 = t.l2;
  o.clip_norm = t.clip_norm;
  o.line_search = t.line_search;
  o.early_stopping.enabled = t.early_stopping.enabled;
  o.early_stopping.patience = static_cast<std::uint64_t>(t.early_stopping.patience);
  o.early_stopping.min_delta = t.early_stopping.min_delta;
  o.early_stopping.restore_best = t.early_stopping.restore_best;
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
  return p;
}

}  // namespace mlp

namespace mlp {
void resolve_data_paths(RunConfig& cfg, const std::filesystem::path& base) {
  auto fix = [&](std::string& p) {
    if (p.empty() || p == "-") return;
    const std::filesystem::path path(p);
    if (path.is_relative()) p = std::filesystem::absolute(base / path).lexically_normal().string();
  };
  auto fix_opt = [&](std::optional<std::string>& p) {
    if (p) fix(*p);
  };
  fix(cfg.data.train);
  fix_opt(cfg.data.dev);
  fix_opt(cfg.data.test);
  fix_opt(cfg.data.train_labels);
  fix_opt(cfg.data.dev_labels);
  fix_opt(cfg.data.test_labels);
}
}  // namespace mlp
