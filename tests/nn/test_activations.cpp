// Activation kernels (nn/activation.hpp) against reference values: gelu against PyTorch's
// F.gelu (exact erf form) in float64, tests/fixtures/nn/gelu_reference.json written by
// tests/reference/gen_gelu.py; its gradient checks are in test_graph_ops.cpp (graph op) and
// test_network.cpp (NetworkGradcheck).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "mlp/nn/activation.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {
namespace {

struct GeluReference {
  MatrixD x, gelu, derivative;  // [n x 1]
};

GeluReference load_gelu_reference() {
  std::ifstream in(std::string(MLP_TEST_DATA_DIR) + "/nn/gelu_reference.json");
  if (!in) throw std::runtime_error("missing tests/fixtures/nn/gelu_reference.json");
  const auto ref = nlohmann::json::parse(in);
  auto column = [](const nlohmann::json& values) {
    MatrixD m(static_cast<Index>(values.size()), 1);
    for (Index i = 0; i < m.rows(); ++i) m(i, 0) = values[static_cast<std::size_t>(i)].get<double>();
    return m;
  };
  return {column(ref.at("x")), column(ref.at("gelu")), column(ref.at("derivative"))};
}

double tolerance(double reference) { return 1e-12 * std::max(1.0, std::abs(reference)); }

TEST(GeluReference, ValuesAndDerivativeMatchPyTorchInDouble) {
  const GeluReference r = load_gelu_reference();
  ASSERT_GT(r.x.rows(), 100);
  MatrixD A(r.x.rows(), 1), dZ(r.x.rows(), 1);
  activation_forward<double>(Activation::gelu, 0.0, r.x, A);
  // dZ = dA ⊙ GELU'(Z) with dA = 1 gives the derivative itself.
  const MatrixD ones = MatrixD::Ones(r.x.rows(), 1);
  activation_backward<double>(Activation::gelu, 0.0, r.x, A, ones, dZ);
  for (Index i = 0; i < r.x.rows(); ++i) {
    const double x = r.x(i, 0);
    EXPECT_NEAR(A(i, 0), r.gelu(i, 0), tolerance(r.gelu(i, 0))) << "GELU(" << x << ")";
    EXPECT_NEAR(dZ(i, 0), r.derivative(i, 0), tolerance(r.derivative(i, 0))) << "GELU'(" << x << ")";
  }
  // Saturation: GELU(x) = x and GELU'(x) = 1 far right; 0 and 0 far left, finite everywhere.
  EXPECT_TRUE(A.allFinite());
  EXPECT_TRUE(dZ.allFinite());
}

TEST(GeluReference, BackwardScalesTheUpstreamGradientAndMayAliasIt) {
  const GeluReference r = load_gelu_reference();
  const Index n = r.x.rows();
  MatrixD A(n, 1);
  activation_forward<double>(Activation::gelu, 0.0, r.x, A);
  MatrixD d(n, 1);
  for (Index i = 0; i < n; ++i) d(i, 0) = 0.5 + 0.01 * static_cast<double>(i);
  const MatrixD upstream = d;
  activation_backward<double>(Activation::gelu, 0.0, r.x, A, d, d);  // dZ aliases dA
  for (Index i = 0; i < n; ++i) {
    const double expected = upstream(i, 0) * r.derivative(i, 0);
    EXPECT_NEAR(d(i, 0), expected, tolerance(expected)) << "x = " << r.x(i, 0);
  }
}

TEST(GeluReference, FloatAgreesWithTheDoubleReference) {
  const GeluReference r = load_gelu_reference();
  const MatrixF x = r.x.cast<float>();
  MatrixF A(x.rows(), 1), dZ(x.rows(), 1);
  activation_forward<float>(Activation::gelu, 0.0f, x, A);
  activation_backward<float>(Activation::gelu, 0.0f, x, A, MatrixF::Ones(x.rows(), 1), dZ);
  for (Index i = 0; i < x.rows(); ++i) {
    EXPECT_NEAR(A(i, 0), r.gelu(i, 0), 1e-6 * std::max(1.0, std::abs(r.gelu(i, 0))))
        << "x = " << r.x(i, 0);
    EXPECT_NEAR(dZ(i, 0), r.derivative(i, 0), 1e-6) << "x = " << r.x(i, 0);
  }
}

TEST(GeluReference, HiddenLayerOfANetworkComputesXPhiX) {
  // 1 input -> 1 gelu unit (W = 1, b = 0) -> 1 identity unit (W = 1, b = 0): the output is GELU(x).
  Network<double> net(ModelBuilder(1).hidden(1, Activation::gelu).output(1, Activation::identity)
                          .loss(Loss::mse).build());
  net.W(0)(0, 0) = 1.0;
  net.b(0)(0, 0) = 0.0;
  net.W(1)(0, 0) = 1.0;
  net.b(1)(0, 0) = 0.0;
  const GeluReference r = load_gelu_reference();
  const MatrixD X = r.x.transpose();  // one example per column
  const MatrixD out = net.forward(X);
  for (Index j = 0; j < X.cols(); ++j) {
    EXPECT_NEAR(out(0, j), r.gelu(j, 0), tolerance(r.gelu(j, 0))) << "x = " << X(0, j);
  }
}

}  // namespace
}  // namespace mlp

