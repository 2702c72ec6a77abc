// The training loop: XOR, sin (universal approximation), L2 shrinks weights, the Armijo line
// search, early stopping on a scripted dev-cost sequence, divergence, resume = uninterrupted.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "mlp/core/error.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp {
namespace {

data::Dataset xor_data() {
  data::Dataset d;
  d.task = data::Task::classification;
  d.X.resize(2, 4);
  d.X << 0, 0, 1, 1, 0, 1, 0, 1;
  d.labels = {0, 1, 1, 0};
  d.class_names = {"0", "1"};
  d.feature_names = {"a", "b"};
  d.source = "xor";
  return d;
}

data::Dataset sin_data(Index m, double lo, double hi) {
  data::Dataset d;
  d.task = data::Task::regression;
  d.X.resize(1, m);
  d.Y.resize(1, m);
  for (Index j = 0; j < m; ++j) {
    const double x = lo + (hi - lo) * static_cast<double>(j) / static_cast<double>(m - 1);
    d.X(0, j) = static_cast<float>(x);
    d.Y(0, j) = static_cast<float>(std::sin(x));
  }
  d.feature_names = {"x"};
  d.target_names = {"y"};
  d.source = "sin";
  return d;
}

data::Dataset blobs(Index m, std::uint64_t seed) {
  // Three Gaussian classes in 4 dimensions.
  Rng rng(seed);
  data::Dataset d;
  d.task = data::Task::classification;
  d.X.resize(4, m);
  d.class_names = {"a", "b", "c"};
  d.feature_names = {"f0", "f1", "f2", "f3"};
  d.source = "blobs";
  for (Index j = 0; j < m; ++j) {
    const auto c = static_cast<std::int32_t>(rng.below(3));
    d.labels.push_back(c);
    for (Index i = 0; i < 4; ++i) d.X(i, j) = static_cast<float>(rng.normal() + (i == c ? 2.0 : 0.0));
  }
  return d;
}

TEST(Train, LearnsXorWithATwoTwoOneNetwork) {
  const auto spec = ModelBuilder(2).hidden(2, Activation::tanh).output(1, Activation::sigmoid)
                        .loss(Loss::binary_cross_entropy).init(Init::glorot_normal).seed(3).build();
  Network<float> net(spec);
  TrainOptions o;
  o.epochs = 2000;
  o.batch_size = 4;
  o.learning_rate = 0.05;
  o.optimizer.name = "adam";
  o.monitor_gradients = false;
  const auto d = xor_data();
  Trainer t(net, o);
  const auto r = t.fit(d, nullptr);
  EXPECT_EQ(r.epochs_run, 2000u);
  const auto m = evaluate(net, d);
  EXPECT_EQ(*m.accuracy, 1.0);
  EXPECT_LT(m.loss, 0.05);
}

TEST(Train, OneHiddenLayerApproximatesSin) {
  const auto spec = ModelBuilder(1).hidden(32, Activation::tanh).output(1, Activation::identity)
                        .loss(Loss::mse).init(Init::glorot_normal).seed(1).build();
  Network<float> net(spec);
  TrainOptions o;
  o.epochs = 600;
  o.batch_size = 32;
  o.learning_rate = 0.01;
  o.monitor_gradients = false;
  const double pi = std::numbers::pi;
  const auto train = sin_data(256, -pi, pi);
  const auto dev = sin_data(101, -pi, pi);
  Trainer t(net, o);
  t.fit(train, &dev);
  const auto m = evaluate(net, dev);
  EXPECT_LT(*m.rmse, 0.02);  // max |sin| = 1
  EXPECT_GT(*m.r2, 0.999);
}

TEST(Train, L2EndsWithSmallerWeights) {
  const auto d = blobs(300, 4);
  const auto spec = ModelBuilder(4).hidden(16).output(3, Activation::softmax).loss(Loss::cross_entropy).seed(2).build();
  auto norm_after = [&](double l2) {
    Network<float> net(spec);
    TrainOptions o;
    o.epochs = 40;
    o.batch_size = 32;
    o.learning_rate = 0.01;
    o.l2 = l2;
    Trainer(net, o).fit(d, nullptr);
    double s = 0;
    for (std::size_t k = 0; k < net.layer_count(); ++k) s += net.W(k).squaredNorm();
    return std::sqrt(s);
  };
  const double plain = norm_after(0.0), penalized = norm_after(50.0);
  EXPECT_LT(penalized, 0.8 * plain) << plain << " vs " << penalized;
}

/// Records the objective of every batch.
struct Recorder : Callback {
  std::vector<double> costs;
  std::uint64_t stop_after = 0;
  bool on_batch_end(const BatchInfo& b) override {
    costs.push_back(b.cost);
    return stop_after == 0 || costs.size() < stop_after;
  }
};

TEST(Train, LineSearchDecreasesTheCostAtEveryStep) {
  const auto d = blobs(120, 5);
  Network<float> net(ModelBuilder(4).hidden(8, Activation::tanh).output(3, Activation::softmax)
                         .loss(Loss::cross_entropy).seed(4).build());
  TrainOptions o;
  o.optimizer.name = "gd";
  o.line_search = true;
  o.batch_size = 120;
  o.learning_rate = 4.0;  // deliberately too large: the search must backtrack
  o.epochs = 30;
  Recorder rec;
  Trainer(net, o).fit(d, nullptr, {&rec});
  ASSERT_EQ(rec.costs.size(), 30u);
  for (std::size_t i = 1; i < rec.costs.size(); ++i) EXPECT_LT(rec.costs[i], rec.costs[i - 1]) << i;

  // Armijo at one step, checked from outside: J(θ − t g) <= J(θ) − 1e-4·t·‖g‖².
  o.epochs = 1;
  Network<float> n2(net.spec());
  Network<float> before = n2;
  const auto batch = d.X;
  Matrix<float> Y;
  std::vector<Index> all(120);
  for (Index i = 0; i < 120; ++i) all[static_cast<std::size_t>(i)] = i;
  fill_targets(n2.spec(), d, all, Y);
  before.forward(batch);
  const double J0 = before.loss(Y, true);
  const double g2 = before.params().dtheta().squaredNorm();
  Trainer(n2, o).fit(d, nullptr);
  const Vector<float> step = before.params().theta() - n2.params().theta();
  // θ moved along −g by some t > 0.
  const double t = step.dot(before.params().dtheta()) / g2;
  EXPECT_GT(t, 0.0);
  EXPECT_LT((step - static_cast<float>(t) * before.params().dtheta()).norm(), 1e-4 * step.norm() + 1e-7);
  n2.forward(batch);
  EXPECT_LE(n2.loss(Y, false), J0 - 1e-4 * t * g2 + 1e-6);
}

TEST(Train, LineSearchNeedsFullBatchGd) {
  Network<float> net(ModelBuilder(4).output(3, Activation::softmax).loss(Loss::cross_entropy).build());
  TrainOptions o;
  o.line_search = true;
  o.optimizer.name = "adam";
  EXPECT_THROW(Trainer(net, o), ConfigError);
  o.optimizer.name = "gd";
  o.batch_size = 10;
  Trainer t(net, o);
  EXPECT_THROW(t.fit(blobs(50, 1), nullptr), ConfigError);
}

/// m copies of one example of class 1 (of 3): every shuffle of the training set is the same batch.
data::Dataset copies(Index m) {
  data::Dataset d;
  d.task = data::Task::classification;
  d.X.resize(3, m);
  for (Index j = 0; j < m; ++j) d.X.col(j) << 0.5f, -1.0f, 2.0f;
  d.labels.assign(static_cast<std::size_t>(m), 1);
  d.class_names = {"a", "b", "c"};
  d.feature_names = {"f0", "f1", "f2"};
  d.source = "copies";
  return d;
}

TEST(Train, LineSearchWithDropoutComparesCostsOfTheGradientsMasks) {
  const Index m = 30;
  const auto d = copies(m);
  const auto spec = ModelBuilder(3).hidden(10, Activation::relu, 0.5).output(3, Activation::softmax)
                        .loss(Loss::cross_entropy).seed(2).build();
  TrainOptions o;
  o.optimizer.name = "gd";
  o.batch_size = m;
  o.learning_rate = 0.01;
  o.epochs = 1;
  Network<float> net(spec);
  Trainer first(net, o);  // one plain step: a generator state to draw epoch 2's masks from
  first.fit(d, nullptr);
  const TrainerState after_one = first.state();
  const Vector<float> theta1 = net.params().theta();
  // Epoch 2's step, from θ1, with the masks drawn from the generator state after epoch 1.
  o.line_search = true;
  o.learning_rate = 1e6;  // far too long (J0 − c·t·‖g‖² < 0): the search backtracks
  o.epochs = 2;
  Trainer second(net, o);
  second.restore(after_one);
  Recorder rec;
  second.fit(d, nullptr, {&rec});
  ASSERT_EQ(rec.costs.size(), 1u);

  // Independently: J0 and g at θ1 with those masks, then the costs the search compared.
  std::vector<Index> all(static_cast<std::size_t>(m));
  for (Index i = 0; i < m; ++i) all[static_cast<std::size_t>(i)] = i;
  Matrix<float> Y;
  fill_targets(spec, d, all, Y);
  const auto cost_with_masks = [&](const Vector<float>& theta, bool gradient, Vector<float>* g) {
    Network<float> ref(spec);
    ref.params().theta() = theta;
    Rng rng(0);
    rng.set_state(after_one.dropout_rng);
    ref.forward(d.X, true, &rng);
    const double J = ref.loss(Y, gradient);
    if (g) *g = ref.params().dtheta();
    return J;
  };
  Vector<float> g;
  const double J0 = cost_with_masks(theta1, true, &g);
  EXPECT_NEAR(rec.costs[0], J0, 1e-6 * std::abs(J0));
  const double g2 = g.squaredNorm();
  const Vector<float> step = theta1 - net.params().theta();
  ASSERT_GT(step.norm(), 0.0f);
  // t = t0·2^-k after k >= 1 backtracking steps
  const double k = std::round(std::log2(o.learning_rate * g2 / step.dot(g)));
  ASSERT_GE(k, 1.0);
  const double t = o.learning_rate * std::exp2(-k);
  EXPECT_LT((step - static_cast<float>(t) * g).norm(), 1e-5f * step.norm());
  // Armijo holds at the accepted t and failed at 2t, on the gradient's masks.
  EXPECT_LE(cost_with_masks(net.params().theta(), false, nullptr), J0 - 1e-4 * t * g2 + 1e-6);
  const Vector<float> rejected = theta1 - static_cast<float>(2 * t) * g;
  const double J_rejected = cost_with_masks(rejected, false, nullptr);
  if (std::isfinite(J_rejected)) EXPECT_GT(J_rejected, J0 - 1e-4 * 2 * t * g2);
}

TEST(Train, LineSearchDrawsOneSetOfDropoutMasksPerStep) {
  // The trial steps reuse the gradient's masks: the generator advances as without a line search.
  const auto d = blobs(60, 8);
  const auto spec = ModelBuilder(4).hidden(8, Activation::relu, 0.7).output(3, Activation::softmax)
                        .loss(Loss::cross_entropy).seed(3).build();
  TrainOptions o;
  o.optimizer.name = "gd";
  o.batch_size = 60;
  o.learning_rate = 8.0;
  o.epochs = 3;
  Network<float> plain(spec), searched(spec);
  Trainer without(plain, o);
  without.fit(d, nullptr);
  o.line_search = true;
  Trainer with(searched, o);
  with.fit(d, nullptr);
  EXPECT_NE(plain.params().theta(), searched.params().theta());  // the search did change the steps
  EXPECT_EQ(with.state().dropout_rng.s, without.state().dropout_rng.s);
}

TEST(Metrics, EncodeTargetsOneHotBinaryAndRegression) {
  const auto softmax = ModelBuilder(2).output(3, Activation::softmax).loss(Loss::cross_entropy).build();
  const auto sigmoid = ModelBuilder(2).output(1, Activation::sigmoid).loss(Loss::binary_cross_entropy).build();
  const auto linear = ModelBuilder(2).output(2, Activation::identity).loss(Loss::mse).build();
  const std::vector<std::int32_t> labels = {2, 0, 1, 0};
  Matrix<float> Y;
  encode_targets(softmax, data::Task::classification, labels, nullptr, 4, Y);
  Matrix<float> expected(3, 4);
  expected << 0, 1, 0, 1,
              0, 0, 1, 0,
              1, 0, 0, 0;
  EXPECT_EQ(Y, expected);
  encode_targets(sigmoid, data::Task::classification, labels, nullptr, 4, Y);
  EXPECT_EQ(Y, (Matrix<float>(1, 4) << 1, 0, 1, 0).finished());
  const Matrix<float> R = (Matrix<float>(2, 4) << 1, 2, 3, 4, 5, 6, 7, 8).finished();
  const ConstMatrixMap<float> view(R.data(), 2, 4);
  encode_targets(linear, data::Task::regression, {}, &view, 4, Y);
  EXPECT_EQ(Y, R);
}

TEST(Metrics, CheckDataFitsNamesTheRoleAndTheMismatch) {
  Network<float> net(ModelBuilder(4).output(3, Activation::softmax).loss(Loss::cross_entropy).build());
  EXPECT_NO_THROW(check_data_fits(net, blobs(10, 1), "dev"));
  try {
    check_data_fits(net, xor_data(), "dev");
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("dev data xor: 2 features, but the model expects 4"),
              std::string::npos) << e.what();
  }
}

