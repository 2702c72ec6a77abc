// The MLP: hand-computed values, gradient checks for every activation x loss (parameters and
// input), PyTorch reference values, initializer moments, zero-init symmetry, deep linear
// exploding/vanishing, the network as a graph node, dropout, and the declarative description.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mlp/core/error.hpp"
#include "mlp/autograd/gradcheck.hpp"
#include "mlp/nn/graph_ops.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {
namespace {

MatrixD random_matrix(Rng& rng, Index r, Index c, double scale = 1.0) {
  MatrixD m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = rng.normal() * scale;
  return m;
}

MatrixD targets_for(Loss loss, Rng& rng, Index n, Index m) {
  MatrixD Y = MatrixD::Zero(n, m);
  for (Index j = 0; j < m; ++j) {
    if (loss == Loss::cross_entropy) {
      Y(static_cast<Index>(rng.below(static_cast<std::uint64_t>(n))), j) = 1.0;
    } else {
      for (Index i = 0; i < n; ++i) Y(i, j) = loss == Loss::mse ? rng.normal() : (rng.uniform() < 0.5 ? 0.0 : 1.0);
    }
  }
  return Y;
}

TEST(Network, HandComputedTinyCase) {
  // 2 inputs -> 2 relu -> 1 identity, mse, one example.
  Network<double> net(ModelBuilder(2).hidden(2, Activation::relu).output(1, Activation::identity)
                          .loss(Loss::mse).build());
  net.W(0) << 1, -1, 0.5, 2;  // [[1,-1],[0.5,2]]
  net.b(0) << 0.1, -0.2;
  net.W(1) << 2, -3;
  net.b(1) << 0.5;
  MatrixD X(2, 1);
  X << 1, 2;
  const auto& A = net.forward(X);
  // Z1 = [1-2+0.1, 0.5+4-0.2] = [-0.9, 4.3]; A1 = [0, 4.3]; Z2 = -12.9 + 0.5 = -12.4
  EXPECT_NEAR(A(0, 0), -12.4, 1e-12);
  MatrixD Y(1, 1);
  Y << 0.6;
  const double J = net.loss(Y, true);
  EXPECT_NEAR(J, 13.0 * 13.0, 1e-9);  // (−12.4 − 0.6)²
  // dZ2 = 2(A−Y) = −26; dW2 = dZ2·A1ᵀ = [0, −111.8]; db2 = −26
  EXPECT_NEAR(net.dW(1)(0, 0), 0.0, 1e-12);
  EXPECT_NEAR(net.dW(1)(0, 1), -111.8, 1e-9);
  EXPECT_NEAR(net.db(1)(0, 0), -26.0, 1e-12);
  // dA1 = W2ᵀ dZ2 = [−52, 78]; dZ1 = [0 (relu off), 78]; dW1 = dZ1 Xᵀ = [[0,0],[78,156]]
  EXPECT_NEAR(net.dW(0)(1, 0), 78.0, 1e-9);
  EXPECT_NEAR(net.dW(0)(1, 1), 156.0, 1e-9);
  EXPECT_NEAR(net.dW(0)(0, 1), 0.0, 1e-12);
  EXPECT_NEAR(net.db(0)(1, 0), 78.0, 1e-9);
}

struct Combo {
  Activation hidden;
  Activation output;
  Loss loss;
};

std::vector<Combo> all_combos() {
  std::vector<Combo> out;
  for (Activation h : {Activation::identity, Activation::relu, Activation::leaky_relu,
                       Activation::sigmoid, Activation::tanh, Activation::gelu}) {
    out.push_back({h, Activation::identity, Loss::mse});
    out.push_back({h, Activation::sigmoid, Loss::mse});
    out.push_back({h, Activation::tanh, Loss::mse});
    out.push_back({h, Activation::softmax, Loss::mse});
    out.push_back({h, Activation::sigmoid, Loss::binary_cross_entropy});
    out.push_back({h, Activation::softmax, Loss::cross_entropy});
  }
  return out;
}

TEST(NetworkGradcheck, EveryActivationAndLossParametersAndInput) {
  Rng rng(5);
  for (const Combo& c : all_combos()) {
    const auto spec = ModelBuilder(4).hidden(5, c.hidden).hidden(3, c.hidden).output(3, c.output)
                          .loss(c.loss).leaky_slope(0.1).init(Init::glorot_normal).seed(9).build();
    Network<double> net(spec);
    const MatrixD X = random_matrix(rng, 4, 6), Y = targets_for(c.loss, rng, 3, 6);
    auto cost = [&] {
      net.forward(X);
      return net.loss(Y, false);
    };
    auto grad = [&] {
      net.forward(X);
      net.loss(Y, true);
    };
    const auto r = gradient_check(net.params(), cost, grad);
    EXPECT_TRUE(r.passed) << to_string(c.hidden) << "/" << to_string(c.output) << "/"
                          << to_string(c.loss) << " rel " << r.relative_error;
    EXPECT_EQ(r.slices.size(), 6u);
    EXPECT_EQ(r.slices[5].name, "layers.2.b");

    // Input gradient dJ/dX by central differences.
    net.set_input_gradient(true);
    grad();
    const MatrixD dX = net.input_gradient();
    MatrixD approx(X.rows(), X.cols());
    MatrixD Xp = X;
    for (Index i = 0; i < X.size(); ++i) {
      const double eps = 1e-7, s = Xp.data()[i];
      Xp.data()[i] = s + eps;
      net.forward(Xp);
      const double plus = net.loss(Y, false);
      Xp.data()[i] = s - eps;
      net.forward(Xp);
      const double minus = net.loss(Y, false);
      Xp.data()[i] = s;
      approx.data()[i] = (plus - minus) / (2 * eps);
    }
    const Vector<double> a = approx.reshaped(), e = dX.reshaped();
    EXPECT_LT(relative_error(a, e), 1e-6) << "input gradient " << to_string(c.hidden);
  }
}

TEST(NetworkReference, MatchesPyTorch) {
  std::ifstream in(std::string(MLP_TEST_DATA_DIR) + "/nn/torch_reference.json");
  ASSERT_TRUE(in) << "missing tests/fixtures/nn/torch_reference.json";
  const auto ref = nlohmann::json::parse(in);
  auto mat = [](const nlohmann::json& rows) {
    MatrixD m(static_cast<Index>(rows.size()), static_cast<Index>(rows[0].size()));
    for (Index i = 0; i < m.rows(); ++i)
      for (Index j = 0; j < m.cols(); ++j) m(i, j) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)].get<double>();
    return m;
  };
  int checked = 0;
  for (const auto& c : ref["cases"]) {
    const auto sizes = c["sizes"].get<std::vector<Index>>();
    ModelBuilder b(sizes[0]);
    const Activation h = parse_activation(c["hidden_activation"].get<std::string>());
    for (std::size_t k = 1; k + 1 < sizes.size(); ++k) b.hidden(sizes[k], h);
    b.output(sizes.back(), parse_activation(c["output_activation"].get<std::string>()))
        .loss(parse_loss(c["loss"].get<std::string>()))
        .leaky_slope(c["leaky_slope"].get<double>());
    Network<double> net(b.build());
    for (std::size_t k = 0; k < net.layer_count(); ++k) {
      net.W(k) = mat(c["W"][k]);
      const auto bias = c["b"][k].get<std::vector<double>>();
      for (std::size_t i = 0; i < bias.size(); ++i) net.b(k)(static_cast<Index>(i), 0) = bias[i];
    }
    const MatrixD X = mat(c["X"]), Y = mat(c["Y"]);
    net.set_input_gradient(true);
    const MatrixD A = net.forward(X);
    const double J = net.loss(Y, true);
    const std::string what = c["hidden_activation"].get<std::string>() + "/" + c["loss"].get<std::string>();
    EXPECT_LT((A - mat(c["A_out"])).cwiseAbs().maxCoeff(), 1e-12) << what;
    EXPECT_NEAR(J, c["J"].get<double>(), 1e-12 * std::max(1.0, std::abs(J))) << what;
    for (std::size_t k = 0; k < net.layer_count(); ++k) {
      EXPECT_LT((MatrixD(net.dW(k)) - mat(c["dW"][k])).cwiseAbs().maxCoeff(), 1e-12) << what << " dW" << k;
      const auto db = c["db"][k].get<std::vector<double>>();
      for (std::size_t i = 0; i < db.size(); ++i) EXPECT_NEAR(net.db(k)(static_cast<Index>(i), 0), db[i], 1e-12);
    }
    EXPECT_LT((net.input_gradient() - mat(c["dX"])).cwiseAbs().maxCoeff(), 1e-12) << what;
    ++checked;
  }
  EXPECT_EQ(checked, 20);
}

