// Each optimizer's first three steps by hand from the SPEC §4 formulas, the registry, option
// validation, the single step counter and checkpoint state.
//
// The tiny problem: theta = (w1, w2 | b) with W = [w1 w2] (1x2, penalized) and b (1x1, bias),
//   θ0 = (1, 2, −1)
//   g1 = (1, −2, 0.5),  g2 = (0.5, 1, −1),  g3 = (−1, 0, 2)     (a fixed gradient sequence)
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "mlp/core/error.hpp"
#include "mlp/optim/optimizer.hpp"
#include "mlp/core/random.hpp"

namespace mlp::optim {
namespace {

using Vec3 = std::array<double, 3>;
constexpr Vec3 kTheta0{1.0, 2.0, -1.0};
constexpr std::array<Vec3, 3> kGrads{{{1.0, -2.0, 0.5}, {0.5, 1.0, -1.0}, {-1.0, 0.0, 2.0}}};
constexpr double kEps = 1e-8;

Parameters<double> tiny() {
  Parameters<double> p;
  p.add("layers.0.W", 1, 2, true);
  p.add("layers.0.b", 1, 1, false);
  p.theta() << kTheta0[0], kTheta0[1], kTheta0[2];
  return p;
}

/// Runs the three fixed steps and checks θ after each against `expected`.
void expect_three_steps(const OptimizerOptions& o, double alpha,
                        const std::array<Vec3, 3>& expected) {
  SCOPED_TRACE(o.name);
  auto p = tiny();
  auto opt = make_optimizer<double>(o);
  for (std::size_t k = 0; k < 3; ++k) {
    p.dtheta() << kGrads[k][0], kGrads[k][1], kGrads[k][2];
    opt->step(p, alpha);
    for (Index i = 0; i < 3; ++i) {
      EXPECT_NEAR(p.theta()(i), expected[k][static_cast<std::size_t>(i)], 1e-14)
          << "step " << k + 1 << " element " << i;
    }
  }
  EXPECT_EQ(opt->step_count(), 3u);
}

TEST(HandComputed, GradientDescent) {
  // θ := θ − 0.1 g
  expect_three_steps({.name = "gd"}, 0.1,
                     {{{0.9, 2.2, -1.05},      // θ0 − 0.1 (1, −2, 0.5)
                       {0.85, 2.1, -0.95},     // − 0.1 (0.5, 1, −1)
                       {0.95, 2.1, -1.15}}});  // − 0.1 (−1, 0, 2)
}

TEST(HandComputed, MomentumSeedForm) {
  // β = 0.5, α = 0.1:  V := 0.5 V + 0.5 g;  θ := θ − 0.1 V
  //   V1 = (0.5, −1, 0.25)      θ1 = (0.95, 2.1, −1.025)
  //   V2 = (0.5, 0, −0.375)     θ2 = (0.9, 2.1, −0.9875)
  //   V3 = (−0.25, 0, 0.8125)   θ3 = (0.925, 2.1, −1.06875)
  expect_three_steps({.name = "momentum", .beta = 0.5}, 0.1,
                     {{{0.95, 2.1, -1.025}, {0.9, 2.1, -0.9875}, {0.925, 2.1, -1.06875}}});
}

TEST(HandComputed, MomentumPytorchForm) {
  // β = 0.5, α = 0.1:  V := 0.5 V + g;  θ := θ − 0.1 V
  //   V1 = (1, −2, 0.5)         θ1 = (0.9, 2.2, −1.05)
  //   V2 = (1, 0, −0.75)        θ2 = (0.8, 2.2, −0.975)
  //   V3 = (−0.5, 0, 1.625)     θ3 = (0.85, 2.2, −1.1375)
  expect_three_steps({.name = "momentum_pytorch", .beta = 0.5}, 0.1,
                     {{{0.9, 2.2, -1.05}, {0.8, 2.2, -0.975}, {0.85, 2.2, -1.1375}}});
}

TEST(HandComputed, MomentumPytorchNesterov) {
  // β = 0.5, α = 0.1:  V := 0.5 V + g;  θ := θ − 0.1 (g + 0.5 V)
  //   u1 = (1.5, −3, 0.75)      θ1 = (0.85, 2.3, −1.075)
  //   u2 = (1, 1, −1.375)       θ2 = (0.75, 2.2, −0.9375)
  //   u3 = (−1.25, 0, 2.8125)   θ3 = (0.875, 2.2, −1.21875)
  expect_three_steps({.name = "momentum_pytorch", .beta = 0.5, .nesterov = true}, 0.1,
                     {{{0.85, 2.3, -1.075}, {0.75, 2.2, -0.9375}, {0.875, 2.2, -1.21875}}});
}

TEST(HandComputed, RmsProp) {
  // β = 0.5, α = 0.1, ε = 1e-8:  S := 0.5 S + 0.5 g²;  θ := θ − 0.1 g / (√S + ε)
  //   S1 = (0.5, 2, 0.125)
  //   S2 = (0.375, 1.5, 0.5625)
  //   S3 = (0.6875, 0.75, 2.28125)
  const Vec3 u1{1.0 / (std::sqrt(0.5) + kEps), -2.0 / (std::sqrt(2.0) + kEps),
                0.5 / (std::sqrt(0.125) + kEps)};
  const Vec3 u2{0.5 / (std::sqrt(0.375) + kEps), 1.0 / (std::sqrt(1.5) + kEps),
                -1.0 / (0.75 + kEps)};
  const Vec3 u3{-1.0 / (std::sqrt(0.6875) + kEps), 0.0, 2.0 / (std::sqrt(2.28125) + kEps)};
  std::array<Vec3, 3> expected{};
  for (std::size_t i = 0; i < 3; ++i) {
    expected[0][i] = kTheta0[i] - 0.1 * u1[i];
    expected[1][i] = expected[0][i] - 0.1 * u2[i];
    expected[2][i] = expected[1][i] - 0.1 * u3[i];
  }
  // Step 1 moves every element by ≈ α·√2 (RMSprop's normalization).
  EXPECT_NEAR(expected[0][0], 1.0 - 0.1 * std::sqrt(2.0), 1e-8);
  expect_three_steps({.name = "rmsprop", .beta = 0.5}, 0.1, expected);
}

TEST(HandComputed, Adagrad) {
  // ε = 1e-10 (the default), α = 0.1:  S := S + g²;  θ := θ − 0.1 g / (√S + ε)
  //   S1 = (1, 4, 0.25)      u1 = g1/(√S1 + ε) ≈ (1, −1, 1)
  //   S2 = (1.25, 5, 1.25)   u2 = (0.5/√1.25, 1/√5, −1/√1.25)
  //   S3 = (2.25, 5, 5.25)   u3 = (−1/1.5, 0, 2/√5.25)
  constexpr double e = 1e-10;
  const Vec3 u1{1.0 / (1.0 + e), -2.0 / (2.0 + e), 0.5 / (0.5 + e)};
  const Vec3 u2{0.5 / (std::sqrt(1.25) + e), 1.0 / (std::sqrt(5.0) + e),
                -1.0 / (std::sqrt(1.25) + e)};
  const Vec3 u3{-1.0 / (1.5 + e), 0.0, 2.0 / (std::sqrt(5.25) + e)};
  std::array<Vec3, 3> expected{};
  for (std::size_t i = 0; i < 3; ++i) {
    expected[0][i] = kTheta0[i] - 0.1 * u1[i];
    expected[1][i] = expected[0][i] - 0.1 * u2[i];
    expected[2][i] = expected[1][i] - 0.1 * u3[i];
  }
  // Step 1 moves every element by ≈ α·sign(g); later steps shrink as S only grows.
  EXPECT_NEAR(expected[0][1], 2.1, 1e-9);
  expect_three_steps({.name = "adagrad"}, 0.1, expected);
  // A larger ε damps the first step: g/(|g| + ε) with ε = 1 halves a unit gradient.
  auto p = tiny();
  p.dtheta() << 1.0, 1.0, 1.0;
  make_optimizer<double>({.name = "adagrad", .epsilon = 1.0})->step(p, 0.1);
  EXPECT_NEAR(p.theta()(0), 1.0 - 0.1 * 0.5, 1e-15);
}

// Adam with β1 = 0.9, β2 = 0.999, ε = 1e-8:
//   k = 1: V̂ = g1, Ŝ = g1² (bias correction undoes the 0.1 and 0.001), so u1 = g1/(|g1| + ε)
//   k = 2: V2 = 0.09 g1 + 0.1 g2 = (0.14, −0.08, −0.055),  1 − β1² = 0.19
//          S2 = 0.000999 g1² + 0.001 g2² = (0.001249, 0.004996, 0.00124975),  1 − β2² = 0.001999
//   k = 3: V3 = 0.9 V2 + 0.1 g3 = (0.026, −0.072, 0.1505),  1 − β1³ = 0.271
//          S3 = 0.999 S2 + 0.001 g3² = (0.002247751, 0.004991004, 0.00524850025),
//          1 − β2³ = 0.002997001
std::array<Vec3, 3> adam_updates() {
  const Vec3 V2{0.14, -0.08, -0.055}, S2{0.001249, 0.004996, 0.00124975};
  const Vec3 V3{0.026, -0.072, 0.1505}, S3{0.002247751, 0.004991004, 0.00524850025};
  std::array<Vec3, 3> u{};
  for (std::size_t i = 0; i < 3; ++i) {
    u[0][i] = kGrads[0][i] / (std::abs(kGrads[0][i]) + kEps);
    u[1][i] = (V2[i] / 0.19) / (std::sqrt(S2[i] / 0.001999) + kEps);
    u[2][i] = (V3[i] / 0.271) / (std::sqrt(S3[i] / 0.002997001) + kEps);
  }
  return u;
}

TEST(HandComputed, AdamBiasCorrection) {
  const auto u = adam_updates();
  std::array<Vec3, 3> expected{};
  for (std::size_t i = 0; i < 3; ++i) {
    expected[0][i] = kTheta0[i] - 0.1 * u[0][i];
    expected[1][i] = expected[0][i] - 0.1 * u[1][i];
    expected[2][i] = expected[1][i] - 0.1 * u[2][i];
  }
  // The first step is ≈ α·sign(g), whatever the scale of g (bias correction at k = 1).
  EXPECT_NEAR(expected[0][1], 2.0 + 0.1, 1e-8);
  expect_three_steps({.name = "adam"}, 0.1, expected);
}

TEST(HandComputed, AdamWDecaysWeightsOnly) {
  // wd = 0.5, α = 0.1: weights are multiplied by (1 − 0.05) before each Adam update; the bias
  // (element 3) follows plain Adam.
  const auto u = adam_updates();
  std::array<Vec3, 3> expected{};
  for (std::size_t i = 0; i < 3; ++i) {
    const double keep = i < 2 ? 0.95 : 1.0;
    expected[0][i] = kTheta0[i] * keep - 0.1 * u[0][i];
    expected[1][i] = expected[0][i] * keep - 0.1 * u[1][i];
    expected[2][i] = expected[1][i] * keep - 0.1 * u[2][i];
  }
  expect_three_steps({.name = "adamw", .weight_decay = 0.5}, 0.1, expected);
}

TEST(Optimizers, AdamWWithZeroGradientOnlyShrinksWeights) {
  auto p = tiny();
  auto opt = make_optimizer<double>({.name = "adamw", .weight_decay = 0.2});
  for (int k = 0; k < 5; ++k) opt->step(p, 0.5);  // dθ = 0: the Adam part is 0/(0 + ε) = 0
  const double shrink = std::pow(1.0 - 0.5 * 0.2, 5);
  EXPECT_DOUBLE_EQ(p.theta()(0), 1.0 * shrink);
  EXPECT_DOUBLE_EQ(p.theta()(1), 2.0 * shrink);
  EXPECT_EQ(p.theta()(2), -1.0);
}

TEST(Optimizers, OneStepCounterForAllSlices) {
  // Many slices must not advance the counter faster (the bias correction uses k per step).
  Parameters<double> p;
  for (int i = 0; i < 5; ++i) p.add("layers." + std::to_string(i) + ".W", 2, 2, true);
  auto opt = make_optimizer<double>({.name = "adam"});
  p.dtheta().setConstant(3.0);
  opt->step(p, 0.1);
  opt->step(p, 0.1);
  EXPECT_EQ(opt->step_count(), 2u);
  // With a constant gradient, V̂ = g and Ŝ = g² at every k, so each step moves by α·g/(|g|+ε)
  // in every slice; a per-slice counter would give different moves per slice.
  for (Index i = 0; i < p.theta().size(); ++i) {
    EXPECT_NEAR(p.theta()(i), -2.0 * 0.1 * 3.0 / (3.0 + kEps), 1e-14);
  }
}

TEST(Optimizers, DefaultsAreFilledIn) {
  auto adam = make_optimizer<double>({.name = "adam"});
  EXPECT_EQ(adam->options().beta1, 0.9);
  EXPECT_EQ(adam->options().beta2, 0.999);
  EXPECT_EQ(adam->options().epsilon, 1e-8);
  auto rms = make_optimizer<double>({.name = "rmsprop"});
  EXPECT_EQ(rms->options().beta, 0.9);
  EXPECT_EQ(rms->options().epsilon, 1e-8);
  EXPECT_EQ(make_optimizer<double>({.name = "momentum"})->options().beta, 0.9);
  auto mp = make_optimizer<double>({.name = "momentum_pytorch"});
  EXPECT_EQ(mp->options().beta, 0.9);
  EXPECT_EQ(mp->options().nesterov, false);
  EXPECT_EQ(make_optimizer<double>({.name = "adamw"})->options().weight_decay, 0.01);
  EXPECT_EQ(make_optimizer<double>({.name = "adagrad"})->options().epsilon, 1e-10);
  // Settings the optimizer does not publish stay unset.
  EXPECT_FALSE(adam->options().beta.has_value());
  EXPECT_FALSE(adam->options().weight_decay.has_value());
  EXPECT_EQ(make_optimizer<float>({.name = "gd"})->name(), "gd");
}

TEST(Optimizers, RegistryListsEveryName) {
  const auto names = optimizer_names();
  const std::vector<std::string_view> expected{"gd",   "momentum", "momentum_pytorch", "rmsprop",
                                               "adam", "adamw",    "adagrad"};
  EXPECT_EQ(names, expected);
  for (auto n : names) {
    EXPECT_EQ(make_optimizer<float>({.name = std::string(n)})->name(), n);
    EXPECT_EQ(make_optimizer<double>({.name = std::string(n)})->name(), n);
  }
}

std::string config_error(const OptimizerOptions& o) {
  try {
    (void)make_optimizer<double>(o);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Optimizers, BadOptionsAreConfigErrors) {
  EXPECT_NE(config_error({.name = "adma"}).find("did you mean 'adam'"), std::string::npos);
  EXPECT_NE(config_error({.name = "rmsprp"}).find("did you mean 'rmsprop'"), std::string::npos);
  EXPECT_NE(config_error({.name = "sgd-ish"}).find("valid names: gd, momentum"),
            std::string::npos);
  const auto unused = config_error({.name = "momentum", .beta1 = 0.9});
  EXPECT_NE(unused.find("optimizer.beta1"), std::string::npos) << unused;
  EXPECT_NE(unused.find("its settings: beta"), std::string::npos) << unused;
  EXPECT_NE(config_error({.name = "adam", .weight_decay = 0.1}).find("optimizer.weight_decay"),
            std::string::npos);
  EXPECT_NE(config_error({.name = "gd", .nesterov = true}).find("its settings: none"),
            std::string::npos);
  EXPECT_NE(config_error({.name = "momentum", .beta = 1.0}).find("[0, 1)"), std::string::npos);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(config_error({.name = "adam", .beta2 = nan}).find("optimizer.beta2"),
            std::string::npos);
  EXPECT_NE(config_error({.name = "rmsprop", .beta = -0.1}).find("optimizer.beta"),
            std::string::npos);
  EXPECT_NE(config_error({.name = "adam", .epsilon = 0.0}).find("optimizer.epsilon"),
            std::string::npos);
  EXPECT_NE(config_error({.name = "adagrad", .beta = 0.9}).find("its settings: epsilon"),
            std::string::npos);
  EXPECT_NE(config_error({.name = "adamw", .weight_decay = -1.0}).find("optimizer.weight_decay"),
            std::string::npos);
}

// ---- published settings -----------------------------------------------------------------

TEST(Settings, EveryOptimizerPublishesItsKeysAndDefaults) {
  struct Expected {
    std::string_view name;
    std::vector<std::pair<std::string_view, double>> settings;
  };
  const std::vector<Expected> table{
      {"gd", {}},
      {"momentum", {{"beta", 0.9}}},
      {"momentum_pytorch", {{"beta", 0.9}, {"nesterov", 0.0}}},
      {"rmsprop", {{"beta", 0.9}, {"epsilon", 1e-8}}},
      {"adam", {{"beta1", 0.9}, {"beta2", 0.999}, {"epsilon", 1e-8}}},
      {"adamw", {{"beta1", 0.9}, {"beta2", 0.999}, {"epsilon", 1e-8}, {"weight_decay", 0.01}}},
      {"adagrad", {{"epsilon", 1e-10}}},
  };
  ASSERT_EQ(table.size(), optimizer_names().size());
  for (const auto& [name, settings] : table) {
    SCOPED_TRACE(std::string(name));
    const auto published = optimizer_settings(name);
    ASSERT_EQ(published.size(), settings.size());
    auto opt = make_optimizer<double>({.name = std::string(name)});
    for (std::size_t i = 0; i < settings.size(); ++i) {
      EXPECT_EQ(published[i].key, settings[i].first);
      EXPECT_EQ(published[i].default_value, settings[i].second);
      EXPECT_FALSE(published[i].doc.empty());
      if (published[i].kind != Setting::Kind::boolean) {
        EXPECT_TRUE(published[i].range.contains(published[i].default_value));
      }
      // The optimizer's filled-in options are the published defaults.
      EXPECT_EQ(opt->options().get(settings[i].first), settings[i].second);
    }
    EXPECT_FALSE(optimizer_doc(name).empty());
  }
  EXPECT_EQ(optimizer_settings("momentum_pytorch")[1].kind, Setting::Kind::boolean);
  EXPECT_THROW((void)optimizer_settings("adma"), ConfigError);
  EXPECT_THROW((void)optimizer_doc("sgd"), ConfigError);
}

TEST(Settings, OptionsByKey) {
  OptimizerOptions o{.name = "momentum_pytorch"};
  EXPECT_EQ(o.get("beta"), std::nullopt);
  o.set("beta", 0.7);
  o.set("nesterov", 1.0);
  EXPECT_EQ(o.beta, 0.7);
  EXPECT_EQ(o.nesterov, true);
  EXPECT_EQ(o.get("nesterov"), 1.0);
  o.set("nesterov", 0.0);
  EXPECT_EQ(o.get("nesterov"), 0.0);
  o.set("epsilon", 1e-6);
  EXPECT_EQ(o.epsilon, 1e-6);
  o.set("beta1", 0.5);
  o.set("beta2", 0.6);
  o.set("weight_decay", 0.2);
  EXPECT_EQ(o.get("beta1"), 0.5);
  EXPECT_EQ(o.get("beta2"), 0.6);
  EXPECT_EQ(o.get("weight_decay"), 0.2);
  EXPECT_THROW(o.set("nesterov", 0.5), ConfigError);
  try {
    o.set("betaa", 0.9);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'beta"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)o.get("lr"), ConfigError);
}

TEST(Settings, RangesComeFromThePublishedSettings) {
  // For every real setting, a value just outside its interval is rejected with the key and the
  // interval's text, and the bound itself is accepted exactly when the interval is closed.
  for (auto name : optimizer_names()) {
    for (const auto& s : optimizer_settings(name)) {
      if (s.kind == Setting::Kind::boolean) continue;
      SCOPED_TRACE(fmt::format("{}.{}", name, s.key));
      const auto error_for = [&](double v) {
        OptimizerOptions o{.name = std::string(name)};
        o.set(s.key, v);
        return config_error(o);
      };
      const std::string expected =
          fmt::format("optimizer.{} of '{}' must be {}", s.key, name, s.range.text());
      EXPECT_NE(error_for(s.range.lo - 0.5).find(expected), std::string::npos)
          << error_for(s.range.lo - 0.5);
      EXPECT_EQ(error_for(s.range.lo) == "no error", !s.range.lo_open);
      EXPECT_NE(error_for(std::numeric_limits<double>::quiet_NaN()).find(expected),
                std::string::npos);
      if (std::isfinite(s.range.hi)) {
        EXPECT_EQ(error_for(s.range.hi) == "no error", !s.range.hi_open);
      } else {
        EXPECT_NE(error_for(std::numeric_limits<double>::infinity()).find(expected),
                  std::string::npos);
      }
    }
  }
}

TEST(Optimizers, LearningRateIsValidatedAndZeroIsANoOp) {
  auto p = tiny();
  p.dtheta().setOnes();
  auto opt = make_optimizer<double>({.name = "adam"});
  EXPECT_THROW(opt->step(p, -0.1), ConfigError);
  EXPECT_THROW(opt->step(p, std::numeric_limits<double>::quiet_NaN()), ConfigError);
  EXPECT_THROW(opt->step(p, std::numeric_limits<double>::infinity()), ConfigError);
  EXPECT_EQ(opt->step_count(), 0u);
  opt->step(p, 0.0);
  EXPECT_EQ(p.theta()(0), 1.0);
  EXPECT_EQ(opt->step_count(), 1u);
}

TEST(Optimizers, EveryElementOfALongVectorIsUpdatedIndependently) {
  // The update runs in blocks of 1024 elements: each element must follow the path it would
  // follow alone, including at block boundaries and in the last partial block. (Equal up to
  // rounding: Eigen's vectorized body and scalar tail may round a multiply-add differently.)
  constexpr Index kWeights = 3001;
  for (auto name : optimizer_names()) {
    SCOPED_TRACE(std::string(name));
    OptimizerOptions o{.name = std::string(name)};
    if (name == "adamw") o.weight_decay = 0.3;
    if (name == "momentum_pytorch") o.nesterov = true;
    Parameters<double> big;
    big.add("layers.0.W", 1, kWeights, true);
    big.add("layers.0.b", 3, 1, false);
    Rng rng(17);
    for (Index i = 0; i < big.theta().size(); ++i) big.theta()(i) = rng.normal();
    const Vector<double> theta0 = big.theta();
    std::vector<Vector<double>> grads;
    auto opt = make_optimizer<double>(o);
    for (int k = 0; k < 4; ++k) {
      for (Index i = 0; i < big.dtheta().size(); ++i) big.dtheta()(i) = rng.normal();
      grads.push_back(big.dtheta());
      opt->step(big, 0.05);
    }
    for (Index i : {Index{0}, Index{1023}, Index{1024}, Index{2047}, Index{2048}, Index{3000},
                    kWeights, kWeights + 2}) {
      Parameters<double> one;
      one.add("x", 1, 1, i < kWeights);
      one.theta()(0) = theta0(i);
      auto solo = make_optimizer<double>(o);
      for (const auto& g : grads) {
        one.dtheta()(0) = g(i);
        solo->step(one, 0.05);
      }
      EXPECT_NEAR(big.theta()(i), one.theta()(0), 1e-14) << "element " << i;
    }
  }
}

// ---- checkpoint state -------------------------------------------------------------------

template <class T>
Parameters<T> model() {
  Parameters<T> p;
  p.add("layers.0.W", 4, 3, true);
  p.add("layers.0.b", 4, 1, false);
  p.add("layers.1.W", 2, 4, true);
  p.add("layers.1.b", 2, 1, false);
  Rng rng(7);
  for (Index i = 0; i < p.theta().size(); ++i) p.theta()(i) = static_cast<T>(rng.normal());
  return p;
}

template <class T>
void fill_gradient(Parameters<T>& p, Rng& rng) {
  for (Index i = 0; i < p.dtheta().size(); ++i) p.dtheta()(i) = static_cast<T>(rng.normal());
}

OptimizerOptions with_all_settings(std::string_view name) {
  OptimizerOptions o{.name = std::string(name)};
  if (name == "momentum_pytorch") o.nesterov = true;
  if (name == "adamw") o.weight_decay = 0.1;
  return o;
}

template <class T>
void resume_continues_identically() {
  for (auto name : optimizer_names()) {
    SCOPED_TRACE(std::string(name));
    const auto o = with_all_settings(name);
    auto p = model<T>();
    auto opt = make_optimizer<T>(o);
    Rng rng(11);
    for (int k = 0; k < 7; ++k) {
      fill_gradient(p, rng);
      opt->step(p, T(0.01));
    }
    const OptimizerState<T> saved = opt->state();
    const Vector<T> theta_saved = p.theta();
    const Rng rng_saved = rng;
    EXPECT_EQ(saved.step, 7u);
    EXPECT_EQ(saved.optimizer, name);
    for (const auto& b : saved.buffers) EXPECT_EQ(b.size(), p.theta().size());
    for (int k = 0; k < 8; ++k) {
      fill_gradient(p, rng);
      opt->step(p, T(0.01));
    }

    auto resumed = make_optimizer<T>(o);
    resumed->load_state(saved);
    auto q = model<T>();
    q.theta() = theta_saved;
    Rng rng2 = rng_saved;
    for (int k = 0; k < 8; ++k) {
      fill_gradient(q, rng2);
      resumed->step(q, T(0.01));
    }
    EXPECT_EQ(resumed->step_count(), 15u);
    for (Index i = 0; i < p.theta().size(); ++i) ASSERT_EQ(p.theta()(i), q.theta()(i)) << i;
    // The state matters: from the same θ and gradient, a fresh optimizer steps elsewhere.
    if (!saved.buffers.empty()) {
      auto fresh = make_optimizer<T>(o);
      auto r = model<T>();
      r.theta() = theta_saved;
      Rng rng3 = rng_saved;
      fill_gradient(r, rng3);
      fresh->step(r, T(0.01));
      auto again = make_optimizer<T>(o);
      again->load_state(saved);
      auto s = model<T>();
      s.theta() = theta_saved;
      s.dtheta() = r.dtheta();
      again->step(s, T(0.01));
      EXPECT_NE(r.theta(), s.theta());
    }
  }
}

TEST(State, ResumeContinuesIdenticallyDouble) { resume_continues_identically<double>(); }
TEST(State, ResumeContinuesIdenticallyFloat) { resume_continues_identically<float>(); }

TEST(State, ResetForgetsEverything) {
  auto p = model<double>();
  auto q = model<double>();
  auto opt = make_optimizer<double>({.name = "adam"});
  Rng rng(3);
  fill_gradient(p, rng);
  opt->step(p, 0.1);
  opt->reset();
  EXPECT_EQ(opt->step_count(), 0u);
  EXPECT_TRUE(opt->state().buffers.empty());
  q.dtheta() = p.dtheta();
  p.theta() = q.theta();
  opt->step(p, 0.1);
  make_optimizer<double>({.name = "adam"})->step(q, 0.1);
  EXPECT_EQ(p.theta(), q.theta());
}

TEST(State, BadStatesAreRejectedWithoutSideEffects) {
  auto p = model<double>();
  auto opt = make_optimizer<double>({.name = "adam"});
  Rng rng(5);
  fill_gradient(p, rng);
  opt->step(p, 0.1);
  const auto good = opt->state();

  auto wrong_name = good;
  wrong_name.optimizer = "rmsprop";
  EXPECT_THROW(opt->load_state(wrong_name), DataError);
  auto wrong_buffers = good;
  wrong_buffers.buffer_names = {"S", "V"};
  EXPECT_THROW(opt->load_state(wrong_buffers), DataError);
  auto ragged = good;
  ragged.buffers[1].resize(3);
  EXPECT_THROW(opt->load_state(ragged), DataError);
  auto nan = good;
  nan.buffers[0](2) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(opt->load_state(nan), DataError);
  auto negative = good;
  negative.buffers[1](0) = -1.0;  // S is an average of squares
  EXPECT_THROW(opt->load_state(negative), DataError);
  auto missing = good;
  missing.buffers.clear();
  EXPECT_THROW(opt->load_state(missing), DataError);
  EXPECT_EQ(opt->step_count(), 1u);
  EXPECT_EQ(opt->state().buffers[1], good.buffers[1]);

  // A state of the right form but for another model is caught at the next step.
  auto small = good;
  for (auto& b : small.buffers) b.conservativeResize(5);
  opt->load_state(small);
  EXPECT_THROW(opt->step(p, 0.1), ShapeError);
}

TEST(State, FloatTracksDouble) {
  auto pd = model<double>();
  auto pf = pd.cast<float>();
  auto od = make_optimizer<double>({.name = "adam"});
  auto of = make_optimizer<float>({.name = "adam"});
  Rng rng(9);
  for (int k = 0; k < 20; ++k) {
    fill_gradient(pd, rng);
    pf.dtheta() = pd.dtheta().cast<float>();
    od->step(pd, 0.01);
    of->step(pf, 0.01f);
  }
  EXPECT_LT((pf.theta().cast<double>() - pd.theta()).cwiseAbs().maxCoeff(), 1e-5);
}

}  // namespace
}  // namespace mlp::optim
