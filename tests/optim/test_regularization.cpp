// L1/L2 penalties (finite differences, biases exempt), gradient-norm clipping and norms.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/optim/regularization.hpp"
#include "mlp/core/random.hpp"

namespace mlp::optim {
namespace {

/// Two layers: W 3x2, b 3x1, W 1x3, b 1x1. Values drawn away from 0 (L1's kink) with random
/// signs; biases large so that penalizing them by mistake would show.
Parameters<double> model(std::uint64_t seed) {
  Parameters<double> p;
  p.add("layers.0.W", 3, 2, true);
  p.add("layers.0.b", 3, 1, false);
  p.add("layers.1.W", 1, 3, true);
  p.add("layers.1.b", 1, 1, false);
  Rng rng(seed);
  for (Index i = 0; i < p.theta().size(); ++i) {
    const double magnitude = rng.uniform(0.2, 2.0);
    p.theta()(i) = rng.uniform() < 0.5 ? -magnitude : magnitude;
  }
  return p;
}

template <class Penalty>
void finite_difference_check(Penalty penalty, const std::string& what) {
  SCOPED_TRACE(what);
  const double lambda = 0.7;
  const std::size_t m = 5;
  auto p = model(42);
  p.dtheta().setConstant(0.25);  // the penalty must ADD to an existing data gradient
  const double cost = penalty(p, lambda, m);
  EXPECT_GT(cost, 0.0);
  const Vector<double> analytic = (p.dtheta().array() - 0.25).matrix();

  const double h = 1e-6;
  Vector<double> numeric(p.theta().size());
  for (Index i = 0; i < p.theta().size(); ++i) {
    auto plus = p;
    auto minus = p;
    plus.theta()(i) += h;
    minus.theta()(i) -= h;
    numeric(i) = (penalty(plus, lambda, m) - penalty(minus, lambda, m)) / (2 * h);
  }
  const double rel = (numeric - analytic).norm() / (numeric.norm() + analytic.norm());
  EXPECT_LT(rel, 1e-8);
  // Biases: no gradient and the cost does not depend on them.
  for (std::size_t slot : {std::size_t{1}, std::size_t{3}}) {
    const auto& s = p.slice(slot);
    for (std::size_t j = 0; j < s.size(); ++j) {
      const auto i = static_cast<Index>(s.offset + j);
      EXPECT_EQ(analytic(i), 0.0) << s.name;
      EXPECT_EQ(numeric(i), 0.0) << s.name;
    }
  }
}

TEST(Penalties, L2GradientMatchesFiniteDifferences) {
  finite_difference_check(
      [](Parameters<double>& p, double l, std::size_t m) { return l2_penalty(p, l, m); }, "l2");
}

TEST(Penalties, L1GradientMatchesFiniteDifferences) {
  finite_difference_check(
      [](Parameters<double>& p, double l, std::size_t m) { return l1_penalty(p, l, m); }, "l1");
}

TEST(Penalties, ValuesByHand) {
  Parameters<double> p;
  p.add("W", 1, 3, true);
  p.add("b", 1, 1, false);
  p.theta() << 1.0, -2.0, 0.0, 100.0;
  // L2, λ = 4, m = 2: (4/4)(1 + 4 + 0) = 5;  dW = (4/2)W = (2, −4, 0)
  EXPECT_DOUBLE_EQ(l2_cost(p, 4.0, 2), 5.0);
  EXPECT_DOUBLE_EQ(l2_penalty(p, 4.0, 2), 5.0);
  EXPECT_EQ(p.dtheta(), (Vector<double>(4) << 2.0, -4.0, 0.0, 0.0).finished());
  // L1, λ = 4, m = 2: 2·(1 + 2 + 0) = 6;  dW += 2·sign(W) = (2, −2, 0)  (sign(0) = 0)
  EXPECT_DOUBLE_EQ(l1_cost(p, 4.0, 2), 6.0);
  EXPECT_DOUBLE_EQ(l1_penalty(p, 4.0, 2), 6.0);
  EXPECT_EQ(p.dtheta(), (Vector<double>(4) << 4.0, -6.0, 0.0, 0.0).finished());
  // λ = 0 adds nothing.
  EXPECT_EQ(l2_penalty(p, 0.0, 2), 0.0);
  EXPECT_EQ(p.dtheta()(0), 4.0);
}

TEST(Penalties, FloatInstantiation) {
  Parameters<float> p;
  p.add("W", 2, 1, true);
  p.theta() << 3.0f, -4.0f;
  EXPECT_FLOAT_EQ(l2_penalty(p, 1.0f, 1), 12.5f);  // (1/2)(9 + 16)
  EXPECT_FLOAT_EQ(p.dtheta()(1), -4.0f);
  EXPECT_FLOAT_EQ(l1_cost(p, 1.0f, 7), 1.0f);  // (1/7)·7
}

TEST(Penalties, BadArgumentsAreConfigErrors) {
  auto p = model(1);
  EXPECT_THROW(l2_penalty(p, -1.0, 10), ConfigError);
  EXPECT_THROW(l1_penalty(p, std::numeric_limits<double>::quiet_NaN(), 10), ConfigError);
  EXPECT_THROW(l2_cost(p, 1.0, 0), ConfigError);
  try {
    l1_cost(p, -0.5, 3);
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("regularization.l1"), std::string::npos);
  }
}

TEST(Clipping, ScalesToMaxNormLikePytorch) {
  Parameters<double> p;
  p.add("W", 1, 2, true);
  p.add("b", 1, 1, false);
  p.dtheta() << 3.0, 0.0, 4.0;  // ‖dθ‖ = 5 over both slices
  const double norm = clip_grad_norm(p, 1.0);
  EXPECT_DOUBLE_EQ(norm, 5.0);  // the norm before clipping
  const double coef = 1.0 / (5.0 + 1e-6);
  EXPECT_DOUBLE_EQ(p.dtheta()(0), 3.0 * coef);
  EXPECT_DOUBLE_EQ(p.dtheta()(2), 4.0 * coef);
  EXPECT_NEAR(grad_norm(p), 1.0, 1e-6);
}

TEST(Clipping, LeavesSmallGradientsAlone) {
  Parameters<double> p;
  p.add("W", 2, 2, true);
  p.dtheta() << 0.1, -0.2, 0.3, 0.0;
  const Vector<double> before = p.dtheta();
  EXPECT_DOUBLE_EQ(clip_grad_norm(p, 1.0), std::sqrt(0.14));
  EXPECT_EQ(p.dtheta(), before);
  // Exactly at max_norm: max_norm/(n + 1e-6) < 1, so PyTorch scales by a hair; so do we.
  p.dtheta() << 1.0, 0.0, 0.0, 0.0;
  clip_grad_norm(p, 1.0);
  EXPECT_DOUBLE_EQ(p.dtheta()(0), 1.0 / (1.0 + 1e-6));
}

TEST(Clipping, NonFiniteNormIsReturnedAndNothingChanges) {
  Parameters<double> p;
  p.add("W", 1, 2, true);
  p.dtheta() << std::numeric_limits<double>::infinity(), 1.0;
  EXPECT_TRUE(std::isinf(clip_grad_norm(p, 1.0)));
  EXPECT_EQ(p.dtheta()(1), 1.0);
  p.dtheta() << std::numeric_limits<double>::quiet_NaN(), 1.0;
  EXPECT_TRUE(std::isnan(clip_grad_norm(p, 1.0)));
  EXPECT_EQ(p.dtheta()(1), 1.0);
  EXPECT_THROW(clip_grad_norm(p, 0.0), ConfigError);
  EXPECT_THROW(clip_grad_norm(p, -1.0), ConfigError);
}

TEST(Clipping, FloatGradientsDoNotOverflowTheNorm) {
  // 1e30² overflows float; the norm is accumulated in double.
  Parameters<float> p;
  p.add("W", 1, 2, true);
  p.dtheta() << 3e30f, 4e30f;
  const double norm = clip_grad_norm(p, 10.0);
  EXPECT_NEAR(norm / 5e30, 1.0, 1e-6);
  EXPECT_NEAR(grad_norm(p), 10.0, 1e-4);
  // Even double gradients whose squares overflow get a finite norm.
  Parameters<double> q;
  q.add("W", 1, 2, true);
  q.dtheta() << 3e200, 4e200;
  EXPECT_NEAR(grad_norm(q) / 5e200, 1.0, 1e-12);
}

TEST(Norms, PerSliceGradientAndValueNorms) {
  Parameters<double> p;
  p.add("layers.0.W", 2, 1, true);
  p.add("layers.0.b", 2, 1, false);
  p.add("layers.1.W", 1, 1, true);
  p.dtheta() << 3.0, 4.0, 0.0, 0.0, -2.0;
  p.theta() << 1.0, 0.0, 0.0, 0.0, 0.5;
  const auto g = slice_grad_norms(p);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_DOUBLE_EQ(g[0], 5.0);
  EXPECT_DOUBLE_EQ(g[1], 0.0);
  EXPECT_DOUBLE_EQ(g[2], 2.0);
  EXPECT_DOUBLE_EQ(grad_norm(p), std::sqrt(29.0));
  const auto v = slice_value_norms(p);
  EXPECT_DOUBLE_EQ(v[0], 1.0);
  EXPECT_DOUBLE_EQ(v[2], 0.5);
}

TEST(Norms, FloatNormsAgreeWithDoubleOnLargeSlices) {
  // float slices are summed in blocks of 256 in float, the blocks in double: a length that is
  // not a multiple of the block, values over 6 orders of magnitude.
  Parameters<float> p;
  p.add("layers.0.W", 317, 331, true);
  p.add("layers.0.b", 317, 1, false);
  Rng rng(3);
  for (Index i = 0; i < p.dtheta().size(); ++i) {
    p.dtheta()[i] = static_cast<float>(rng.normal() * std::pow(10.0, rng.uniform() * 6 - 3));
  }
  std::vector<double> g;
  slice_grad_norms(p, g);
  ASSERT_EQ(g.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    const double exact = p.grad(k).cast<double>().norm();
    EXPECT_NEAR(g[k] / exact, 1.0, 1e-6) << k;
  }
  EXPECT_NEAR(grad_norm(p) / p.dtheta().cast<double>().norm(), 1.0, 1e-6);
}

}  // namespace
}  // namespace mlp::optim
