// Activations and losses as graph operations (nn/graph_ops.hpp), checked by finite differences.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/graph_check.hpp"
#include "mlp/core/error.hpp"
#include "mlp/nn/graph_ops.hpp"

namespace mlp {
namespace {

using testing::away_from_zero;
using testing::check_op;
using testing::random_matrix;

struct Shape {
  Index r, c;
};
const Shape kShapes[] = {{1, 1}, {3, 1}, {1, 4}, {3, 5}, {5, 2}};

TEST(GraphOps, GradcheckActivations) {
  Rng rng(13);
  const Activation acts[] = {Activation::identity, Activation::relu, Activation::leaky_relu,
                             Activation::sigmoid,  Activation::tanh, Activation::softmax,
                             Activation::gelu};
  for (auto s : kShapes) {
    const MatrixD z = away_from_zero(rng, s.r, s.c);
    for (auto psi : acts) {
      const auto r = check_op({z}, [psi](auto& g, auto& v) { return activation(g, v[0], psi, 0.1); });
      EXPECT_LT(r.relative_error, 1e-7) << to_string(psi) << " " << s.r << "x" << s.c;
    }
  }
}

TEST(GraphOps, GradcheckGeluAcrossItsCurvedRange) {
  // gelu has no kink: check it over [-5, 5], through 0 and where Φ and φ change fastest.
  Rng rng(15);
  for (auto s : kShapes) {
    const MatrixD z = random_matrix(rng, s.r, s.c, -5.0, 5.0);
    const auto r =
        check_op({z}, [](auto& g, auto& v) { return activation(g, v[0], Activation::gelu, 0.1); });
    EXPECT_LT(r.relative_error, 1e-7) << s.r << "x" << s.c;
  }
}

TEST(GraphOps, GradcheckLosses) {
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
        return loss(g, kind, v[0], g.constant(y));
      });
      EXPECT_LT(r.relative_error, 1e-7) << to_string(kind) << " " << s.r << "x" << s.c;
    }
  }
}

TEST(GraphOps, FusedLossesAreStableAtExtremeLogits) {
  Graph<double> g;
  MatrixD z(3, 2);
  z << 1e4, -1e4, -1e4, 1e4, 0, 0;
  MatrixD y = MatrixD::Zero(3, 2);
  y(0, 0) = 1;
  y(2, 1) = 1;  // second column: the true class has logit 0, another 1e4 -> loss 1e4
  const Var zv = g.variable(z);
  const Var j = loss(g, Loss::cross_entropy, zv, g.constant(y));
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
  const Var jb = loss(h, Loss::binary_cross_entropy, zbv, h.constant(yb));
  h.backward(jb);
  EXPECT_NEAR(h.value(jb)(0, 0), 1e4 / 2, 1e-6);
  EXPECT_NEAR(h.grad(zbv)(0, 0), 0.5, 1e-12);
  EXPECT_NEAR(h.grad(zbv)(0, 1), 0.0, 1e-12);
}

TEST(GraphOps, LossTargetsMustBeConstants) {
  Graph<double> g;
  const Var a = g.variable(MatrixD::Zero(2, 3)), b = g.variable(MatrixD::Zero(2, 3));
  EXPECT_THROW(loss(g, Loss::mse, a, b), ConfigError);
}

}  // namespace
}  // namespace mlp