TEST(Network, FloatMatchesDoubleToSinglePrecision) {
  const auto spec = ModelBuilder(6).hidden(8, Activation::tanh).output(3, Activation::softmax)
                        .loss(Loss::cross_entropy).seed(3).build();
  Network<double> d(spec);
  Network<float> f = d.cast<float>();
  Rng rng(2);
  const MatrixD X = random_matrix(rng, 6, 5), Y = targets_for(Loss::cross_entropy, rng, 3, 5);
  d.forward(X);
  f.forward(X.cast<float>());
  const double Jd = d.loss(Y, true);
  const float Jf = f.loss(Y.cast<float>(), true);
  EXPECT_NEAR(Jf, Jd, 1e-5);
  EXPECT_LT((f.params().dtheta().cast<double>() - d.params().dtheta()).cwiseAbs().maxCoeff(), 1e-5);
}

TEST(Initializers, MomentsMatchTheirFormulas) {
  const Index n_out = 400, n_in = 300;
  struct Case {
    Init init;
    double variance;
  };
  const double he = 2.0 / n_in, glorot = 2.0 / (n_in + n_out);
  const Case cases[] = {{Init::normal, 0.05 * 0.05},
                        {Init::he_normal, he},
                        {Init::he_uniform, he},  // U(−√(6/n), √(6/n)) has variance 2/n
                        {Init::glorot_normal, glorot},
                        {Init::glorot_uniform, glorot}};
  for (const auto& c : cases) {
    MatrixD W(n_out, n_in);
    Rng rng(77);
    initialize_weights<double>(c.init, 0.05, rng, MatrixMap<double>(W.data(), n_out, n_in));
    const double mean = W.mean();
    const double var = (W.array() - mean).square().mean();
    EXPECT_NEAR(mean, 0.0, 0.02 * std::sqrt(c.variance)) << to_string(c.init);
    EXPECT_NEAR(var / c.variance, 1.0, 0.02) << to_string(c.init);
  }
  MatrixD Z(3, 3);
  Rng rng(1);
  initialize_weights<double>(Init::zeros, 0, rng, MatrixMap<double>(Z.data(), 3, 3));
  EXPECT_EQ(Z.cwiseAbs().maxCoeff(), 0.0);
}

