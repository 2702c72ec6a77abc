// The computational graph: the seed's worked example, every op gradient-checked in double on
// random shapes (1x1, one column, non-square), reuse, custom ops, and a wrong backward caught.
#include <gtest/gtest.h>

#include <functional>

#include "mlp/error.hpp"
#include "mlp/gradcheck.hpp"
#include "mlp/graph.hpp"
#include "mlp/random.hpp"

namespace mlp {
namespace {

MatrixD random_matrix(Rng& rng, Index r, Index c, double lo = -1.0, double hi = 1.0) {
  MatrixD m(r, c);
  for (Index j = 0; j < c; ++j)
    for (Index i = 0; i < r; ++i) m(i, j) = rng.uniform(lo, hi);
  return m;
}

/// Random entries bounded away from 0 (ReLU kink) and with |x| in [0.1, 1].
MatrixD away_from_zero(Rng& rng, Index r, Index c) {
  MatrixD m = random_matrix(rng, r, c, 0.1, 1.0);
  for (Index i = 0; i < m.size(); ++i)
    if (rng.uniform() < 0.5) m.data()[i] = -m.data()[i];
  return m;
}

using Builder = std::function<Var(Graph<double>&, const std::vector<Var>&)>;

/// Builds J = Σ (op(inputs) ⊙ R) with random R over parameter leaves and gradient-checks it.
GradCheckResult check_op(const std::vector<MatrixD>& inputs, const Builder& build,
                         std::uint64_t seed = 1) {
  Parameters<double> p;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    p.add("in" + std::to_string(k), inputs[k].rows(), inputs[k].cols(), true);
    p.value(k) = inputs[k];
  }
  Graph<double> g;
  std::vector<Var> leaves;
  for (std::size_t k = 0; k < inputs.size(); ++k) leaves.push_back(g.parameter(p, k));
  const Var y = build(g, leaves);
  Rng rng(seed);
  const Var r = g.constant(random_matrix(rng, g.value(y).rows(), g.value(y).cols()));
  const Var j = g.sum(g.mul(y, r));
  auto cost = [&] {
    g.forward();
    return g.value(j)(0, 0);
  };
  auto grad = [&] {
    p.zero_grad();
    g.forward();
    g.backward(j);
  };
  return gradient_check(p, cost, grad);
}

TEST(Graph, SeedExample) {
  Graph<double> g;
  const Var x = g.scalar(-2, "x"), y = g.scalar(5, "y"), z = g.scalar(-4, "z");
  const Var q = g.add(x, y);
  const Var f = g.mul(q, z);
  EXPECT_DOUBLE_EQ(g.value(f)(0, 0), -12.0);
  g.backward(f);
  EXPECT_DOUBLE_EQ(g.grad(x)(0, 0), -4.0);
  EXPECT_DOUBLE_EQ(g.grad(y)(0, 0), -4.0);
  EXPECT_DOUBLE_EQ(g.grad(z)(0, 0), 3.0);
  EXPECT_DOUBLE_EQ(g.grad(q)(0, 0), -4.0);
}

TEST(Graph, SharedSubexpressionAccumulates) {
  // f = x·x + x at x = 3: f' = 2x + 1 = 7 (the gradient from both uses is added).
  Graph<double> g;
  const Var x = g.scalar(3);
  const Var f = g.add(g.mul(x, x), x);
  g.backward(f);
  EXPECT_DOUBLE_EQ(g.value(f)(0, 0), 12.0);
  EXPECT_DOUBLE_EQ(g.grad(x)(0, 0), 7.0);
  g.backward(f);  // intermediate gradients are reset: same answer again
  EXPECT_DOUBLE_EQ(g.grad(x)(0, 0), 7.0 + 7.0);  // leaves accumulate like parameters
}

struct Shape {
  Index r, c;
};
const Shape kShapes[] = {{1, 1}, {3, 1}, {1, 4}, {3, 5}, {5, 2}};

TEST(GraphGradcheck, ElementwiseOps) {
  Rng rng(11);
  for (auto s : kShapes) {
    const MatrixD a = away_from_zero(rng, s.r, s.c), b = away_from_zero(rng, s.r, s.c);
    const MatrixD pos = random_matrix(rng, s.r, s.c, 0.5, 2.0);
    struct Case {
      const char* name;
      std::vector<MatrixD> in;
      Builder f;
    };
    const std::vector<Case> cases = {
        {"add", {a, b}, [](auto& g, auto& v) { return g.add(v[0], v[1]); }},
        {"sub", {a, b}, [](auto& g, auto& v) { return g.sub(v[0], v[1]); }},
        {"mul", {a, b}, [](auto& g, auto& v) { return g.mul(v[0], v[1]); }},
        {"scale", {a}, [](auto& g, auto& v) { return g.scale(v[0], -2.5); }},
        {"sum", {a}, [](auto& g, auto& v) { return g.sum(v[0]); }},
        {"mean", {a}, [](auto& g, auto& v) { return g.mean(v[0]); }},
        {"sum_cols", {a}, [](auto& g, auto& v) { return g.sum_cols(v[0]); }},
        {"exp", {a}, [](auto& g, auto& v) { return g.exp(v[0]); }},
        {"log", {pos}, [](auto& g, auto& v) { return g.log(v[0]); }},
        {"square", {a}, [](auto& g, auto& v) { return g.square(v[0]); }},
        {"abs", {a}, [](auto& g, auto& v) { return g.abs(v[0]); }},
    };
    for (const auto& c : cases) {
      const auto r = check_op(c.in, c.f);
      EXPECT_TRUE(r.passed) << c.name << " " << s.r << "x" << s.c << " rel " << r.relative_error;
      EXPECT_LT(r.relative_error, 1e-7) << c.name;
    }
  }
}

TEST(GraphGradcheck, MatmulAndBiasBroadcast) {
  Rng rng(12);
  const Index dims[][3] = {{1, 1, 1}, {3, 1, 4}, {1, 5, 1}, {4, 3, 2}, {2, 6, 7}};
  for (auto d : dims) {
    const MatrixD a = random_matrix(rng, d[0], d[1]), b = random_matrix(rng, d[1], d[2]);
    const MatrixD bias = random_matrix(rng, d[0], 1);
    auto r = check_op({a, b}, [](auto& g, auto& v) { return g.matmul(v[0], v[1]); });
    EXPECT_LT(r.relative_error, 1e-7) << d[0] << "x" << d[1] << "x" << d[2];
    r = check_op({a, b, bias},
                 [](auto& g, auto& v) { return g.add(g.matmul(v[0], v[1]), v[2]); });
    EXPECT_LT(r.relative_error, 1e-7);
    EXPECT_TRUE(r.passed);
    ASSERT_EQ(r.slices.size(), 3u);
    EXPECT_EQ(r.slices[2].name, "in2");
  }
}

TEST(GraphGradcheck, Activations) {
  Rng rng(13);
  const Activation acts[] = {Activation::identity, Activation::relu, Activation::leaky_relu,
                             Activation::sigmoid,  Activation::tanh, Activation::softmax};
  for (auto s : kShapes) {
    const MatrixD z = away_from_zero(rng, s.r, s.c);
    for (auto psi : acts) {
      const auto r = check_op({z}, [psi](auto& g, auto& v) { return g.activation(v[0], psi, 0.1); });
      EXPECT_LT(r.relative_error, 1e-7) << to_string(psi) << " " << s.r << "x" << s.c;
    }
  }
}

TEST(GraphGradcheck, Losses) {
  Rng rng(14);
  for (auto s : kShapes) {
    const MatrixD z = 3.0 * random_matrix(rng, s.r, s.c);
    const MatrixD y_reg = random_matrix(rng, s.r, s.c);
    MatrixD y_bin(s.r, s.c), y_hot = MatrixD::Zero(s.r, s.c);
    for (Index i = 0; i < y_bin.size(); ++i) y_bin.data()[i] = rng.uniform() < 0.5 ? 0.0 : 1.0;
    for (Index j = 0; j < s.c; ++j) y_hot(static_cast<Index>(rng.below(static_cast<std::uint64_t>(s.r))), j) = 1.0;
    const std::pair<Loss, MatrixD> cases[] = {{Loss::mse, y_reg},
                                              {Loss::binary_cross_entropy, y_bin},
                                              {Loss::cross_entropy, y_hot}};
    for (const auto& [kind, y] : cases) {
      const auto r = check_op({z}, [kind = kind, y = y](Graph<double>& g, const std::vector<Var>& v) {
        return g.loss(kind, v[0], g.constant(y));
      });
      EXPECT_LT(r.relative_error, 1e-7) << to_string(kind) << " " << s.r << "x" << s.c;
    }
  }
}

TEST(Graph, FusedLossesAreStableAtExtremeLogits) {
  Graph<double> g;
  MatrixD z(3, 2);
  z << 1e4, -1e4, -1e4, 1e4, 0, 0;
  MatrixD y = MatrixD::Zero(3, 2);
  y(0, 0) = 1;
  y(2, 1) = 1;  // second column: the true class has logit 0, another 1e4 -> loss 1e4
  const Var zv = g.variable(z);
  const Var j = g.loss(Loss::cross_entropy, zv, g.constant(y));
  g.backward(j);
  EXPECT_TRUE(std::isfinite(g.value(j)(0, 0)));
  EXPECT_NEAR(g.value(j)(0, 0), (0.0 + 1e4) / 2, 1e-6);
  EXPECT_TRUE(g.grad(zv).allFinite());
  // dJ/dZ = (A − Y)/m: column 0 is predicted right, column 1 puts all mass on row 1.
  EXPECT_NEAR(g.grad(zv)(1, 1), 0.5, 1e-12);
  EXPECT_NEAR(g.grad(zv)(2, 1), -0.5, 1e-12);

  Graph<double> h;
  MatrixD zb(1, 2);
  zb << 1e4, -1e4;
  MatrixD yb(1, 2);
  yb << 0, 0;
  const Var zbv = h.variable(zb);
  const Var jb = h.loss(Loss::binary_cross_entropy, zbv, h.constant(yb));
  h.backward(jb);
  EXPECT_NEAR(h.value(jb)(0, 0), 1e4 / 2, 1e-6);
  EXPECT_NEAR(h.grad(zbv)(0, 0), 0.5, 1e-12);
  EXPECT_NEAR(h.grad(zbv)(0, 1), 0.0, 1e-12);
}

TEST(Graph, CustomLossOnTopOfBuiltins) {
  // A user's own penalty: J = mean((X·w − y)²) + 0.1·Σ|w|, checked by finite differences.
  Rng rng(15);
  const MatrixD X = random_matrix(rng, 6, 3), y = random_matrix(rng, 6, 1);
  const MatrixD w = away_from_zero(rng, 3, 1);
  auto r = check_op({w}, [X, y](Graph<double>& g, const std::vector<Var>& v) {
    const Var err = g.sub(g.matmul(g.constant(X), v[0]), g.constant(y));
    return g.add(g.mean(g.square(err)), g.scale(g.sum(g.abs(v[0])), 0.1));
  });
  EXPECT_TRUE(r.passed) << r.relative_error;
}

TEST(Graph, CustomOpAndWrongBackwardIsCaught) {
  Rng rng(16);
  const MatrixD a = away_from_zero(rng, 4, 3);
  // cube(x) = x³ with the right and a deliberately wrong derivative.
  auto cube = [](double factor) {
    return [factor](Graph<double>& g, const std::vector<Var>& v) {
      const auto va = g.value(v[0]);
      return g.custom(
          {v[0]}, va.rows(), va.cols(),
          [](Graph<double>::OpContext& c) { c.value() = c.input_value(0).array().cube().matrix(); },
          [factor](Graph<double>::OpContext& c) {
            c.input_grad(0).array() +=
                factor * 3.0 * c.grad().array() * c.input_value(0).array().square();
          },
          "cube");
    };
  };
  const auto good = check_op({a}, cube(1.0));
  EXPECT_TRUE(good.passed);
  EXPECT_LT(good.relative_error, 1e-8);
  const auto bad = check_op({a}, cube(1.02));
  EXPECT_FALSE(bad.passed);
  EXPECT_GT(bad.relative_error, 1e-3);
}

TEST(Graph, ForwardReusesTheGraphWithNewInputs) {
  Graph<double> g;
  const Var x = g.constant(MatrixD::Constant(2, 2, 1.0));
  const Var w = g.variable(MatrixD::Identity(2, 2) * 2.0);
  const Var j = g.sum(g.matmul(w, x));
  EXPECT_DOUBLE_EQ(g.value(j)(0, 0), 8.0);
  g.value(x).setConstant(3.0);
  g.forward();
  EXPECT_DOUBLE_EQ(g.value(j)(0, 0), 24.0);
  g.backward(j);
  EXPECT_DOUBLE_EQ(g.grad(w)(0, 0), 6.0);
}

TEST(Graph, ShapeErrorsAreClear) {
  Graph<double> g;
  const Var a = g.variable(MatrixD::Zero(2, 3)), b = g.variable(MatrixD::Zero(2, 3));
  try {
    g.matmul(a, b);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("2x3 · 2x3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(g.backward(a), ShapeError);
  EXPECT_THROW(g.grad(g.constant(MatrixD::Zero(1, 1))), ConfigError);
  EXPECT_THROW(g.loss(Loss::mse, a, b), ConfigError);  // targets must be constants
}

TEST(Graph, FloatGraphMatchesDouble) {
  Graph<float> g;
  const Var x = g.scalar(-2.f), y = g.scalar(5.f), z = g.scalar(-4.f);
  const Var f = g.mul(g.add(x, y), z);
  g.backward(f);
  EXPECT_FLOAT_EQ(g.value(f)(0, 0), -12.f);
  EXPECT_FLOAT_EQ(g.grad(z)(0, 0), 3.f);
}

}  // namespace
}  // namespace mlp
