// The backtracking (Armijo) line search: on a quadratic with known steps, when no step decreases
// the cost, and on a network with dropout, where every trial cost must come from the same thinned
// network as the gradient (Network::forward_with_masks), recomputed independently here.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/optim/line_search.hpp"

namespace mlp::optim {
namespace {

/// J(θ) = ½ θᵀ diag(h) θ with h = (1, 4, 9): g = h ⊙ θ.
struct Quadratic {
  Vector<double> h = (Vector<double>(3) << 1.0, 4.0, 9.0).finished();
  [[nodiscard]] double cost(const Vector<double>& theta) const {
    return 0.5 * theta.dot(h.cwiseProduct(theta));
  }
};

Parameters<double> quadratic_params() {
  Parameters<double> p;
  p.add("theta", 3, 1, true);
  p.theta() << 1.0, -1.0, 0.5;
  return p;
}

TEST(LineSearch, QuadraticAcceptsTheFirstStepWithSufficientDecrease) {
  const Quadratic q;
  auto p = quadratic_params();
  const Vector<double> theta0 = p.theta();
  p.dtheta() = q.h.cwiseProduct(theta0);
  const Vector<double> g = p.dtheta();
  const double J0 = q.cost(theta0), g2 = g.squaredNorm();
  std::vector<double> steps;
  BacktrackingLineSearch<double> search;
  const auto r = search.search(p, J0, 1.0, [&] {
    // t of this trial, read back from θ = θ0 − t·g
    steps.push_back((theta0 - p.theta()).dot(g) / g2);
    return q.cost(p.theta());
  });
  // Oracle: the first t in 1, 1/2, 1/4, ... with J(θ0 − t g) <= J0 − 1e-4·t·‖g‖².
  double expected = 1.0;
  int expected_trials = 1;
  while (q.cost(theta0 - expected * g) > J0 - 1e-4 * expected * g2) {
    expected *= 0.5;
    ++expected_trials;
  }
  ASSERT_GT(expected_trials, 1);  // t0 = 1 overshoots along the h = 9 direction
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.step, expected);
  EXPECT_EQ(r.trials, expected_trials);
  ASSERT_EQ(steps.size(), static_cast<std::size_t>(expected_trials));
  for (std::size_t k = 0; k < steps.size(); ++k) EXPECT_NEAR(steps[k], std::ldexp(1.0, -static_cast<int>(k)), 1e-12);
  EXPECT_EQ(p.theta(), (theta0 - expected * g).eval());
  EXPECT_DOUBLE_EQ(r.cost, q.cost(p.theta()));
  EXPECT_EQ(p.dtheta(), g);  // the gradient is left as it was
}

TEST(LineSearch, StaysAtThetaZeroWhenNoStepDecreasesTheCost) {
  auto p = quadratic_params();
  const Vector<double> theta0 = p.theta();
  p.dtheta().setConstant(1.0);
  LineSearchOptions o;
  o.max_trials = 7;
  BacktrackingLineSearch<double> search(o);
  int calls = 0;
  const auto r = search.search(p, 1.0, 0.5, [&] {
    ++calls;
    return calls % 2 ? std::numeric_limits<double>::quiet_NaN() : 2.0;  // never a decrease
  });
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.trials, 7);
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(r.step, 0.0);
  EXPECT_EQ(r.cost, 1.0);
  EXPECT_EQ(p.theta(), theta0);
}

TEST(LineSearch, RejectsInvalidOptionsAndSteps) {
  LineSearchOptions o;
  o.rho = 1.0;
  EXPECT_THROW(BacktrackingLineSearch<double>{o}, ConfigError);
  o = {};
  o.c = 0.0;
  EXPECT_THROW(BacktrackingLineSearch<double>{o}, ConfigError);
  o = {};
  o.max_trials = 0;
  EXPECT_THROW(BacktrackingLineSearch<double>{o}, ConfigError);
  auto p = quadratic_params();
  BacktrackingLineSearch<double> search;
  EXPECT_THROW(search.search(p, 0.0, 0.0, [] { return 0.0; }), ConfigError);
}