TEST(EarlyStopping, ScriptedDevCostsStopAtTheRightEpochAndKeepTheBest) {
  EarlyStoppingOptions o;
  o.enabled = true;
  o.patience = 3;
  o.min_delta = 0.01;
  TrainerState st;
  EarlyStopping es(o, st);
  const double costs[] = {1.0, 0.8, 0.7, 0.695, 0.75, 0.71, 0.9};
  std::uint64_t stopped_at = 0;
  for (std::uint64_t e = 1; e <= 7; ++e) {
    Vector<float> theta = Vector<float>::Constant(2, static_cast<float>(e));
    if (es.observe(e, costs[e - 1], theta)) {
      stopped_at = e;
      break;
    }
  }
  // Epoch 3 is the best (0.695 is not 0.01 better); epochs 4, 5, 6 bring nothing: stop at 6.
  EXPECT_EQ(stopped_at, 6u);
  EXPECT_EQ(st.best_epoch, 3u);
  EXPECT_EQ(st.best_theta(0), 3.0f);
}

TEST(EarlyStopping, RestoresTheBestWeightsInTraining) {
  // Tiny train set, noisy dev set, big network: dev cost rises soon; early stopping restores.
  const auto train = blobs(30, 7), dev = blobs(300, 8);
  Network<float> net(ModelBuilder(4).hidden(64).hidden(64).output(3, Activation::softmax)
                         .loss(Loss::cross_entropy).seed(5).build());
  TrainOptions o;
  o.epochs = 300;
  o.batch_size = 8;
  o.learning_rate = 0.01;
  o.early_stopping.enabled = true;
  o.early_stopping.patience = 5;
  Trainer t(net, o);
  const auto r = t.fit(train, &dev);
  EXPECT_EQ(r.reason, StopReason::early_stopping);
  EXPECT_LT(r.epochs_run, 300u);
  EXPECT_EQ(r.epochs_run, r.best_epoch + 5);
  const double best = r.history[r.best_epoch - 1].dev->loss;
  EXPECT_NEAR(evaluate(net, dev).loss, best, 1e-6);
}

