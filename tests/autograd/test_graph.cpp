// The computational graph: the seed's worked example, every op gradient-checked in double on
// random shapes (1x1, one column, non-square), reuse, custom ops, and a wrong backward caught.
#include <gtest/gtest.h>

#include <functional>

#include "mlp/core/error.hpp"
#include "mlp/autograd/gradcheck.hpp"
#include "mlp/autograd/graph.hpp"
#include "mlp/core/random.hpp"
#include "autograd/graph_check.hpp"

namespace mlp {
namespace {

using testing::away_from_zero;
using testing::check_op;
using testing::random_matrix;
using testing::Builder;

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
