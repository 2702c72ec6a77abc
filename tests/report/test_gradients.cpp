// Gradient health on synthetic histories: vanishing and exploding across layers (the deep
// linear network of SPEC §4 with W = 0.5·I and 1.5·I), growth over epochs, non-finite and
// exactly-zero norms.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "mlp/core/error.hpp"
#include "mlp/report/diagnosis.hpp"

namespace mlp::report {
namespace {

struct Run {
  std::vector<std::string> names;
  std::vector<EpochMetrics> history;
};

/// L layers, W and b slices; `norm(epoch, layer)` gives the W norm (the b norm is a tenth).
template <class F>
Run make_run(int layers, int epochs, F norm) {
  Run r;
  for (int k = 0; k < layers; ++k) {
    r.names.push_back(fmt::format("layers.{}.W", k));
    r.names.push_back(fmt::format("layers.{}.b", k));
  }
  for (int e = 1; e <= epochs; ++e) {
    EpochMetrics m;
    m.epoch = static_cast<std::uint64_t>(e);
    m.learning_rate = 0.01;
    m.train.loss = 1.0 / e;
    for (int k = 0; k < layers; ++k) {
      const double g = norm(e, k);
      m.grad_norms.push_back(g);
      m.grad_norms.push_back(g / 10);
      m.weight_norms.push_back(4.0);
      m.weight_norms.push_back(0.5);
    }
    r.history.push_back(m);
  }
  return r;
}

const GradientReport& find(const std::vector<GradientReport>& g, const std::string& name) {
  for (const auto& r : g) {
    if (r.name == name) return r;
  }
  throw std::runtime_error("no slice " + name);
}

TEST(GradientHealth, HealthyRunIsOk) {
  const auto run = make_run(3, 5, [](int e, int k) { return 0.2 + 0.05 * k + 0.01 * e; });
  const auto g = gradient_health(run.history, run.names);
  ASSERT_EQ(g.size(), 6u);
  for (const auto& r : g) EXPECT_EQ(r.status, GradientStatus::ok) << r.name << ": " << r.note;
  EXPECT_DOUBLE_EQ(find(g, "layers.1.W").first_epoch_norm, 0.26);
  EXPECT_DOUBLE_EQ(find(g, "layers.1.W").last_epoch_norm, 0.30);
  // update ratio = lr · |g| / |W| at the last epoch
  EXPECT_DOUBLE_EQ(find(g, "layers.1.W").update_ratio, 0.01 * 0.30 / 4.0);
}

TEST(GradientHealth, VanishingLikeADeepLinearNetworkWithHalfIdentity) {
  // Backpropagated through L − 1 − k layers of W = 0.5·I, layer k's gradient is 0.5^(L−1−k)
  // times the last layer's.
  const int L = 12;
  const auto run = make_run(L, 4, [&](int, int k) { return std::pow(0.5, L - 1 - k); });
  const auto g = gradient_health(run.history, run.names);
  for (int k = 0; k < L; ++k) {
    const double ratio = std::pow(0.5, L - 1 - k);
    const auto expected = ratio < 1e-2 ? GradientStatus::vanishing : GradientStatus::ok;
    const auto& w = find(g, fmt::format("layers.{}.W", k));
    EXPECT_EQ(w.status, expected) << w.name << ": " << w.note;
  }
  const auto& first = find(g, "layers.0.W");
  EXPECT_EQ(first.status, GradientStatus::vanishing);
  EXPECT_NE(first.note.find("the last layer's (layers.11.W 1)"), std::string::npos) << first.note;
  EXPECT_NE(first.remedy.find("he_normal"), std::string::npos) << first.remedy;
  // Layers 0 to 4 vanish (0.5^11 … 0.5^7 ≈ 7.8e-3 < 1e-2), layer 5 does not (0.5^6 ≈ 0.016).
  EXPECT_EQ(find(g, "layers.4.W").status, GradientStatus::vanishing);
  EXPECT_EQ(find(g, "layers.5.W").status, GradientStatus::ok);
}

TEST(GradientHealth, ExplodingLikeADeepLinearNetworkWithOneAndAHalfIdentity) {
  const int L = 20;
  const auto run = make_run(L, 3, [&](int, int k) { return std::pow(1.5, L - 1 - k); });
  const auto g = gradient_health(run.history, run.names);
  for (int k = 0; k < L; ++k) {
    const auto expected = std::pow(1.5, L - 1 - k) >= 1e2 ? GradientStatus::exploding : GradientStatus::ok;
    const auto& w = find(g, fmt::format("layers.{}.W", k));
    EXPECT_EQ(w.status, expected) << w.name << ": " << w.note;
  }
  EXPECT_EQ(find(g, "layers.0.W").status, GradientStatus::exploding);  // 1.5^19 ≈ 2217
  EXPECT_EQ(find(g, "layers.7.W").status, GradientStatus::exploding);  // 1.5^12 ≈ 130
  EXPECT_EQ(find(g, "layers.8.W").status, GradientStatus::ok);         // 1.5^11 ≈ 86
  EXPECT_NE(find(g, "layers.0.W").remedy.find("clip_norm"), std::string::npos);
  EXPECT_TRUE(find(g, "layers.8.W").remedy.empty());
}

// A deep linear network of ~10 layers initialized to W = c·I: the gradient reaching layer k is
// c^(L−1−k) times the last layer's. Both c = 2 and c = 0.5 are flagged in the first layers, in
// the weights and in the biases.
TEST(GradientHealth, FactorTwoAndOneHalfPerLayerOverTenLayers) {
  const int L = 10;
  for (const double c : {2.0, 0.5}) {
    const auto run = make_run(L, 3, [&](int, int k) { return std::pow(c, L - 1 - k); });
    const auto g = gradient_health(run.history, run.names);
    const auto flagged = c > 1 ? GradientStatus::exploding : GradientStatus::vanishing;
    for (int k = 0; k < L; ++k) {
      // c^9 = 512 (or 1/512), c^8 = 256, c^7 = 128: beyond the factor 100; c^6 = 64 is not.
      const auto expected = k <= 2 ? flagged : GradientStatus::ok;
      for (const char* kind : {"W", "b"}) {
        const auto& r = find(g, fmt::format("layers.{}.{}", k, kind));
        EXPECT_EQ(r.status, expected) << "c = " << c << ", " << r.name << ": " << r.note;
      }
    }
  }
}

// The weight gradients of a deep linear network with too large weights are about equal in every
// layer (dW_k = δ_k·a_{k−1}ᵀ: δ grows toward the input as a shrinks), so no cross-layer rule
// sees them; the absolute ceiling does.
TEST(GradientHealth, UniformlyHugeWeightGradientsAreExploding) {
  const auto run = make_run(11, 3, [](int, int) { return 3e6; });
  const auto g = gradient_health(run.history, run.names);
  for (int k = 0; k < 11; ++k) {
    const auto& w = find(g, fmt::format("layers.{}.W", k));
    EXPECT_EQ(w.status, GradientStatus::exploding) << w.name << ": " << w.note;
    EXPECT_NE(w.note.find("at or above 1000"), std::string::npos) << w.note;
  }
  // Just below the ceiling, level across layers: ok.
  const auto calm = make_run(4, 3, [](int, int) { return 999.0; });
  for (const auto& r : gradient_health(calm.history, calm.names)) EXPECT_EQ(r.status, GradientStatus::ok) << r.name;
  GradientThresholds t;
  t.exploding_abs = 1e7;
  EXPECT_EQ(find(gradient_health(run.history, run.names, t), "layers.0.W").status, GradientStatus::ok);
}

// Norms of healthy trained networks (examples/digits.toml at epoch 1; a 784-input first layer
// about 10× the others) are not flagged.
TEST(GradientHealth, HealthyNetworksStayOk) {
  const auto digits = make_run(2, 3, [](int, int k) { return k == 0 ? 1.31 : 1.37; });
  for (const auto& r : gradient_health(digits.history, digits.names)) EXPECT_EQ(r.status, GradientStatus::ok) << r.name;
  const auto wide_input = make_run(4, 3, [](int, int k) { return k == 0 ? 12.0 : 1.0 + 0.3 * k; });
  for (const auto& r : gradient_health(wide_input.history, wide_input.names)) {
    EXPECT_EQ(r.status, GradientStatus::ok) << r.name << ": " << r.note;
  }
}

TEST(GradientHealth, ExplodingOverEpochs) {
  const auto run = make_run(2, 5, [](int e, int) { return std::pow(10.0, e - 1); });  // 1 … 1e4
  const auto g = gradient_health(run.history, run.names);
  const auto& w = find(g, "layers.1.W");
  EXPECT_EQ(w.status, GradientStatus::exploding);
  EXPECT_EQ(w.max_norm, 1e4);
  EXPECT_NE(w.note.find("×1e+04"), std::string::npos) << w.note;
  // Growth just below the factor is fine.
  const auto calm = make_run(2, 2, [](int e, int) { return e == 1 ? 1.0 : 999.0; });
  EXPECT_EQ(find(gradient_health(calm.history, calm.names), "layers.1.W").status, GradientStatus::ok);
}

TEST(GradientHealth, NonFiniteIsExplodingAndZeroIsDead) {
  auto run = make_run(2, 4, [](int, int) { return 0.5; });
  run.history[2].grad_norms[2] = std::numeric_limits<double>::infinity();  // layers.1.W, epoch 3
  run.history[1].grad_norms[0] = 0.0;  // layers.0.W: 0 at epoch 2 only — recovers
  for (std::size_t e = 1; e < 4; ++e) run.history[e].grad_norms[1] = 0.0;  // layers.0.b from epoch 2
  const auto g = gradient_health(run.history, run.names);
  EXPECT_EQ(find(g, "layers.1.W").status, GradientStatus::exploding);
  EXPECT_NE(find(g, "layers.1.W").note.find("epoch 3"), std::string::npos);
  EXPECT_TRUE(std::isnan(find(g, "layers.1.W").max_norm));
  EXPECT_EQ(find(g, "layers.0.b").status, GradientStatus::dead);
  EXPECT_NE(find(g, "layers.0.b").note.find("since epoch 2"), std::string::npos) << find(g, "layers.0.b").note;
  EXPECT_EQ(find(g, "layers.0.W").status, GradientStatus::ok);
}

TEST(GradientHealth, AbsoluteVanishingAndThresholdParameters) {
  const auto run = make_run(1, 2, [](int, int) { return 5e-8; });
  auto g = gradient_health(run.history, run.names);
  EXPECT_EQ(find(g, "layers.0.W").status, GradientStatus::vanishing);
  GradientThresholds t;
  t.vanishing_abs = 1e-9;
  g = gradient_health(run.history, run.names, t);
  EXPECT_EQ(find(g, "layers.0.W").status, GradientStatus::ok);
}

TEST(GradientHealth, NoGradientNormsNoReportAndMismatchIsAnError) {
  auto run = make_run(2, 2, [](int, int) { return 0.5; });
  for (auto& e : run.history) e.grad_norms.clear();
  EXPECT_TRUE(gradient_health(run.history, run.names).empty());
  auto bad = make_run(2, 2, [](int, int) { return 0.5; });
  bad.names.pop_back();
  EXPECT_THROW((void)gradient_health(bad.history, bad.names), ShapeError);
}

TEST(GradientHealth, DiagnosisCarriesGradientRemedies) {
  const int L = 12;
  auto run = make_run(L, 3, [&](int, int k) { return std::pow(0.5, L - 1 - k); });
  for (auto& e : run.history) {
    Metrics dev;
    dev.loss = 0.5;
    e.dev = dev;
  }
  const auto d = diagnose(run.history, run.names);
  bool found = false;
  for (const auto& r : d.recommendations) {
    if (r.rfind("Vanishing gradients in layers.0.W, layers.0.b, layers.1.W", 0) == 0) found = true;
  }
  EXPECT_TRUE(found) << to_text(d);
  EXPECT_NE(to_text(d).find("vanishing"), std::string::npos);
}

}  // namespace
}  // namespace mlp::report
