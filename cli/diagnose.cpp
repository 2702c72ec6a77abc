// mlp diagnose RUN_DIR [--baseline-error E] — bias/variance verdict and gradient health of a run.
// The recommendations start from what the run already does (its config.toml, when present).
#include <algorithm>
#include <filesystem>

#include "common.hpp"
#include "mlp/config/config.hpp"
#include "mlp/core/error.hpp"
#include "mlp/report/diagnosis.hpp"
#include "mlp/train/metrics_log.hpp"

namespace mlp::cli {
namespace {

struct Args {
  std::string dir;
  std::optional<double> baseline;
  bool best = false;
  bool json = false;
};

/// What a run's configuration already does, for the recommendations.
report::RunSettings run_settings(const RunConfig& cfg) {
  report::RunSettings r;
  r.optimizer = std::string(config::to_string(cfg.train.optimizer));
  r.learning_rate = cfg.train.learning_rate;
  r.l1 = cfg.train.l1;
  r.l2 = cfg.train.l2;
  for (const double p : cfg.model.keep_prob) r.min_keep_prob = std::min(r.min_keep_prob, p);
  r.early_stopping = cfg.train.early_stopping.enabled;
  r.patience = cfg.train.early_stopping.patience;
  r.restore_best = cfg.train.early_stopping.restore_best;
  r.epochs = cfg.train.epochs;
  return r;
}

int run(const Args& a) {
  const std::filesystem::path metrics = std::filesystem::path(a.dir) / "metrics.jsonl";
  if (!std::filesystem::exists(metrics)) {
    throw InputError(fmt::format("{}: No such file or directory — is {} a run directory of `mlp train`?",
                                 metrics.string(), a.dir));
  }
  const MetricsLog log = read_metrics_jsonl(metrics);
  if (log.history.empty()) throw DataError(fmt::format("{}: no epochs recorded yet", metrics.string()));
  report::DiagnosisOptions o;
  const std::filesystem::path config = std::filesystem::path(a.dir) / "config.toml";
  if (std::filesystem::exists(config)) o.run = run_settings(load_config(config));
  o.baseline_error = a.baseline;
  o.use_best_epoch = a.best;
  const report::Diagnosis d = report::diagnose(log.history, log.slice_names, o);
  if (a.json) {
    print_json(nlohmann::json::parse(report::to_json(d)));
  } else {
    fmt::print("{}", report::to_text(d));
  }
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("diagnose", "Bias/variance verdict with next steps, and gradient health, of a training run");
  cmd->add_option("run_dir", a->dir, "Run directory written by `mlp train`")->required()->type_name("RUN_DIR");
  cmd->add_option("--baseline-error", a->baseline, "Human-level (or Bayes) error, e.g. 0.05")->check(CLI::Range(0.0, 1e300));
  cmd->add_flag("--best-epoch", a->best, "Diagnose the epoch with the lowest dev cost instead of the last");
  cmd->add_flag("--json", a->json, "Print the diagnosis as one JSON object on stdout");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

const Registrar registrar(50, setup);

}  // namespace
}  // namespace mlp::cli
