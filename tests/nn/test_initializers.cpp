// The identity initializer (W = c·I on the leading diagonal of any shape) and model.init_gain
// (W = g · W_init for every initializer); the moments of the random ones are in test_network.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "mlp/core/error.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {
namespace {

MatrixD identity_fill(Index n_out, Index n_in, double gain) {
  MatrixD W = MatrixD::Constant(n_out, n_in, 7.0);  // every entry must be overwritten
  Rng rng(1);
  initialize_weights<double>(Init::identity, 0.01, rng, MatrixMap<double>(W.data(), n_out, n_in), gain);
  return W;
}

TEST(Initializers, IdentityIsGainTimesTheLeadingDiagonal) {
  // Square: c·I.
  EXPECT_EQ(identity_fill(3, 3, 0.5), 0.5 * MatrixD::Identity(3, 3));
  // Wider output than input (n_out > n_in): the inputs are copied, the extra units start at 0.
  MatrixD expected = MatrixD::Zero(5, 2);
  expected(0, 0) = expected(1, 1) = 2.0;
  EXPECT_EQ(identity_fill(5, 2, 2.0), expected);
  // Narrower (n_out < n_in): the leading n_out inputs are kept, the trailing ones dropped.
  expected = MatrixD::Zero(2, 5);
  expected(0, 0) = expected(1, 1) = 1.0;
  EXPECT_EQ(identity_fill(2, 5, 1.0), expected);
  // It draws nothing: the generator is where it was.
  Rng used(9), fresh(9);
  MatrixD W(4, 4);
  initialize_weights<double>(Init::identity, 0.01, used, MatrixMap<double>(W.data(), 4, 4), 3.0);
  EXPECT_EQ(used.normal(), fresh.normal());
}

TEST(Initializers, GainMultipliesEveryRandomInitializer) {
  for (Init init : {Init::normal, Init::he_normal, Init::he_uniform, Init::glorot_normal, Init::glorot_uniform}) {
    MatrixD plain(6, 5), scaled(6, 5);
    Rng r1(21), r2(21);
    initialize_weights<double>(init, 0.05, r1, MatrixMap<double>(plain.data(), 6, 5));
    initialize_weights<double>(init, 0.05, r2, MatrixMap<double>(scaled.data(), 6, 5), 2.0);
    EXPECT_EQ(scaled, 2.0 * plain) << to_string(init);  // ×2 is exact: the same draws, doubled
  }
}

TEST(Initializers, IdentityNetworkStartsAtGainTimesIdentity) {
  const double c = 0.5;
  const auto spec = ModelBuilder(4).hidden(6, Activation::relu).hidden(6, Activation::relu)
                        .output(3, Activation::identity).init(Init::identity).init_gain(c).build();
  Network<double> net(spec);
  EXPECT_EQ(MatrixD(net.W(0)), c * MatrixD::Identity(6, 4));
  EXPECT_EQ(MatrixD(net.W(1)), c * MatrixD::Identity(6, 6));
  EXPECT_EQ(MatrixD(net.W(2)), c * MatrixD::Identity(3, 6));
  for (std::size_t k = 0; k < net.layer_count(); ++k) EXPECT_EQ(net.b(k).cwiseAbs().maxCoeff(), 0.0);
}

TEST(Initializers, IdentityGainGivesBackpropagatedGradientsScalingLikeCToTheLMinusL) {
  // A ReLU net of L layers with W = c·I, b = 0, on positive inputs, J = Σ A[L]: the gradient
  // reaching layer l (0-based k = l − 1) is ∂J/∂z_l = c^(L−l)·1, so ‖db_k‖ = c^(L−1−k)·‖db_L‖,
  // while ‖dW_k‖ = ‖dz_k‖·‖a_(k−1)‖ carries c^(L−1) in every layer (docs/math.md).
  const Index n = 5, L = 8;
  for (double c : {0.5, 2.0}) {
    ModelBuilder b(n);
    for (Index k = 0; k + 1 < L; ++k) b.hidden(n, Activation::relu);
    const auto spec = b.output(n, Activation::identity).loss(Loss::mse).init(Init::identity).init_gain(c).build();
    Network<double> net(spec);
    const MatrixD X = MatrixD::Constant(n, 3, 0.25);
    net.forward(X);
    net.backward(MatrixD::Ones(n, 3));
    const double top = net.db(static_cast<std::size_t>(L - 1)).norm();
    const double top_w = net.dW(static_cast<std::size_t>(L - 1)).norm();
    for (std::size_t k = 0; k < net.layer_count(); ++k) {
      const double expected = std::pow(c, static_cast<double>(L - 1 - static_cast<Index>(k)));
      EXPECT_NEAR(net.db(k).norm() / top, expected, 1e-12 * expected) << "c=" << c << " layer " << k;
      EXPECT_NEAR(net.dW(k).norm() / top_w, 1.0, 1e-12) << "c=" << c << " layer " << k;
    }
  }
}

TEST(Initializers, GainIsValidatedAndStoredInTheDescription) {
  auto b = ModelBuilder(2).output(1, Activation::identity).init(Init::identity);
  for (double bad : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    auto copy = b;
    EXPECT_THROW((void)copy.init_gain(bad).build(), ConfigError) << bad;
  }
  const ModelSpec spec = b.init_gain(0.25).build();
  const ModelSpec back = ModelSpec::from_json(spec.to_json());
  EXPECT_EQ(back, spec);
  EXPECT_EQ(back.init, Init::identity);
  EXPECT_EQ(back.init_gain, 0.25);
  // A description written before init_gain existed reads as gain 1.
  auto j = nlohmann::json::parse(spec.to_json());
  j.erase("init_gain");
  EXPECT_EQ(ModelSpec::from_json(j.dump()).init_gain, 1.0);
  j["init_gain"] = -2.0;
  EXPECT_THROW((void)ModelSpec::from_json(j.dump()), DataError);
  EXPECT_EQ(parse_init("identity"), Init::identity);
}

}  // namespace
}  // namespace mlp
