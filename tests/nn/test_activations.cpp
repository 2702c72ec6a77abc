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
