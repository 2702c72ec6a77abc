// What EpochMetrics::train measures (TrainCost): the running mean of the epoch's batches by
// default, the exact pass over the training set on request; either way the model is the same.
#include <gtest/gtest.h>

#include <cmath>

#include "mlp/core/error.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp {
namespace {

data::Dataset blobs(Index m, std::uint64_t seed) {
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

data::Dataset wave(Index m) {
  data::Dataset d;
  d.task = data::Task::regression;
  d.X.resize(1, m);
  d.Y.resize(1, m);
  for (Index j = 0; j < m; ++j) {
    const double x = -3.0 + 6.0 * static_cast<double>(j) / static_cast<double>(m - 1);
    d.X(0, j) = static_cast<float>(x);
    d.Y(0, j) = static_cast<float>(std::sin(x) + 0.5 * x);
  }
  d.feature_names = {"x"};
  d.target_names = {"y"};
  d.source = "wave";
  return d;
}

TrainResult train(Network<float>& net, const data::Dataset& d, TrainCost cost, Index batch,
                  const data::Standardizer* targets = nullptr) {
  TrainOptions o;
  o.epochs = 5;
  o.batch_size = batch;
  o.learning_rate = 0.05;
  o.l2 = 0.5;  // penalties are not part of the train metrics, in either mode
  o.train_cost = cost;
  return Trainer(net, o).fit(d, nullptr, {}, targets);
}

TEST(TrainCost, RunningMeanIsTheDefault) {
  EXPECT_EQ(TrainOptions{}.train_cost, TrainCost::running_mean);
  EXPECT_EQ(parse_train_cost("exact"), TrainCost::exact);
  EXPECT_EQ(to_string(TrainCost::running_mean), "running_mean");
  EXPECT_THROW((void)parse_train_cost("mean"), ConfigError);
}

// With one batch per epoch and no dropout, the running mean of epoch e is the exact cost at the
// start of epoch e, which the exact pass reported at the end of epoch e − 1.
TEST(TrainCost, AFullBatchRunningMeanIsTheExactCostBeforeTheEpochsUpdate) {
  const auto d = blobs(120, 5);
  const auto spec = ModelBuilder(4).hidden(8).output(3, Activation::softmax).loss(Loss::cross_entropy).seed(4).build();
  Network<float> a(spec), b(spec);
  const auto running = train(a, d, TrainCost::running_mean, 120);
  const auto exact = train(b, d, TrainCost::exact, 120);
  EXPECT_EQ(a.params().theta(), b.params().theta());  // only the report differs
  ASSERT_EQ(running.history.size(), 5u);
  for (std::size_t e = 1; e < 5; ++e) {
    EXPECT_EQ(running.history[e].train_cost, TrainCost::running_mean);
    EXPECT_EQ(exact.history[e - 1].train_cost, TrainCost::exact);
    EXPECT_NEAR(running.history[e].train.loss, exact.history[e - 1].train.loss, 1e-5) << "epoch " << e + 1;
    EXPECT_EQ(*running.history[e].train.accuracy, *exact.history[e - 1].train.accuracy) << "epoch " << e + 1;
    EXPECT_TRUE(running.history[e].train.confusion.empty());
    EXPECT_LT(running.history[e].train.loss, running.history[e].objective);  // objective adds the L2 term
  }
}

TEST(TrainCost, RegressionRunningMetricsInOriginalUnits) {
  auto d = wave(64);
  data::Standardizer targets;
  targets.fit(d.Y);
  targets.transform(d.Y);
  const auto spec = ModelBuilder(1).hidden(8, Activation::tanh).output(1, Activation::identity).loss(Loss::mse).seed(2).build();
  Network<float> a(spec), b(spec);
  const auto running = train(a, d, TrainCost::running_mean, 64, &targets);
  const auto exact = train(b, d, TrainCost::exact, 64, &targets);
  for (std::size_t e = 1; e < 5; ++e) {
    const Metrics& r = running.history[e].train;
    const Metrics& x = exact.history[e - 1].train;
    EXPECT_NEAR(r.loss, x.loss, 1e-5);
    EXPECT_NEAR(*r.rmse, *x.rmse, 1e-5);
    EXPECT_NEAR(*r.mae, *x.mae, 1e-5);
    EXPECT_NEAR(*r.r2, *x.r2, 1e-5);
  }
}

TEST(TrainCost, TheRunningMeanWeighsBatchesBySize) {
  MetricsSums s;
  Matrix<float> A(1, 3);
  A << 0.9f, 0.2f, 0.7f;
  const std::vector<std::int32_t> first{1, 0, 0};
  s.add_classification(A, first, 1.0);                      // 2 of 3 right, J = 1
  Matrix<float> B(1, 1);
  B << 0.1f;
  s.add_classification(B, std::vector<std::int32_t>{1}, 5.0);  // 0 of 1 right, J = 5
  const Metrics m = s.metrics(true, 0, 0.0);
  EXPECT_DOUBLE_EQ(m.loss, (3 * 1.0 + 1 * 5.0) / 4.0);  // not (1 + 5) / 2
  EXPECT_DOUBLE_EQ(*m.accuracy, 0.5);
}

/// Stops after `stop_after` batches.
struct StopAfter : Callback {
  std::uint64_t left;
  explicit StopAfter(std::uint64_t n) : left(n) {}
  bool on_batch_end(const BatchInfo&) override { return --left > 0; }
};

TEST(TrainCost, AResumeInsideAnEpochKeepsItsRunningSums) {
  const auto d = blobs(100, 8);
  const auto spec = ModelBuilder(4).hidden(6, Activation::relu, 0.8).output(3, Activation::softmax).loss(Loss::cross_entropy).seed(7).build();
  TrainOptions o;
  o.epochs = 3;
  o.batch_size = 16;  // 7 batches, the last of 4 examples
  o.learning_rate = 0.01;
  Network<float> whole(spec);
  const auto ref = Trainer(whole, o).fit(d, nullptr);

  Network<float> first(spec);
  Trainer t1(first, o);
  StopAfter stop(7 + 3);  // inside epoch 2
  (void)t1.fit(d, nullptr, {&stop});
  const TrainerState saved = t1.state();
  EXPECT_EQ(saved.epoch_train_sums.examples, 48.0);
  Network<float> second(spec);
  second.params().theta() = first.params().theta();
  Trainer t2(second, o);
  t2.restore(saved);
  const auto rest = t2.fit(d, nullptr);
  ASSERT_EQ(rest.history.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(rest.history[e].train.loss, ref.history[e].train.loss) << "epoch " << e + 1;
    EXPECT_EQ(*rest.history[e].train.accuracy, *ref.history[e].train.accuracy) << "epoch " << e + 1;
  }
}

}  // namespace
}  // namespace mlp
