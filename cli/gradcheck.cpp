// mlp gradcheck CONFIG — the gradient check of SPEC §2 on exactly the configured model:
// double precision, penalties (L1/L2) included, dropout off, on a batch of real training data.
#include "common.hpp"
#include "mlp/config/config.hpp"
#include "mlp/core/error.hpp"
#include "mlp/autograd/gradcheck.hpp"
#include "mlp/optim/regularization.hpp"
#include "mlp/config/run.hpp"

namespace mlp::cli {
namespace {

struct Args {
  std::string config;
  std::vector<std::string> sets;
  Index examples = 16;
  double epsilon = 1e-7;
  double threshold = 1e-6;
  bool json = false;
};

int run(const Args& a) {
  RunConfig cfg = load_config(a.config, a.sets);
  resolve_data_paths(cfg, std::filesystem::path(a.config).parent_path());
  PreparedData d = prepare_data(cfg);
  ModelSpec spec = model_spec(cfg, d.train);
  for (auto& l : spec.layers) l.keep_prob = 1.0;  // dropout off: a deterministic J
  const TrainOptions opt = train_options(cfg);
  Network<double> net(spec);
  const Index m = std::min<Index>(a.examples, d.train.size());
  std::vector<Index> idx(static_cast<std::size_t>(m));
  for (Index i = 0; i < m; ++i) idx[static_cast<std::size_t>(i)] = i;
  const MatrixD X = d.train.X.leftCols(m).cast<double>();
  MatrixF Yf;
  fill_targets(spec, d.train, idx, Yf);
  const MatrixD Y = Yf.cast<double>();
  const auto m_train = static_cast<std::size_t>(d.train.size());
  Parameters<double>& p = net.params();
  auto cost = [&] {
    net.forward(X);
    double J = net.loss(Y, false);
    if (opt.l2 > 0) J += optim::l2_cost(p, opt.l2, m_train);
    if (opt.l1 > 0) J += optim::l1_cost(p, opt.l1, m_train);
    return J;
  };
  auto gradient = [&] {
    net.forward(X);
    net.loss(Y, true);
    if (opt.l2 > 0) optim::l2_penalty(p, opt.l2, m_train);
    if (opt.l1 > 0) optim::l1_penalty(p, opt.l1, m_train);
  };
  GradCheckOptions go;
  go.epsilon = a.epsilon;
  go.threshold = a.threshold;
  const GradCheckResult r = gradient_check(p, cost, gradient, go);

  // Per layer: W and b of a layer together.
  struct LayerError {
    std::string name;
    double rel;
  };
  std::vector<LayerError> layers;
  for (std::size_t k = 0; k < net.layer_count(); ++k) {
    const auto& w = p.slice(2 * k);
    const auto& b = p.slice(2 * k + 1);
    const auto off = static_cast<Index>(w.offset);
    const auto n = static_cast<Index>(w.size() + b.size());
    layers.push_back({net.layer_name(k), relative_error(r.approx.segment(off, n), r.exact.segment(off, n))});
  }
  if (a.json) {
    nlohmann::json j;
    j["relative_error"] = r.relative_error;
    j["passed"] = r.passed;
    j["threshold"] = go.threshold;
    j["epsilon"] = go.epsilon;
    j["examples"] = m;
    j["cost"] = r.cost;
    j["layers"] = nlohmann::json::array();
    for (const auto& l : layers) j["layers"].push_back({{"name", l.name}, {"relative_error", l.rel}});
    j["slices"] = nlohmann::json::array();
    for (const auto& s : r.slices) {
      j["slices"].push_back({{"name", s.name}, {"relative_error", s.relative_error},
                             {"max_abs_difference", s.max_abs_difference}, {"passed", s.passed}});
    }
    print_json(j);
  } else {
    fmt::print("gradient check of {} ({} parameters, {} examples, double precision, dropout off{}{})\n",
               a.config, p.size(), m, opt.l2 > 0 ? ", L2 included" : "", opt.l1 > 0 ? ", L1 included" : "");
    fmt::print("  dθ_approx[i] = (J(θ+εe_i) − J(θ−εe_i)) / 2ε with ε = {:g}; J = {:.6g}\n", go.epsilon, r.cost);
    fmt::print("  relative error ‖dθ_approx − dθ‖ / (‖dθ_approx‖ + ‖dθ‖):\n");
    for (std::size_t k = 0; k < layers.size(); ++k) {
      fmt::print("    {:<12} {:.3e}   (W {:.3e}, b {:.3e})\n", layers[k].name, layers[k].rel,
                 r.slices[2 * k].relative_error, r.slices[2 * k + 1].relative_error);
    }
    fmt::print("    {:<12} {:.3e}\n", "overall", r.relative_error);
    fmt::print("  thresholds: pass < {:g} (healthy ≈ 1e-7 or below); ≈ 1e-3 or more means a bug\n", go.threshold);
    fmt::print("{}\n", r.passed ? "PASSED" : "FAILED");
  }
  return r.passed ? 0 : static_cast<int>(ExitCode::runtime);
}

void setup(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("gradcheck", "Check the configured model's gradients against finite differences");
  cmd->add_option("config", a->config, "Run configuration (TOML)")->required()->type_name("CONFIG");
  cmd->add_option("--set", a->sets, "Override a configuration key (repeatable)")->type_name("KEY=VALUE");
  cmd->add_option("--examples", a->examples, "Training examples in the checked batch")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--epsilon", a->epsilon, "Finite-difference step ε")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--threshold", a->threshold, "Pass below this relative error")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_flag("--json", a->json, "Print the result as one JSON object on stdout");
  cmd->footer("Exit codes: 0 passed, 1 failed, 2 usage/configuration error, 65/66 data errors.");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

const Registrar registrar(40, setup);

}  // namespace
}  // namespace mlp::cli
