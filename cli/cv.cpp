// mlp cv CONFIG --folds K — k-fold cross-validation: each fold's dev cost, their mean and variance.
#include <cmath>

#include "common.hpp"
#include "mlp/config/config.hpp"
#include "mlp/data/split.hpp"
#include "mlp/core/error.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/tensor.hpp"

namespace mlp::cli {
namespace {

struct Args {
  std::string config;
  std::vector<std::string> sets;
  int folds = 5;
  bool json = false;
  bool quiet = false;
};

int run(const Args& a) {
  RunConfig cfg = load_config(a.config, a.sets);
  resolve_data_paths(cfg, std::filesystem::path(a.config).parent_path());
  set_threads(static_cast<int>(cfg.train.threads));
  const LoadedData loaded = load_data(cfg);
  // All labelled data except a separate test file takes part in the folds.
  data::Dataset pool = loaded.train;
  if (loaded.dev) {
    pool.X.conservativeResize(Eigen::NoChange, pool.size() + loaded.dev->size());
    pool.X.rightCols(loaded.dev->size()) = loaded.dev->X;
    if (pool.Y.rows()) {
      pool.Y.conservativeResize(Eigen::NoChange, pool.X.cols());
      pool.Y.rightCols(loaded.dev->size()) = loaded.dev->Y;
    }
    pool.labels.insert(pool.labels.end(), loaded.dev->labels.begin(), loaded.dev->labels.end());
  }
  if (a.folds > pool.size()) {
    throw ConfigError(fmt::format("--folds {}: only {} examples to share", a.folds, pool.size()));
  }
  const auto folds = data::kfold(pool, a.folds, cfg.train.seed);
  TrainOptions options = train_options(cfg);
  struct FoldResult {
    Metrics dev;
    std::uint64_t epochs;
  };
  std::vector<FoldResult> results;
  for (std::size_t k = 0; k < folds.size(); ++k) {
    PreparedData d;
    d.train = pool.select(folds[k].train);
    d.dev = pool.select(folds[k].dev);
    standardize(cfg, d);
    Network<float> net(model_spec(cfg, d.train));
    Trainer trainer(net, options);
    const auto r = trainer.fit(d.train, &d.dev, {}, d.target_scaler());
    results.push_back({evaluate(net, d.dev, d.target_scaler()), r.epochs_run});
    if (!a.quiet) {
      fmt::print(stderr, "fold {}/{}: {} train / {} dev examples, {} epochs, dev {}\n", k + 1, folds.size(),
                 d.train.size(), d.dev.size(), r.epochs_run, metrics_text(results.back().dev));
    }
  }
  const double K = static_cast<double>(results.size());
  double mean = 0;
  for (const auto& r : results) mean += r.dev.loss;
  mean /= K;
  double var = 0;
  for (const auto& r : results) var += (r.dev.loss - mean) * (r.dev.loss - mean);
  var = results.size() > 1 ? var / (K - 1) : 0.0;
  std::optional<double> acc_mean;
  if (results.front().dev.accuracy) {
    acc_mean = 0;
    for (const auto& r : results) *acc_mean += *r.dev.accuracy / K;
  }
  if (a.json) {
    nlohmann::json j;
    j["folds"] = nlohmann::json::array();
    for (std::size_t k = 0; k < results.size(); ++k) {
      auto f = metrics_json(results[k].dev);
      f["fold"] = k + 1;
      f["epochs"] = results[k].epochs;
      f["dev_examples"] = folds[k].dev.size();
      j["folds"].push_back(f);
    }
    j["mean"] = mean;
    j["variance"] = var;
    j["std"] = std::sqrt(var);
    if (acc_mean) j["mean_accuracy"] = *acc_mean;
    print_json(j);
  } else {
    fmt::print("{}-fold cross-validation of {} ({} examples)\n", results.size(), a.config, pool.size());
    for (std::size_t k = 0; k < results.size(); ++k) {
      fmt::print("  fold {:>2}: dev {}\n", k + 1, metrics_text(results[k].dev));
    }
    fmt::print("  dev cost: mean {:.4f}, variance {:.4g} (std {:.4f}, over K−1){}\n", mean, var, std::sqrt(var),
               acc_mean ? fmt::format("; mean accuracy {:.4f}", *acc_mean) : "");
  }
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("cv", "K-fold cross-validation of a configuration");
  cmd->add_option("config", a->config, "Run configuration (TOML)")->required()->type_name("CONFIG");
  cmd->add_option("-k,--folds", a->folds, "Number of folds")->check(CLI::Range(2, 1000))->capture_default_str();
  cmd->add_option("--set", a->sets, "Override a configuration key (repeatable)")->type_name("KEY=VALUE");
  cmd->add_flag("--json", a->json, "Print the result as one JSON object on stdout");
  cmd->add_flag("-q,--quiet", a->quiet, "No per-fold progress on stderr");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

const Registrar registrar(60, setup);

}  // namespace
}  // namespace mlp::cli
