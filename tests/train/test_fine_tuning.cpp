// Early stopping on a chosen metric (train/monitor.hpp), warm start and frozen slices
// (train/fine_tune.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "mlp/core/error.hpp"
#include "mlp/train/checkpoint.hpp"
#include "mlp/train/fine_tune.hpp"
#include "mlp/train/monitor.hpp"
#include "mlp/train/scores.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp {
namespace {

data::Dataset blobs(Index m, std::uint64_t seed, double shift = 1.0) {
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
    for (Index i = 0; i < 4; ++i) d.X(i, j) = static_cast<float>(rng.normal() + (i == c ? shift : 0.0));
  }
  return d;
}

ModelSpec blob_spec(std::uint64_t seed = 2) {
  return ModelBuilder(4).hidden(16).output(3, Activation::softmax).loss(Loss::cross_entropy).seed(seed).build();
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- the monitor table and EarlyStopping ----------------------------------------------------

TEST(Monitor, TableNamesDirectionsAndTasks) {
  EXPECT_EQ(monitor_names().front(), "dev_cost");
  EXPECT_FALSE(find_monitor("dev_cost").maximize);
  EXPECT_TRUE(find_monitor("dev_accuracy").maximize);
  EXPECT_TRUE(find_monitor("dev_f1").maximize);
  EXPECT_FALSE(find_monitor("dev_rmse").maximize);
  EXPECT_FALSE(find_monitor("dev_mae").maximize);
  EXPECT_TRUE(find_monitor("dev_r2").maximize);
  const std::string unknown = message_of([] { (void)find_monitor("dev_auc"); });
  EXPECT_NE(unknown.find("\"dev_auc\""), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("classification: dev_cost, dev_accuracy, dev_f1"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("regression: dev_cost, dev_rmse, dev_mae, dev_r2"), std::string::npos) << unknown;
  const std::string wrong_task = message_of([] { check_monitor_fits("dev_accuracy", data::Task::regression); });
  EXPECT_NE(wrong_task.find("is a classification metric, but the task is regression"), std::string::npos) << wrong_task;
  EXPECT_THROW(check_monitor_fits("dev_r2", data::Task::classification), ConfigError);
  EXPECT_NO_THROW(check_monitor_fits("dev_cost", data::Task::regression));
}

TEST(Monitor, MacroF1MatchesScikitLearn) {
  // f1_score(y_true, y_pred, labels=[0, 1, 2], average="macro", zero_division=0) of the
  // examples of this confusion matrix (class 2 never occurs nor is predicted): 0.4564102564102564.
  const std::vector<std::vector<std::int64_t>> C{{5, 1, 0}, {2, 3, 1}, {0, 0, 0}};
  EXPECT_NEAR(macro_f1(C), 0.4564102564102564, 1e-15);
  EXPECT_EQ(macro_f1({}), 0.0);
}

TEST(Monitor, DevF1IsTheMacroF1OfTheDetailedScores) {
  const auto train = blobs(200, 1), dev = blobs(90, 2);
  Network<float> net(blob_spec());
  TrainOptions o;
  o.epochs = 2;
  o.learning_rate = 0.01;
  o.optimizer.name = "adam";
  Trainer(net, o).fit(train, &dev);
  const Metrics m = evaluate(net, dev);
  const Scores s = evaluate_scores(net, dev);
  EXPECT_NEAR(monitored_value("dev_f1", m), s.classification->macro.f1, 1e-12);
  EXPECT_EQ(monitored_value("dev_accuracy", m), *m.accuracy);
  EXPECT_EQ(monitored_value("dev_cost", m), m.loss);
  EXPECT_THROW((void)monitored_value("dev_rmse", m), ConfigError);
}

TEST(EarlyStoppingMonitor, MaximizingNeedsMoreThanMinDeltaAndCountsPatience) {
  EarlyStoppingOptions o;
  o.enabled = true;
  o.monitor = "dev_accuracy";
  o.min_delta = 0.01;
  o.patience = 2;
  TrainerState st;
  EarlyStopping es(o, st);
  const Vector<float> theta = Vector<float>::Zero(2);
  EXPECT_FALSE(es.observe(1, 0.50, theta));  // first: best
  EXPECT_FALSE(es.observe(2, 0.60, theta));  // 0.60 > 0.50 + 0.01: better
  EXPECT_EQ(st.best_epoch, 2u);
  EXPECT_FALSE(es.observe(3, 0.605, theta));  // not > 0.61
  EXPECT_EQ(st.bad_epochs, 1u);
  EXPECT_TRUE(es.observe(4, 0.61, theta));  // equal to best + min_delta: no improvement; patience 2
  EXPECT_EQ(st.best_epoch, 2u);
  EXPECT_EQ(*st.best_dev, 0.60);
  EXPECT_EQ(st.monitor, "dev_accuracy");
}

TEST(EarlyStoppingMonitor, MinimizingNeedsMoreThanMinDeltaAndResetsPatience) {
  EarlyStoppingOptions o;
  o.enabled = true;
  o.monitor = "dev_rmse";
  o.min_delta = 0.01;
  o.patience = 2;
  TrainerState st;
  EarlyStopping es(o, st);
  const Vector<float> theta = Vector<float>::Zero(2);
  EXPECT_FALSE(es.observe(1, 1.00, theta));
  EXPECT_FALSE(es.observe(2, 0.95, theta));   // < 0.99: better
  EXPECT_FALSE(es.observe(3, 0.945, theta));  // not < 0.94
  EXPECT_EQ(st.bad_epochs, 1u);
  EXPECT_FALSE(es.observe(4, 0.90, theta));   // better again: the count starts over
  EXPECT_EQ(st.bad_epochs, 0u);
  EXPECT_FALSE(es.observe(5, 2.0, theta));    // a higher RMSE is worse
  EXPECT_TRUE(es.observe(6, 0.895, theta));   // not < 0.89: second bad epoch in a row
  EXPECT_EQ(st.best_epoch, 4u);
}

// The epoch whose value is best in the metric's direction, the first of equals: the oracle.
std::uint64_t best_in(const std::vector<EpochMetrics>& h, const char* name) {
  const MonitorMetric& m = find_monitor(name);
  std::uint64_t best = 0;
  double value = 0;
  for (const auto& e : h) {
    const double v = monitored_value(name, *e.dev);
    if (best == 0 || (m.maximize ? v > value : v < value)) {
      best = e.epoch;
      value = v;
    }
  }
  return best;
}

TEST(EarlyStoppingMonitor, DevAccuracyPicksAnotherEpochThanDevCostAndRestoresIt) {
  // Well separated blobs: dev accuracy reaches its best early while the dev cost keeps falling.
  const auto train = blobs(240, 11, 3.0), dev = blobs(120, 12, 3.0);
  auto run = [&](const char* monitor, Vector<float>* final_theta) {
    Network<float> net(blob_spec(5));
    TrainOptions o;
    o.epochs = 30;
    o.batch_size = 32;
    o.learning_rate = 0.003;
    o.optimizer.name = "adam";
    o.early_stopping.enabled = true;
    o.early_stopping.patience = 1000;  // never stops: only the choice of the best epoch differs
    o.early_stopping.monitor = monitor;
    const TrainResult r = Trainer(net, o).fit(train, &dev);
    *final_theta = net.params().theta();
    const Metrics restored = evaluate(net, dev);
    EXPECT_EQ(restored.accuracy, r.history.at(r.best_epoch - 1).dev->accuracy) << monitor;
    EXPECT_NEAR(restored.loss, r.history.at(r.best_epoch - 1).dev->loss, 1e-6) << monitor;
    return r;
  };
  Vector<float> theta_cost, theta_accuracy;
  const TrainResult by_cost = run("dev_cost", &theta_cost);
  const TrainResult by_accuracy = run("dev_accuracy", &theta_accuracy);
  EXPECT_EQ(by_cost.best_epoch, best_in(by_cost.history, "dev_cost"));
  EXPECT_EQ(by_accuracy.best_epoch, best_in(by_accuracy.history, "dev_accuracy"));
  EXPECT_LT(by_accuracy.best_epoch, by_cost.best_epoch);
  EXPECT_NE(theta_cost, theta_accuracy);
}

TEST(EarlyStoppingMonitor, AMetricOfTheOtherTaskIsAConfigError) {
  const auto train = blobs(60, 1), dev = blobs(30, 2);
  Network<float> net(blob_spec());
  TrainOptions o;
  o.epochs = 1;
  o.early_stopping.monitor = "dev_r2";
  Trainer t(net, o);
  const std::string msg = message_of([&] { t.fit(train, &dev); });
  EXPECT_NE(msg.find("train.early_stopping.monitor = \"dev_r2\" is a regression metric"), std::string::npos) << msg;
  o.early_stopping.monitor = "dev_auc";
  EXPECT_THROW(Trainer(net, o), ConfigError);
}

TEST(EarlyStoppingMonitor, CheckpointKeepsTheMonitorAndItsBestValue) {
  const auto train = blobs(90, 1), dev = blobs(45, 2);
  const ModelSpec spec = blob_spec();
  Network<float> net(spec);
  TrainOptions o;
  o.epochs = 3;
  o.early_stopping.enabled = true;
  o.early_stopping.monitor = "dev_f1";
  Trainer t(net, o);
  t.fit(train, &dev);
  const auto path = std::filesystem::temp_directory_path() / "mlp_monitor_ckpt.mlpck";
  Preprocessing pre;
  pre.task = data::Task::classification;
  pre.class_names = {"a", "b", "c"};
  save_checkpoint(path, Model(net, pre), t.state(), {"layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"});
  Checkpoint ck = load_checkpoint(path);
  std::filesystem::remove(path);
  EXPECT_EQ(ck.state.monitor, "dev_f1");
  EXPECT_EQ(ck.state.best_dev, t.state().best_dev);
  EXPECT_EQ(ck.state.best_epoch, t.state().best_epoch);
  // Resumed under another metric, the kept best value would be compared with the wrong numbers.
  o.epochs = 4;
  o.early_stopping.monitor = "dev_accuracy";
  Trainer other(net, o);
  other.restore(ck.state);
  const std::string msg = message_of([&] { other.fit(train, &dev); });
  EXPECT_NE(msg.find("kept the best dev_f1"), std::string::npos) << msg;
}

// ---- warm start and frozen slices ---------------------------------------------------------------

TEST(WarmStart, CopiesTheWeightsBitForBitAndNamesTheFirstArchitectureDifference) {
  Network<float> saved(blob_spec(1));
  Network<float> net(blob_spec(2));
  ASSERT_NE(net.params().theta(), saved.params().theta());
  warm_start(net, saved, "base/model.mlp");
  EXPECT_EQ(net.params().theta(), saved.params().theta());

  const auto wider = ModelBuilder(4).hidden(32).output(3, Activation::softmax).loss(Loss::cross_entropy).build();
  Network<float> w(wider);
  const std::string units = message_of([&] { warm_start(w, saved, "base/model.mlp"); });
  EXPECT_NE(units.find("base/model.mlp: the saved network does not fit the configured one: layer 0 (layers.0): 32 "
                       "units in the configuration, 16 in the saved model"), std::string::npos) << units;
  const auto tanh = ModelBuilder(4).hidden(16, Activation::tanh).output(3, Activation::softmax).loss(Loss::cross_entropy).build();
  EXPECT_NE(architecture_difference(tanh, blob_spec()).find("layer 0 (layers.0): activation tanh in the configuration, relu"),
            std::string::npos);
  const auto five = ModelBuilder(5).hidden(16).output(3, Activation::softmax).loss(Loss::cross_entropy).build();
  EXPECT_NE(architecture_difference(five, blob_spec()).find("input size: 5 features"), std::string::npos);
  const auto deeper = ModelBuilder(4).hidden(16).hidden(16).output(3, Activation::softmax).loss(Loss::cross_entropy).build();
  EXPECT_NE(architecture_difference(deeper, blob_spec()).find("number of layers: 3"), std::string::npos);
  EXPECT_EQ(architecture_difference(blob_spec(7), blob_spec(8)), "");  // the seed is no architecture
}

TEST(WarmStart, ZeroLearningRateKeepsTheSavedWeightsAndContinuingImproves) {
  const auto train = blobs(240, 21), dev = blobs(120, 22);
  Network<float> base(blob_spec(3));
  TrainOptions o;
  o.epochs = 3;
  o.learning_rate = 0.003;
  o.optimizer.name = "adam";
  Trainer(base, o).fit(train, &dev);
  const double base_cost = evaluate(base, dev).loss;

  Network<float> same(blob_spec(9));
  warm_start(same, base, "base");
  TrainOptions sgd;
  sgd.epochs = 1;
  sgd.learning_rate = 1e-300;  // > 0 as required, a step of exactly 0 in float
  sgd.optimizer.name = "gd";
  Trainer(same, sgd).fit(train, &dev);
  EXPECT_EQ(same.params().theta(), base.params().theta());

  Network<float> continued(blob_spec(9));
  warm_start(continued, base, "base");
  Trainer(continued, o).fit(train, &dev);
  EXPECT_LT(evaluate(continued, dev).loss, base_cost);
}

TEST(Freeze, FrozenSlicesStayBitIdenticalWithPenaltiesAndWeightDecay) {
  const auto train = blobs(120, 31), dev = blobs(60, 32);
  Network<float> net(blob_spec(4));
  const Parameters<float> before = net.params();
  TrainOptions o;
  o.epochs = 3;
  o.batch_size = 16;
  o.learning_rate = 0.01;
  o.optimizer.name = "adamw";  // decoupled decay moves θ without the gradient
  o.l2 = 0.5;
  o.l1 = 0.1;
  o.clip_norm = 1.0;
  o.freeze = {"layers.0", "layers.1.b"};
  Trainer t(net, o);
  t.fit(train, &dev);
  const Parameters<float>& after = net.params();
  const auto slot = [&](const char* name) { return *after.find(name); };
  for (const char* frozen : {"layers.0.W", "layers.0.b", "layers.1.b"}) {
    EXPECT_EQ(Matrix<float>(after.value(slot(frozen))), Matrix<float>(before.value(slot(frozen)))) << frozen;
  }
  EXPECT_NE(Matrix<float>(after.value(slot("layers.1.W"))), Matrix<float>(before.value(slot("layers.1.W"))));
  // The optimizer never saw a gradient of a frozen slice: its state there is zero.
  const TrainerState st = t.state();
  ASSERT_FALSE(st.optimizer.buffers.empty());
  for (const auto& buffer : st.optimizer.buffers) {
    for (const char* frozen : {"layers.0.W", "layers.0.b", "layers.1.b"}) {
      const ParamSlice& s = after.slice(slot(frozen));
      EXPECT_TRUE(buffer.segment(static_cast<Index>(s.offset), static_cast<Index>(s.size())).isZero(0)) << frozen;
    }
    const ParamSlice& w = after.slice(slot("layers.1.W"));
    EXPECT_FALSE(buffer.segment(static_cast<Index>(w.offset), static_cast<Index>(w.size())).isZero(0));
  }
}

TEST(Freeze, AnUnknownNameListsTheLayersAndSlices) {
  Network<float> net(blob_spec());
  TrainOptions o;
  o.freeze = {"layers.2"};
  const std::string msg = message_of([&] { Trainer t(net, o); });
  EXPECT_NE(msg.find("train.freeze: \"layers.2\" names no parameter slice; use a layer (layers.0, layers.1) or a "
                     "slice (layers.0.W, layers.0.b, layers.1.W, layers.1.b)"), std::string::npos) << msg;
  o.freeze = {"layers.0.W"};
  EXPECT_NO_THROW(Trainer(net, o));
  EXPECT_EQ(frozen_slots(net.params(), {"layers.1", "layers.1.W"}), (std::vector<std::size_t>{2, 3}));
  EXPECT_THROW((void)frozen_slots(net.params(), {"layers.0.W2"}), ConfigError);
}

}  // namespace
}  // namespace mlp