TEST(Train, DivergenceStopsAtTheFirstNonFiniteCost) {
  const auto d = sin_data(64, -3, 3);
  Network<float> net(ModelBuilder(1).hidden(16, Activation::relu).hidden(16, Activation::relu)
                         .output(1, Activation::identity).loss(Loss::mse).build());
  TrainOptions o;
  o.optimizer.name = "gd";
  o.learning_rate = 1e3;
  o.batch_size = 8;
  o.epochs = 50;
  Trainer t(net, o);
  try {
    t.fit(d, nullptr);
    FAIL() << "expected divergence";
  } catch (const NumericError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("at epoch 1 batch"), std::string::npos) << msg;
    EXPECT_NE(msg.find("first non-finite: layers."), std::string::npos) << msg;
  }
  EXPECT_TRUE(net.params().theta().allFinite());
}

TEST(Train, ResumingEqualsAnUninterruptedRun) {
  const auto train = blobs(200, 9), dev = blobs(60, 10);
  const auto spec = ModelBuilder(4).hidden(12, Activation::relu, 0.8).output(3, Activation::softmax)
                        .loss(Loss::cross_entropy).seed(6).build();
  TrainOptions o;
  o.epochs = 6;
  o.batch_size = 16;
  o.learning_rate = 0.01;
  o.schedule.kind = optim::ScheduleKind::exponential;
  o.schedule.gamma = 0.9;
  Network<float> whole(spec);
  Trainer(whole, o).fit(train, &dev);

  // Stop in the middle of epoch 3 (batch 5), save, continue in a fresh trainer + network.
  Network<float> first(spec);
  Trainer t1(first, o);
  Recorder rec;
  rec.stop_after = 2 * 13 + 5;
  const auto r1 = t1.fit(train, &dev, {&rec});
  EXPECT_EQ(r1.reason, StopReason::callback);
  const TrainerState saved = t1.state();
  EXPECT_EQ(saved.epoch, 2u);
  EXPECT_EQ(saved.batch, 5u);
  Network<float> second(spec);
  second.params().theta() = first.params().theta();
  Trainer t2(second, o);
  t2.restore(saved);
  const auto r2 = t2.fit(train, &dev);
  EXPECT_EQ(r2.epochs_run, 6u);
  EXPECT_EQ(second.params().theta(), whole.params().theta());  // bit-identical
}

