// mlp diagnose RUN_DIR [--baseline-error E] — bias/variance verdict and gradient health of a run.
// The recommendations start from what the run already does (its config.toml, when present).
#include "common.hpp"
#include "mlp/config/commands.hpp"
#include "mlp/report/diagnosis.hpp"

namespace mlp::cli {
namespace {

struct Args {
  std::string dir;
  std::optional<double> baseline;
  bool best = false;
  bool json = false;
};

int run(const Args& a) {
  report::DiagnosisOptions o;
  o.baseline_error = a.baseline;
  o.use_best_epoch = a.best;
  const report::Diagnosis d = config::diagnose_run(a.dir, o);
  if (a.json) {
    print_json(nlohmann::json::parse(report::to_json(d)));
  } else {
    print_out("{}", report::to_text(d));
  }
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("diagnose", "Bias/variance verdict with next steps, and gradient health, of a training run");
  cmd->add_option("run_dir", a->dir, "Run directory written by `mlp train`")->required()->type_name("RUN_DIR");
  add_number(cmd, "--baseline-error", a->baseline, "Human-level (or Bayes) error, e.g. 0.05",
             config::parameter_range::baseline_error);
  cmd->add_flag("--best-epoch", a->best, "Diagnose the epoch with the lowest dev cost instead of the last");
  cmd->add_flag("--json", a->json, "Print the diagnosis as one JSON object on stdout");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

const Registrar registrar(50, setup);

}  // namespace
}  // namespace mlp::cli
