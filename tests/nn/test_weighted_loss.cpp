// Weighted costs J = (1/m) Σ_j w_j·L_j (nn/loss.hpp, docs/math.md "Weighted cost") against
// PyTorch (tests/reference/gen_weighted_loss.py writes tests/fixtures/nn/weighted_loss.json),
// and the gradient of a small network with example weights against central differences.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/nn/loss.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {
namespace {

MatrixD matrix(const nlohmann::json& rows) {
  MatrixD M(static_cast<Index>(rows.size()), static_cast<Index>(rows[0].size()));
  for (Index i = 0; i < M.rows(); ++i) {
    for (Index j = 0; j < M.cols(); ++j) M(i, j) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)].get<double>();
  }
  return M;
}

nlohmann::json reference() {
  std::ifstream in(std::string(MLP_TEST_DATA_DIR) + "/nn/weighted_loss.json");
  return nlohmann::json::parse(in);
}

TEST(WeightedLoss, CostAndGradientMatchPyTorch) {
  const auto ref = reference();
  ASSERT_EQ(ref.at("cases").size(), 3u);
  for (const auto& c : ref.at("cases")) {
    SCOPED_TRACE(c.at("loss").get<std::string>());
    const Loss loss = parse_loss(c.at("loss").get<std::string>());
    const MatrixD out = matrix(c.at("out")), Y = matrix(c.at("Y")), dJ = matrix(c.at("dJ"));
    const std::vector<double> w = c.at("w").get<std::vector<double>>();
    MatrixD A(out.rows(), out.cols()), d(out.rows(), out.cols());
    MatrixRef<double> dref(d);
    const double J = loss_forward_backward<double>(loss, out, Y, A, &dref, 0, w);
    EXPECT_NEAR(J, c.at("J").get<double>(), 1e-12);
    EXPECT_LT((d - dJ).cwiseAbs().maxCoeff(), 1e-12);
    // PyTorch's weighted mean divides by Σ w, mlp by m: J = J_torch_mean · Σ w / m.
    double sum_w = 0;
    for (const double v : w) sum_w += v;
    EXPECT_NEAR(J, c.at("J_torch_mean").get<double>() * sum_w / static_cast<double>(out.cols()), 1e-12);
  }
}

TEST(WeightedLoss, UnitWeightsAreTheUnweightedCostAndWrongCountsAreRefused) {
  const auto ref = reference();
  for (const auto& c : ref.at("cases")) {
    const Loss loss = parse_loss(c.at("loss").get<std::string>());
    const MatrixD out = matrix(c.at("out")), Y = matrix(c.at("Y"));
    MatrixD A(out.rows(), out.cols()), d1(out.rows(), out.cols()), d2(out.rows(), out.cols());
    MatrixRef<double> r1(d1), r2(d2);
    const std::vector<double> ones(static_cast<std::size_t>(out.cols()), 1.0);
    const double J1 = loss_forward_backward<double>(loss, out, Y, A, &r1);
    const double J2 = loss_forward_backward<double>(loss, out, Y, A, &r2, 0, ones);
    EXPECT_DOUBLE_EQ(J1, J2);
    EXPECT_EQ(d1, d2);
    const std::vector<double> short_w(2, 1.0);
    EXPECT_THROW((void)loss_forward_backward<double>(loss, out, Y, A, &r1, 0, short_w), ShapeError);
  }
}

/// J(θ) of the network with example weights, and dθ by the backward pass, against central
/// differences in double, for each loss (softmax + CE, sigmoid + BCE, tanh + MSE).
TEST(WeightedLoss, NetworkGradientPassesTheFiniteDifferenceCheckWithWeights) {
  struct Case {
    Activation out;
    Loss loss;
  };
  for (const Case c : {Case{Activation::softmax, Loss::cross_entropy},
                       Case{Activation::sigmoid, Loss::binary_cross_entropy},
                       Case{Activation::tanh, Loss::mse}}) {
    SCOPED_TRACE(to_string(c.loss));
    Network<double> net(ModelBuilder(3).hidden(4, Activation::tanh).output(3, c.out).loss(c.loss)
                            .seed(5).build());
    const Index m = 5;
    MatrixD X = MatrixD::Random(3, m);
    MatrixD Y = MatrixD::Zero(3, m);
    for (Index j = 0; j < m; ++j) Y(j % 3, j) = 1.0;
    if (c.loss == Loss::mse) Y = MatrixD::Random(3, m) * 0.5;
    const std::vector<double> w{0.5, 3.0, 0.0, 1.25, 2.0};
    net.forward(X);
    (void)net.loss(Y, true, false, w);
    const Vector<double> analytic = net.params().dtheta();
    auto& theta = net.params().theta();
    const double eps = 1e-6;
    double worst = 0;
    for (Index i = 0; i < theta.size(); ++i) {
      const double keep = theta(i);
      theta(i) = keep + eps;
      net.forward(X);
      const double up = net.loss(Y, false, false, w);
      theta(i) = keep - eps;
      net.forward(X);
      const double down = net.loss(Y, false, false, w);
      theta(i) = keep;
      const double numeric = (up - down) / (2 * eps);
      const double rel = std::abs(numeric - analytic(i)) /
                         std::max(1e-8, std::abs(numeric) + std::abs(analytic(i)));
      worst = std::max(worst, rel);
    }
    EXPECT_LT(worst, 1e-6);
    // forward_backward (the trainer's step) gives the same cost and gradient.
    const double J = net.forward_backward(X, Y, false, nullptr, false, w);
    net.forward(X);
    EXPECT_NEAR(J, net.loss(Y, false, false, w), 1e-12);
    EXPECT_LT((net.params().dtheta() - analytic).cwiseAbs().maxCoeff(), 1e-12);
  }
}

}  // namespace
}  // namespace mlp
