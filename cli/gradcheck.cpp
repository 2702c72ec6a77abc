// mlp gradcheck CONFIG — the gradient check of SPEC §2 on exactly the configured model:
// double precision, penalties (L1/L2) included, dropout off, on a batch of real training data.
#include "common.hpp"
#include "mlp/config/commands.hpp"
#include "mlp/core/error.hpp"

namespace mlp::cli {
namespace {

struct Args : ConfigArgs {
  Index examples = 16;
  double epsilon = 1e-7;
  double threshold = 1e-6;
};

void print_json_result(const Args& a, const config::GradientCheckReport& report) {
  const GradCheckResult& r = report.check.result;
  nlohmann::json j;
  j["relative_error"] = r.relative_error;
  j["passed"] = r.passed;
  j["threshold"] = a.threshold;
  j["epsilon"] = a.epsilon;
  j["examples"] = report.check.examples;
  j["cost"] = r.cost;
  j["layers"] = nlohmann::json::array();
  for (const auto& l : report.check.layers) j["layers"].push_back({{"name", l.name}, {"relative_error", l.relative_error}});
  j["slices"] = nlohmann::json::array();
  for (const auto& s : r.slices) {
    j["slices"].push_back({{"name", s.name}, {"relative_error", s.relative_error},
                           {"max_abs_difference", s.max_abs_difference}, {"passed", s.passed}});
  }
  print_json(j);
}

void print_text(const Args& a, const config::GradientCheckReport& report) {
  const GradCheckResult& r = report.check.result;
  print_out("gradient check of {} ({} parameters, {} examples, double precision, dropout off{}{})\n",
             a.config, report.check.parameters, report.check.examples, report.l2 ? ", L2 included" : "",
             report.l1 ? ", L1 included" : "");
  print_out("  dθ_approx[i] = (J(θ+εe_i) − J(θ−εe_i)) / 2ε with ε = {:g}; J = {:.6g}\n", a.epsilon, r.cost);
  print_out("  relative error ‖dθ_approx − dθ‖ / (‖dθ_approx‖ + ‖dθ‖):\n");
  for (const auto& l : report.check.layers) {
    print_out("    {:<12} {:.3e}   (W {:.3e}, b {:.3e})\n", l.name, l.relative_error, l.weights, l.bias);
  }
  print_out("    {:<12} {:.3e}\n", "overall", r.relative_error);
  print_out("  thresholds: pass < {:g} (healthy ≈ 1e-7 or below); ≈ 1e-3 or more means a bug\n", a.threshold);
  print_out("{}\n", r.passed ? "PASSED" : "FAILED");
}

int run(const Args& a) {
  const config::GradientCheckReport report = config::gradient_check(a.config, a.sets, a.examples, a.epsilon, a.threshold);
  if (a.json) {
    print_json_result(a, report);
  } else {
    print_text(a, report);
  }
  return report.check.result.passed ? 0 : static_cast<int>(ExitCode::runtime);
}

void setup(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("gradcheck", "Check the configured model's gradients against finite differences");
  add_config_args(cmd, *a, "Print the result as one JSON object on stdout");
  add_number(cmd, "--examples", a->examples, "Training examples in the checked batch", config::parameter_range::examples)
      ->capture_default_str();
  add_number(cmd, "--epsilon", a->epsilon, "Finite-difference step ε", config::parameter_range::epsilon)
      ->capture_default_str();
  add_number(cmd, "--threshold", a->threshold, "Pass below this relative error", config::parameter_range::threshold)
      ->capture_default_str();
  cmd->footer("Exit codes: 0 passed, 1 failed, 2 usage/configuration error, 65/66 data errors.");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

const Registrar registrar(40, setup);

}  // namespace
}  // namespace mlp::cli