namespace mlp {
namespace {

// softmax runs exp over the whole block in chunks of 16 (src/nn/softmax_columns.hpp): every
// column length (shorter, equal, longer than a chunk; a block not a multiple of 16) and a
// strided block (middleRows) agree with a double computation to float rounding, each column sums
// to 1, and the position of an element in the block does not change its value.
TEST(SoftmaxColumns, MatchesDoubleForEveryColumnLengthAndLayout) {
  Rng rng(21);
  for (const Index n : {1, 2, 3, 10, 15, 16, 17, 33}) {
    for (const Index m : {1, 3, 7, 40}) {
      MatrixF Zbig(n + 5, m);
      for (Index i = 0; i < Zbig.size(); ++i) Zbig.data()[i] = static_cast<float>(8 * rng.normal());
      const MatrixF Z = Zbig.topRows(n);
      MatrixF A(n, m), As(n + 5, m);
      activation_forward<float>(Activation::softmax, 0.f, Z, A);
      activation_forward<float>(Activation::softmax, 0.f, Zbig.topRows(n), As.topRows(n));  // strided
      EXPECT_EQ(A, MatrixF(As.topRows(n))) << n << "x" << m;
      for (Index j = 0; j < m; ++j) {
        const MatrixD z = Z.col(j).cast<double>();
        const Eigen::ArrayXd e = (z.array() - z.maxCoeff()).exp();
        const Eigen::ArrayXd ref = e / e.sum();
        for (Index i = 0; i < n; ++i) {
          // exp's and the sum's rounding (a few ulp), and z − max rounded in float (its error,
          // up to |z − max|·u, is exp's relative error).
          const double tol = 1.2e-7 * (6 + std::abs(z(i, 0) - z.maxCoeff())) * ref(i) + 1e-37;
          EXPECT_NEAR(A(i, j), ref(i), tol) << n << "x" << m << " (" << i << "," << j << ")";
        }
        EXPECT_NEAR(A.col(j).cast<double>().sum(), 1.0, 1e-6);
        // The same column alone gives the same bits as inside the block.
        MatrixF a1(n, 1);
        activation_forward<float>(Activation::softmax, 0.f, Z.col(j), a1);
        EXPECT_EQ(a1, MatrixF(A.col(j))) << n << "x" << m << " column " << j;
      }
    }
  }
  // Far apart logits: the small ones underflow to (almost) 0, never NaN; the largest gets ~1.
  MatrixF Z(3, 1), A(3, 1);
  Z << 0.f, -200.f, 100.f;
  activation_forward<float>(Activation::softmax, 0.f, Z, A);
  EXPECT_FLOAT_EQ(A(2, 0), 1.f);
  EXPECT_GE(A(0, 0), 0.f);
  EXPECT_LT(A(0, 0), 1e-38f);
  EXPECT_GE(A(1, 0), 0.f);
  EXPECT_LT(A(1, 0), 1e-38f);
}

}  // namespace
}  // namespace mlp
