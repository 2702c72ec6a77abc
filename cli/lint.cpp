// mlp lint CONFIG [--strict] [--ignore CODE]... [--set KEY=VALUE]... [--json]
// — checks of a configuration and its data before training (config/lint.hpp).
#include "common.hpp"
#include "mlp/config/lint.hpp"

namespace mlp::cli {
namespace {

struct Args : ConfigArgs {
  bool strict = false;
  std::vector<std::string> ignore;
};

int run(const Args& a) {
  const std::vector<config::Finding> findings = config::lint(a.config, a.sets, a.ignore);
  bool error = false;
  for (const auto& f : findings) error = error || f.severity == config::Severity::error;
  if (a.json) {
    nlohmann::json j;
    j["findings"] = nlohmann::json::array();
    for (const auto& f : findings) {
      j["findings"].push_back({{"severity", std::string(config::to_string(f.severity))},
                               {"code", f.code},
                               {"message", f.message},
                               {"fix", f.fix}});
    }
    print_json(j);
  } else if (findings.empty()) {
    print_out("{}: no findings\n", a.config);
  } else {
    for (const auto& f : findings) {
      print_out("{} {}: {}\n  fix: {}\n", config::to_string(f.severity), f.code, f.message, f.fix);
    }
  }
  return a.strict && error ? static_cast<int>(ExitCode::runtime) : 0;
}

void setup(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("lint", "Check a configuration and its data before training (leaks, imbalance, settings)");
  add_config_args(cmd, *a, "Print the findings as one JSON object on stdout");
  cmd->add_flag("--strict", a->strict, "Exit 1 when a finding is an error (the findings are advice otherwise: exit 0)");
  cmd->add_option("--ignore", a->ignore, "Leave out the findings of this code (repeatable)")->type_name("CODE");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

const Registrar registrar(45, setup);

}  // namespace
}  // namespace mlp::cli
