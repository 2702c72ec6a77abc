// The learning-rate range test (train/lr_finder.hpp): the exponential schedule of rates, the
// bias-corrected smoothing, the divergence rule, both suggestion rules on synthetic curves,
// and a run on a small problem that leaves the caller's network alone.
#include <gtest/gtest.h>

#include <cmath>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/train/lr_finder.hpp"

namespace mlp {
namespace {

TEST(LrFinder, RatesGrowExponentiallyFromMinToMax) {
  LrFinderOptions o;
  o.min_lr = 1e-6;
  o.max_lr = 1.0;
  o.steps = 7;
  EXPECT_DOUBLE_EQ(lr_at(o, 0), 1e-6);
  EXPECT_NEAR(lr_at(o, 6), 1.0, 1e-12);
  for (std::uint64_t i = 1; i < 7; ++i) EXPECT_NEAR(lr_at(o, i) / lr_at(o, i - 1), 10.0, 1e-9);  // a constant ratio
  EXPECT_NEAR(lr_at(o, 3), 1e-3, 1e-15);
}

TEST(LrFinder, SmoothingIsBiasCorrected) {
  LossSmoother s(0.9);
  EXPECT_DOUBLE_EQ(s.add(2.0), 2.0);  // (0.1·2) / (1 − 0.9): no pull towards 0 at the start
  // v2 = 0.9·0.2 + 0.1·4 = 0.58, / (1 − 0.81) = 3.0526…
  EXPECT_NEAR(s.add(4.0), 0.58 / 0.19, 1e-12);
  LossSmoother constant(0.98);
  for (int i = 0; i < 50; ++i) EXPECT_NEAR(constant.add(1.5), 1.5, 1e-12);
  LossSmoother none(0.0);
  EXPECT_DOUBLE_EQ(none.add(3.0), 3.0);
  EXPECT_DOUBLE_EQ(none.add(1.0), 1.0);
}

TEST(LrFinder, StopsOnDivergenceOrNonFiniteLoss) {
  EXPECT_FALSE(lr_diverged(1.0, 3.9, 1.0, 4.0, 5));
  EXPECT_TRUE(lr_diverged(1.0, 4.1, 1.0, 4.0, 5));
  EXPECT_FALSE(lr_diverged(1.0, 10.0, INFINITY, 4.0, 0));  // the first step has no best yet
  EXPECT_TRUE(lr_diverged(NAN, 1.0, 1.0, 4.0, 3));
  EXPECT_TRUE(lr_diverged(INFINITY, 1.0, 1.0, 4.0, 3));
}

/// A synthetic curve over 10^-6 … 10^1: flat at 2, falling like a logistic centred at 10^-2
/// (steepest there) down to 0.5 around 10^-1, then rising.
std::vector<LrPoint> synthetic_curve() {
  std::vector<LrPoint> p;
  for (int i = 0; i <= 70; ++i) {
    const double e = -6.0 + i * 0.1;  // log10 α
    const double fall = 1.5 / (1.0 + std::exp(-4.0 * (e + 2.0)));
    const double rise = e > -1.0 ? 3.0 * (e + 1.0) * (e + 1.0) : 0.0;
    p.push_back({std::pow(10.0, e), 2.0 - fall + rise, 0});
  }
  return p;
}

TEST(LrFinder, SteepestRuleFindsTheSteepestDescentBeforeTheMinimum) {
  const auto s = suggest_learning_rate(synthetic_curve(), LrSuggestionRule::steepest);
  EXPECT_EQ(s.rule, LrSuggestionRule::steepest);
  EXPECT_NEAR(std::log10(s.learning_rate), -2.0, 0.051);
}

TEST(LrFinder, MinimumRuleIsTheMinimumOverTen) {
  const auto p = synthetic_curve();
  const auto s = suggest_learning_rate(p, LrSuggestionRule::minimum_10);
  std::size_t best = 0;
  for (std::size_t i = 0; i < p.size(); ++i) best = p[i].loss < p[best].loss ? i : best;
  EXPECT_EQ(s.index, best);
  EXPECT_DOUBLE_EQ(s.learning_rate, p[best].learning_rate / 10);
  EXPECT_EQ(s.rule, LrSuggestionRule::minimum_10);
}

TEST(LrFinder, ValleyIsHalfWayDownTheLongestDescent) {
  // Noise-free: falls from index 0 to the minimum at 50, so the valley is [0, 50] and the
  // suggestion index 0 + 16 + 8 = 24; a bump inside the descent does not end it.
  std::vector<LrPoint> p;
  for (int i = 0; i <= 70; ++i) {
    const double loss = i <= 50 ? 3.0 - 0.05 * i : 0.5 + 0.2 * (i - 50);
    p.push_back({std::pow(10.0, -6 + 0.1 * i), loss, 0});
  }
  auto s = suggest_learning_rate(p, LrSuggestionRule::valley);
  EXPECT_EQ(s.rule, LrSuggestionRule::valley);
  EXPECT_EQ(s.index, 24u);
  EXPECT_DOUBLE_EQ(s.learning_rate, p[24].learning_rate);
  p[10].loss = 5.0;  // one noisy point
  s = suggest_learning_rate(p, LrSuggestionRule::valley);
  EXPECT_NEAR(static_cast<double>(s.index), 24, 1);
  std::vector<LrPoint> rising;
  for (int i = 0; i < 10; ++i) rising.push_back({std::pow(10.0, -5 + 0.2 * i), 1.0 + i, 0});
  EXPECT_EQ(suggest_learning_rate(rising, LrSuggestionRule::valley).rule, LrSuggestionRule::minimum_10);
}

TEST(LrFinder, SteepestFallsBackWhenTheCurveOnlyRises) {
  std::vector<LrPoint> p;
  for (int i = 0; i < 20; ++i) p.push_back({std::pow(10.0, -5 + 0.2 * i), 1.0 + i, 0});
  const auto s = suggest_learning_rate(p, LrSuggestionRule::steepest);
  EXPECT_EQ(s.rule, LrSuggestionRule::minimum_10);
  EXPECT_DOUBLE_EQ(s.learning_rate, 1e-6);
  EXPECT_THROW((void)suggest_learning_rate({}, LrSuggestionRule::steepest), ConfigError);
}

TEST(LrFinder, OptionsAreChecked) {
  LrFinderOptions o;
  o.max_lr = o.min_lr;
  EXPECT_THROW(o.validate(), ConfigError);
  o = {};
  o.steps = 1;
  EXPECT_THROW(o.validate(), ConfigError);
  o = {};
  o.smoothing = 1.0;
  EXPECT_THROW(o.validate(), ConfigError);
  o = {};
  o.divergence = 1.0;
  EXPECT_THROW(o.validate(), ConfigError);
  EXPECT_EQ(parse_lr_suggestion_rule("minimum/10"), LrSuggestionRule::minimum_10);
  EXPECT_EQ(parse_lr_suggestion_rule("valley"), LrSuggestionRule::valley);
  EXPECT_THROW(parse_lr_suggestion_rule("lowest"), ConfigError);
}

TEST(LrFinder, RunsOnALinearProblemAndStopsAtDivergence) {
  // y = 3x1 − 2x2 + noise, a linear model: the loss falls, then blows up at large rates.
  data::Dataset d;
  d.task = data::Task::regression;
  const Index m = 256;
  d.X.resize(2, m);
  d.Y.resize(1, m);
  Rng rng(7);
  for (Index i = 0; i < m; ++i) {
    d.X(0, i) = static_cast<float>(rng.normal());
    d.X(1, i) = static_cast<float>(rng.normal());
    d.Y(0, i) = 3 * d.X(0, i) - 2 * d.X(1, i) + 0.01f * static_cast<float>(rng.normal());
  }
  ModelSpec spec;
  spec.inputs = 2;
  spec.layers = {LayerSpec{1, Activation::identity, 1.0}};
  spec.loss = Loss::mse;
  TrainOptions t;
  t.optimizer.name = "gd";
  t.batch_size = 32;
  LrFinderOptions o;
  o.min_lr = 1e-5;
  o.max_lr = 100;
  o.steps = 200;
  const LrFinderResult r = find_learning_rate(spec, d, t, o);
  EXPECT_TRUE(r.diverged);  // gd on this problem is unstable above α ≈ 1
  ASSERT_GE(r.points.size(), 10u);
  EXPECT_LT(r.points.size(), 200u);
  EXPECT_LT(r.points.back().learning_rate, 100);
  for (std::size_t i = 1; i < r.points.size(); ++i) EXPECT_GT(r.points[i].learning_rate, r.points[i - 1].learning_rate);
  EXPECT_GT(r.suggestion.learning_rate, 1e-3);
  EXPECT_LT(r.suggestion.learning_rate, 1.0);
  EXPECT_NE(r.method.find("exponentially"), std::string::npos);
}

}  // namespace
}  // namespace mlp