TEST(Train, ShapeMismatchNamesTheProblem) {
  Network<float> net(ModelBuilder(4).output(2, Activation::softmax).loss(Loss::cross_entropy).build());
  TrainOptions o;
  Trainer t(net, o);
  try {
    t.fit(blobs(20, 1), nullptr);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("3 classes"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mlp

namespace mlp {
namespace {

TEST(Train, DetectAnomalyNamesTheFirstNonFiniteTensor) {
  const auto d = blobs(40, 3);
  Network<float> net(ModelBuilder(4).hidden(6).hidden(5).output(3, Activation::softmax).loss(Loss::cross_entropy).build());
  net.W(1)(2, 3) = std::numeric_limits<float>::quiet_NaN();  // injected
  TrainOptions o;
  o.detect_anomaly = true;
  o.epochs = 1;
  try {
    Trainer(net, o).fit(d, nullptr);
    FAIL();
  } catch (const NumericError& e) {
    EXPECT_NE(std::string(e.what()).find("anomaly at epoch 1 batch 1: first non-finite tensor: layers.1.W (weights)"),
              std::string::npos) << e.what();
  }
  // Without the weights' fault: a NaN input shows up in the first layer's Z.
  Network<float> clean(net.spec());
  data::Dataset bad = d;
  bad.X(1, 0) = std::numeric_limits<float>::infinity();
  try {
    Trainer(clean, o).fit(bad, nullptr);
    FAIL();
  } catch (const NumericError& e) {
    EXPECT_NE(std::string(e.what()).find("layers.0 (Z)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mlp