TEST(Initializers, SeededAndReproducible) {
  const auto spec = ModelBuilder(5).hidden(4).output(2, Activation::identity).seed(123).build();
  Network<float> a(spec), b(spec);
  EXPECT_EQ(a.params().theta(), b.params().theta());
  auto other = spec;
  other.seed = 124;
  Network<float> c(other);
  EXPECT_NE(a.params().theta(), c.params().theta());
  // Biases start at zero.
  EXPECT_EQ(a.b(0).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(Network, ZeroInitializationKeepsHiddenUnitsIdentical) {
  // The symmetry problem: with W = 0 every hidden unit of a layer gets the same gradient, so
  // after any number of gradient-descent steps all units of the layer are still identical.
  const auto spec = ModelBuilder(3).hidden(4, Activation::tanh).hidden(3, Activation::tanh)
                        .output(1, Activation::sigmoid).loss(Loss::binary_cross_entropy)
                        .init(Init::zeros).build();
  Network<double> net(spec);
  // Biases zero too; nudge the output bias so gradients are not all zero at the start.
  Rng rng(4);
  const MatrixD X = random_matrix(rng, 3, 16);
  const MatrixD Y = targets_for(Loss::binary_cross_entropy, rng, 1, 16);
  net.W(1).setConstant(0.1);
  net.W(2).setConstant(0.3);
  for (int step = 0; step < 50; ++step) {
    net.forward(X);
    net.loss(Y, true);
    net.params().theta() -= 0.5 * net.params().dtheta();
  }
  for (std::size_t k = 0; k < 2; ++k) {
    const MatrixD W = net.W(k);
    for (Index i = 1; i < W.rows(); ++i) {
      EXPECT_LT((W.row(i) - W.row(0)).cwiseAbs().maxCoeff(), 1e-12) << "layer " << k << " unit " << i;
    }
  }
  // ... whereas a random initialization breaks the symmetry.
  Network<double> rnd(ModelBuilder(3).hidden(4, Activation::tanh).output(1, Activation::sigmoid)
                          .loss(Loss::binary_cross_entropy).build());
  EXPECT_GT((MatrixD(rnd.W(0)).row(1) - MatrixD(rnd.W(0)).row(0)).cwiseAbs().maxCoeff(), 1e-3);
}

TEST(Network, DeepLinearExplodesAndVanishes) {
  // L identity layers of width n with W = c·I and b = 0: A[L] = c^L·X and, for J = Σ A[L]/m with
  // dJ/dA[L] = 1/m, the gradient reaching layer k's weights scales like c^(L−1).
  const Index n = 4, L = 12;
  for (double c : {1.5, 0.5}) {
    ModelBuilder b(n);
    for (Index k = 0; k + 1 < L; ++k) b.hidden(n, Activation::identity);
    b.output(n, Activation::identity).loss(Loss::mse);
    Network<double> net(b.build());
    for (std::size_t k = 0; k < net.layer_count(); ++k) net.W(k) = c * MatrixD::Identity(n, n);
    MatrixD X = MatrixD::Ones(n, 1);
    net.forward(X);
    for (std::size_t k = 0; k < net.layer_count(); ++k) {
      EXPECT_NEAR(net.A(k)(0, 0), std::pow(c, static_cast<double>(k + 1)), 1e-9) << "c=" << c;
    }
    net.backward(MatrixD::Ones(n, 1));
    // dA[k] = c^(L−1−k)·1 → dW[k] = dZ[k]·A[k−1]ᵀ has entries c^(L−1−k)·c^k = c^(L−1).
    // The first layer's bias gradient shows the pure back-propagated factor c^(L−1).
    EXPECT_NEAR(net.db(0)(0, 0), std::pow(c, static_cast<double>(L - 1)), 1e-9);
    EXPECT_NEAR(net.db(static_cast<std::size_t>(L - 1))(0, 0), 1.0, 1e-12);
    for (std::size_t k = 0; k < net.layer_count(); ++k) {
      EXPECT_NEAR(net.db(k)(0, 0), std::pow(c, static_cast<double>(L - 1 - static_cast<Index>(k))), 1e-9);
    }
  }
}

TEST(Network, AsOneGraphNodeWithACustomLoss) {
  // J = mean((net(X) − Y)²) + 0.01·Σ|A|: a user's own loss on the network output.
  const auto spec = ModelBuilder(3).hidden(4, Activation::tanh).output(2, Activation::identity).seed(8).build();
  Network<double> net(spec);
  Rng rng(3);
  const MatrixD X = random_matrix(rng, 3, 5), Y = random_matrix(rng, 2, 5);
  Graph<double> g;
  const Var x = g.constant(X);
  const Var a = net.node(g, x);
  const Var j = g.add(g.mean(g.square(g.sub(a, g.constant(Y)))), g.scale(g.sum(g.abs(a)), 0.01));
  auto cost = [&] {
    g.forward();
    return g.value(j)(0, 0);
  };
  auto grad = [&] {
    net.params().zero_grad();
    g.forward();
    g.backward(j);
  };
  const auto r = gradient_check(net.params(), cost, grad);
  EXPECT_TRUE(r.passed) << r.relative_error;
  // Same value as the built-in mse when the extra term is dropped.
  Graph<double> g2;
  const Var a2 = net.node(g2, g2.constant(X));
  const Var j2 = loss(g2, Loss::mse, a2, g2.constant(Y));
  net.forward(X);
  EXPECT_NEAR(g2.value(j2)(0, 0), net.loss(Y, false), 1e-14);
}

TEST(Dropout, PreservesExpectationAndIsOffInEvaluation) {
  const auto spec = ModelBuilder(50).hidden(200, Activation::relu, 0.8).output(1, Activation::identity).seed(2).build();
  Network<double> net(spec);
  Rng rng(6);
  const MatrixD X = random_matrix(rng, 50, 400).cwiseAbs();
  net.forward(X, false);
  const MatrixD clean = net.A(0);
  net.forward(X, true, &rng);
  const MatrixD dropped = net.A(0);
  // About 20% of units dropped, kept ones scaled by 1/0.8, the mean preserved.
  const double zero_frac = static_cast<double>(((dropped.array() == 0) && (clean.array() != 0)).count()) /
                           static_cast<double>((clean.array() != 0).count());
  EXPECT_NEAR(zero_frac, 0.2, 0.01);
  EXPECT_NEAR(dropped.mean() / clean.mean(), 1.0, 0.02);
  // Evaluation: identical to no dropout.
  net.forward(X, false);
  EXPECT_EQ(MatrixD(net.A(0)), clean);
  EXPECT_THROW(net.forward(X, true, nullptr), ConfigError);
}

TEST(Dropout, GradientWithAFixedMaskChecks) {
  const auto spec = ModelBuilder(4).hidden(6, Activation::tanh, 0.5).output(2, Activation::softmax)
                        .loss(Loss::cross_entropy).build();
  Network<double> net(spec);
  Rng data(1);
  const MatrixD X = random_matrix(data, 4, 3), Y = targets_for(Loss::cross_entropy, data, 2, 3);
  // Re-seeding before every pass gives the same mask each time.
  auto cost = [&] {
    Rng r(99);
    net.forward(X, true, &r);
    return net.loss(Y, false);
  };
  auto grad = [&] {
    Rng r(99);
    net.forward(X, true, &r);
    net.loss(Y, true);
  };
  EXPECT_TRUE(gradient_check(net.params(), cost, grad).passed);
}

TEST(ModelSpec, BuilderAndDescriptionSayTheSame) {
  const auto built = ModelBuilder(4).hidden(16, Activation::relu, 0.9).hidden(8, Activation::leaky_relu)
                         .output(3, Activation::softmax).loss(Loss::cross_entropy)
                         .init(Init::glorot_uniform).leaky_slope(0.2).seed(5).build();
  const auto parsed = ModelSpec::from_json(R"({"inputs": 4, "layers": [
      {"units": 16, "activation": "relu", "keep_prob": 0.9},
      {"units": 8, "activation": "leaky_relu"},
      {"units": 3, "activation": "softmax"}],
    "loss": "cross_entropy", "init": "xavier_uniform", "leaky_slope": 0.2, "seed": 5})");
  EXPECT_EQ(built, parsed);
  EXPECT_EQ(ModelSpec::from_json(built.to_json()), built);
  Network<float> a(built), b(parsed);
  EXPECT_EQ(a.params().theta(), b.params().theta());
}