// A 5-16-12-3 softmax network with dropout on both hidden layers and a batch of 40.
struct DropoutProblem {
  ModelSpec spec = ModelBuilder(5).hidden(16, Activation::relu, 0.6).hidden(12, Activation::tanh, 0.7)
                       .output(3, Activation::softmax).loss(Loss::cross_entropy).seed(11).build();
  Matrix<float> X, Y;
  DropoutProblem() {
    Rng rng(3);
    X.resize(5, 40);
    Y.setZero(3, 40);
    for (Index j = 0; j < 40; ++j) {
      for (Index i = 0; i < 5; ++i) X(i, j) = static_cast<float>(rng.normal());
      Y(static_cast<Index>(rng.below(3)), j) = 1.0f;
    }
  }
  /// J at θ with the masks that a generator in state `masks` draws, computed by a fresh network
  /// through the plain training forward pass.
  [[nodiscard]] double cost(const Vector<float>& theta, const Rng::State& masks) const {
    Network<float> net(spec);
    net.params().theta() = theta;
    Rng rng(0);
    rng.set_state(masks);
    net.forward(X, true, &rng);
    return net.loss(Y, false);
  }
};

TEST(LineSearch, WithDropoutArmijoHoldsOnCostsOfTheGradientsMasks) {
  const DropoutProblem pb;
  Network<float> net(pb.spec);
  Rng rng(99);
  const Rng::State masks = rng.state();
  const double J0 = net.forward_backward(pb.X, pb.Y, true, &rng);
  const Vector<float> theta0 = net.params().theta(), g = net.params().dtheta();
  struct Trial {
    Vector<float> theta;
    double cost;
  };
  std::vector<Trial> trials;
  BacktrackingLineSearch<float> search;
  const auto r = search.search(net.params(), J0, 64.0, [&] {
    net.forward_with_masks(pb.X);
    trials.push_back({net.params().theta(), net.loss(pb.Y, false)});
    return trials.back().cost;
  });
  ASSERT_TRUE(r.accepted);
  ASSERT_GE(trials.size(), 3u);  // t0 = 64 is far too long: the search backtracks
  ASSERT_EQ(static_cast<std::size_t>(r.trials), trials.size());

  // Independently: J0 and every trial cost with the masks drawn from the same generator state.
  EXPECT_NEAR(pb.cost(theta0, masks), J0, 1e-6 * std::abs(J0));
  const double g2 = static_cast<double>(g.squaredNorm());
  double t = 64.0;
  for (std::size_t k = 0; k < trials.size(); ++k, t *= 0.5) {
    SCOPED_TRACE(k);
    EXPECT_EQ(trials[k].theta, (theta0 - static_cast<float>(t) * g).eval());
    const double independent = pb.cost(trials[k].theta, masks);
    EXPECT_NEAR(trials[k].cost, independent, 1e-6 * std::abs(independent));
    const bool last = k + 1 == trials.size();
    if (last) {
      EXPECT_LE(independent, J0 - 1e-4 * t * g2);  // the accepted step decreases J enough
      EXPECT_EQ(r.step, t);
    } else if (std::isfinite(independent)) {
      EXPECT_GT(independent, J0 - 1e-4 * t * g2);  // the rejected ones do not
    }
  }
  EXPECT_EQ(net.params().theta(), trials.back().theta);
}

TEST(LineSearch, ForwardWithMasksReproducesTheTrainingPassAndNewMasksDoNot) {
  const DropoutProblem pb;
  Network<float> net(pb.spec);
  Rng rng(5);
  const double J = net.forward_backward(pb.X, pb.Y, true, &rng);
  const Rng::State after = rng.state();
  net.forward_with_masks(pb.X);
  EXPECT_NEAR(net.loss(pb.Y, false), J, 1e-6 * std::abs(J));
  EXPECT_EQ(rng.state().s, after.s);  // no mask drawn
  // Fresh masks (what a trial evaluated with forward(X, true, rng) would see) give another cost.
  net.forward(pb.X, true, &rng);
  EXPECT_GT(std::abs(net.loss(pb.Y, false) - J), 1e-3);
}

TEST(LineSearch, ForwardWithMasksNeedsATrainingPassOfTheSameBatchSize) {
  const DropoutProblem pb;
  Network<float> net(pb.spec);
  EXPECT_THROW(net.forward_with_masks(pb.X), ConfigError);  // no pass yet
  Rng rng(1);
  net.forward(pb.X, true, &rng);
  EXPECT_THROW(net.forward_with_masks(pb.X.leftCols(10)), ShapeError);
  net.predict(pb.X);  // inference pass: the masks are no longer those of the last pass
  EXPECT_THROW(net.forward_with_masks(pb.X), ConfigError);
}

}  // namespace
}  // namespace mlp::optim
