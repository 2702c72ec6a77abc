// config::cross_validate, config::gradient_check and config::run_settings: `mlp cv`,
// `mlp gradcheck` and the run settings `mlp diagnose` starts its recommendations from.
#include "mlp/config/commands.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "mlp/config/run.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/tensor.hpp"
#include "mlp/data/split.hpp"
#include "mlp/train/metrics_log.hpp"

namespace mlp::config {
namespace {

/// The configuration at `path` with `overrides`, its data paths resolved against its folder.
RunConfig read_config(const std::filesystem::path& path, const std::vector<std::string>& overrides) {
  RunConfig cfg = load_config(path, overrides);
  resolve_data_paths(cfg, path.parent_path());
  return cfg;
}

/// The training data and a separate dev file, if any, as one data set.
data::Dataset pooled(const LoadedData& loaded) {
  data::Dataset pool = loaded.train;
  if (!loaded.dev) return pool;
  const data::Dataset& dev = *loaded.dev;
  pool.X.conservativeResize(Eigen::NoChange, pool.size() + dev.size());
  pool.X.rightCols(dev.size()) = dev.X;
  if (pool.Y.rows()) {
    pool.Y.conservativeResize(Eigen::NoChange, pool.X.cols());
    pool.Y.rightCols(dev.size()) = dev.Y;
  }
  pool.labels.insert(pool.labels.end(), dev.labels.begin(), dev.labels.end());
  // Categorical cells (encoded per fold) and weights: the dev file's after the training file's.
  for (std::size_t c = 0; c < pool.categorical.size() && c < dev.categorical.size(); ++c) {
    auto& col = pool.categorical[c];
    col.values.insert(col.values.end(), dev.categorical[c].values.begin(), dev.categorical[c].values.end());
    col.where.insert(col.where.end(), dev.categorical[c].where.begin(), dev.categorical[c].where.end());
  }
  if (!pool.weights.empty()) pool.weights.resize(static_cast<std::size_t>(pool.size()), 1.0f);
  return pool;
}

/// Throws ConfigError unless `value` lies in `range`: "gradient check: epsilon must be > 0 and
/// finite (got nan)".
void require(std::string_view what, std::string_view name, double value, const Interval& range,
             bool integer = false) {
  if (!range.contains(value)) {
    throw ConfigError(fmt::format("{}: {} must be {} (got {})", what, name, range.text(integer), value));
  }
}

}  // namespace

CrossValidationResult cross_validate(const std::filesystem::path& path,
                                     const std::vector<std::string>& overrides, int folds,
                                     const FoldDone& on_fold, Communicator* comm) {
  require("cross-validation", "folds", folds, parameter_range::folds, true);
  const RunConfig cfg = read_config(path, overrides);
  check_training_memory(cfg, 1, 1, 0);
  set_threads(static_cast<int>(cfg.train.threads));
  return cross_validate(cfg, pooled_data(cfg), folds, on_fold, comm);
}

data::Dataset pooled_data(const RunConfig& cfg) {
  // All labelled data except a separate test file takes part in the folds.
  return pooled(load_data(cfg));
}

CrossValidationResult cross_validate(const RunConfig& cfg, const data::Dataset& pool, int folds,
                                     const FoldDone& on_fold, Communicator* comm) {
  require("cross-validation", "folds", folds, parameter_range::folds, true);
  if (folds > pool.size()) {
    throw ConfigError(fmt::format("--folds {}: only {} examples to share", folds, pool.size()));
  }
  const TrainOptions options = train_options(cfg);
  const PrepareFold prepare = [&](data::Dataset train, data::Dataset dev) {
    PreparedData d;
    d.train = std::move(train);
    d.dev = std::move(dev);
    standardize(cfg, d);
    CrossValidationFold fold;
    fold.spec = model_spec(cfg, d.train);
    fold.options = options;
    // Early stopping / the plateau schedule watch a stopping set carved from this fold's
    // training part, of the dev fraction the split rule gives for its size.
    fold.stopping_fraction = data::default_split(d.train.size()).dev;
    fold.targets = d.normalization.targets;
    fold.train = std::move(d.train);
    fold.dev = std::move(d.dev);
    return fold;
  };
  return mlp::cross_validate(pool, folds, cfg.train.seed, prepare, on_fold, comm);
}

GradientCheckReport gradient_check(const std::filesystem::path& path,
                                   const std::vector<std::string>& overrides, Index examples,
                                   double epsilon, double threshold) {
  require("gradient check", "examples", static_cast<double>(examples), parameter_range::examples, true);
  require("gradient check", "epsilon", epsilon, parameter_range::epsilon);
  require("gradient check", "threshold", threshold, parameter_range::threshold);
  const RunConfig cfg = read_config(path, overrides);
  const PreparedData d = prepare_data(cfg);
  const ModelSpec spec = model_spec(cfg, d.train);
  const TrainOptions train = train_options(cfg);
  NetworkGradientCheckOptions o;
  o.examples = examples;
  o.l1 = train.l1;
  o.l2 = train.l2;
  o.check.epsilon = epsilon;
  o.check.threshold = threshold;
  GradientCheckReport r;
  r.check = check_network_gradients(spec, d.train, o);
  r.l1 = train.l1 > 0;
  r.l2 = train.l2 > 0;
  return r;
}

report::RunSettings run_settings(const RunConfig& cfg) {
  report::RunSettings r;
  r.optimizer = fmt::format("{}", cfg.train.optimizer);
  r.learning_rate = cfg.train.learning_rate;
  r.schedule = cfg.train.schedule.type;
  r.clip_norm = cfg.train.clip_norm;
  r.l1 = cfg.train.l1;
  r.l2 = cfg.train.l2;
  for (const double p : cfg.model.keep_prob) r.min_keep_prob = std::min(r.min_keep_prob, p);
  r.early_stopping = cfg.train.early_stopping.enabled;
  r.patience = cfg.train.early_stopping.patience;
  r.restore_best = cfg.train.early_stopping.restore_best;
  r.epochs = cfg.train.epochs;
  r.hidden = cfg.model.hidden;
  for (const Activation a : cfg.model.activation) r.activation.emplace_back(mlp::to_string(a));
  r.init = std::string(mlp::to_string(cfg.model.init));
  r.init_scale = cfg.model.init_scale;
  r.init_gain = cfg.model.init_gain;
  return r;
}

report::Diagnosis diagnose_run(const std::filesystem::path& dir, report::DiagnosisOptions options) {
  if (options.baseline_error) {
    require("diagnosis", "baseline error", *options.baseline_error, parameter_range::baseline_error);
  }
  const std::filesystem::path metrics = dir / "metrics.jsonl";
  if (!std::filesystem::exists(metrics)) {
    throw InputError(fmt::format("{}: No such file or directory — is {} a run directory of `mlp train`?",
                                 metrics.string(), dir.string()));
  }
  const MetricsLog log = read_metrics_jsonl(metrics);
  if (log.history.empty()) throw DataError(fmt::format("{}: no epochs recorded yet", metrics.string()));
  const std::filesystem::path config = dir / "config.toml";
  if (std::filesystem::exists(config)) options.run = run_settings(load_config(config));
  return report::diagnose(log.history, log.slice_names, options);
}

}  // namespace mlp::config
