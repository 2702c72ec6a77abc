// examples/vanishing.toml and examples/exploding.toml, trained for one epoch: with W = c·I
// (init = "identity", init_gain = c) the gradient reaching layer l of L is c^(L−l) times the
// output's, which the recorded per-layer gradient norms show (docs/math.md §12).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>

#include "mlp/config/commands.hpp"
#include "mlp/io/model.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

/// The per-slice gradient norms of the first epoch of examples/NAME.toml, by slice name.
std::map<std::string, double> first_epoch_norms(const std::string& name) {
  std::string tmpl = (fs::temp_directory_path() / "mlp-gradient-demo-XXXXXX").string();
  const fs::path dir = ::mkdtemp(tmpl.data());
  config::TrainRunOptions o;
  o.config = fs::path(MLP_SOURCE_DIR) / "examples" / (name + ".toml");
  o.out = dir / "run";
  o.overrides = {"train.epochs=1"};
  const auto r = config::train_run(o);
  std::map<std::string, double> norms;
  const auto& e = r.training.history.at(0);
  const auto names = Model::load(r.model).network().params().slices();
  EXPECT_EQ(e.grad_norms.size(), names.size());
  for (std::size_t s = 0; s < names.size() && s < e.grad_norms.size(); ++s) norms[names[s].name] = e.grad_norms[s];
  fs::remove_all(dir);
  return norms;
}

std::string bias(int k) { return "layers." + std::to_string(k) + ".b"; }
std::string weight(int k) { return "layers." + std::to_string(k) + ".W"; }

/// 10 hidden layers (0..9) and the output layer 10: ‖db_k‖ / ‖db_9‖ = c^(9−k) for the hidden
/// layers within `tolerance` (relative), while the weights' norms stay within 15 % of each
/// other across the hidden layers (each carries c^(L−1)).
void expect_powers_of(double c, const std::map<std::string, double>& g, double tolerance) {
  const double top = g.at(bias(9));
  for (int k = 0; k <= 9; ++k) {
    const double expected = std::pow(c, 9 - k);
    EXPECT_NEAR(g.at(bias(k)) / top / expected, 1.0, tolerance) << bias(k) << ": c = " << c;
    EXPECT_NEAR(g.at(weight(k)) / g.at(weight(9)), 1.0, 0.15) << weight(k) << ": c = " << c;
  }
}

TEST(GradientDemos, VanishingExampleHalvesTheGradientAtEachLayer) {
  // ReLU, c = 0.5: ‖db_0‖ ≈ 0.5⁹ ‖db_9‖ ≈ 2e-3 of it (the updates of the one epoch perturb W = c·I
  // a little, hence the tolerance).
  expect_powers_of(0.5, first_epoch_norms("vanishing"), 0.05);
}

TEST(GradientDemos, ExplodingExampleDoublesTheGradientAtEachLayer) {
  // Linear, c = 2: the output layer follows the same law (no ReLU mask), ‖db_9‖ = 2 ‖db_10‖.
  const auto g = first_epoch_norms("exploding");
  expect_powers_of(2.0, g, 0.05);
  EXPECT_NEAR(g.at(bias(9)) / g.at(bias(10)), 2.0, 0.1);
}

}  // namespace
}  // namespace mlp