TEST(ModelSpec, InvalidDescriptionsAreRejectedWithTheLayerNamed) {
  auto expect_error = [](const std::function<void()>& f, const std::string& needle) {
    try {
      f();
      ADD_FAILURE() << "no error, expected: " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([] { (void)ModelBuilder(4).hidden(0).output(2, Activation::identity).build(); }, "layers.0 (hidden): units");
  expect_error([] { (void)ModelBuilder(4).hidden(3, Activation::relu, 1.5).output(2, Activation::identity).build(); }, "keep_prob must be in (0, 1]");
  expect_error([] { (void)ModelBuilder(4).hidden(3, Activation::relu, 0.0).output(2, Activation::identity).build(); }, "keep_prob");
  expect_error([] { (void)ModelBuilder(4).hidden(3, Activation::softmax).output(2, Activation::identity).build(); }, "softmax is only valid");
  expect_error([] { (void)ModelBuilder(4).output(3, Activation::relu).loss(Loss::cross_entropy).build(); }, "needs a softmax output");
  expect_error([] { (void)ModelBuilder(4).hidden(3).build(); }, "output(");
  expect_error([] { (void)ModelSpec::from_json("{\"inputs\": 2}"); }, "model description");
  expect_error([] { (void)ModelSpec::from_json("[1,2"); }, "invalid JSON");
  // Zero hidden layers is valid: logistic / softmax regression.
  EXPECT_NO_THROW((void)ModelBuilder(4).output(3, Activation::softmax).loss(Loss::cross_entropy).build());
  Network<float> net(ModelBuilder(4).output(2, Activation::identity).build());
  MatrixF bad(3, 2);
  expect_error([&] { net.forward(bad); }, "layers.0: input has 3 features, expected 4");
}

TEST(Network, PredictsProbabilitiesThatSumToOne) {
  Network<float> net(ModelBuilder(5).hidden(7).output(4, Activation::softmax).loss(Loss::cross_entropy).build());
  Rng rng(1);
  const MatrixF X = random_matrix(rng, 5, 9).cast<float>();
  const MatrixF P = net.predict(X);
  for (Index j = 0; j < P.cols(); ++j) EXPECT_NEAR(P.col(j).sum(), 1.0f, 1e-5f);
}

}  // namespace
}  // namespace mlp
