// Divergence recovery (TrainOptions::on_divergence = recover): a step that turns the cost, a
// gradient or θ non-finite is rolled back bit for bit (θ and the optimizer state by slot), the
// learning rate halves for the rest of the run, max_recoveries is respected, and the multiplier
// and the recoveries survive a checkpoint so that a resumed run equals an uninterrupted one.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/train/checkpoint.hpp"
#include "mlp/train/trainer.hpp"
#include "support/bounded.hpp"

namespace mlp {
namespace {

data::Dataset sin_data(Index m) {
  data::Dataset d;
  d.task = data::Task::regression;
  d.X.resize(1, m);
  d.Y.resize(1, m);
  for (Index j = 0; j < m; ++j) {
    const double x = -3.0 + 6.0 * static_cast<double>(j) / static_cast<double>(m - 1);
    d.X(0, j) = static_cast<float>(x);
    d.Y(0, j) = static_cast<float>(std::sin(x));
  }
  d.feature_names = {"x"};
  d.target_names = {"y"};
  d.source = "sin";
  return d;
}

ModelSpec sin_spec() {
  return ModelBuilder(1).hidden(16, Activation::relu).hidden(16, Activation::relu)
      .output(1, Activation::identity).loss(Loss::mse).seed(5).build();
}

/// sin data with one example 1e30 times too large: its batch overflows the cost (inf) while θ
/// stays good, so every epoch has one divergence that a rollback fully undoes.
data::Dataset spiked_sin(Index m) {
  auto d = sin_data(m);
  d.X(0, 5) = 1e30f;
  return d;
}

/// Momentum (state V to roll back) with a sane rate and recovery on.
TrainOptions diverging_options() {
  TrainOptions o;
  o.optimizer.name = "momentum";
  o.learning_rate = 0.05;
  o.batch_size = 8;
  o.epochs = 12;
  o.on_divergence = OnDivergence::recover;
  o.max_recoveries = 40;
  return o;
}

/// Keeps θ and the optimizer state after every step that was kept (a batch's end, a recovery's
/// rollback) and checks at each recovery that the rollback restored exactly those.
struct RollbackChecker : Callback {
  Network<float>& net;
  Trainer* trainer = nullptr;
  Vector<float> theta;
  optim::OptimizerState<float> state;
  std::vector<Recovery> seen;
  int mismatches = 0;
  explicit RollbackChecker(Network<float>& n) : net(n), theta(n.params().theta()) {}
  void keep() {
    theta = net.params().theta();
    state = trainer->optimizer().state();
  }
  bool on_batch_end(const BatchInfo&) override {
    keep();
    return true;
  }
  void on_recovery(const Recovery& r) override {
    const auto now = trainer->optimizer().state();
    if (!(net.params().theta() == theta)) ++mismatches;  // bit for bit
    if (now.step != state.step || now.buffers.size() != state.buffers.size()) ++mismatches;
    for (std::size_t i = 0; i < now.buffers.size() && i < state.buffers.size(); ++i) {
      if (!(now.buffers[i] == state.buffers[i])) ++mismatches;
    }
    seen.push_back(r);
    keep();
  }
};

TEST(Divergence, ARecoveredStepLeavesThetaAndTheOptimizerStateAsBeforeItBitForBit) {
  const auto d = spiked_sin(64);
  Network<float> net(sin_spec());
  Trainer t(net, diverging_options());
  RollbackChecker check(net);
  check.trainer = &t;
  const TrainResult r = t.fit(d, nullptr, {&check});
  ASSERT_EQ(r.recoveries.size(), 12u);  // one per epoch: the spiked example's batch
  EXPECT_EQ(check.mismatches, 0);
  EXPECT_EQ(check.seen, r.recoveries);
  EXPECT_EQ(r.epochs_run, 12u);
  for (std::size_t i = 0; i < r.recoveries.size(); ++i) EXPECT_EQ(r.recoveries[i].epoch, i + 1);
  EXPECT_TRUE(net.params().theta().allFinite());
  // Each recovery halves the rate the run goes on with; the next starts from there.
  double lr = 0.05;
  for (const Recovery& rec : r.recoveries) {
    EXPECT_EQ(rec.lr_before, lr);
    EXPECT_EQ(rec.lr_after, lr / 2);
    EXPECT_FALSE(rec.tensor.empty());
    EXPECT_GE(rec.epoch, 1u);
    EXPECT_GE(rec.batch, 1u);
    lr /= 2;
  }
  EXPECT_EQ(r.lr_multiplier, std::ldexp(1.0, -static_cast<int>(r.recoveries.size())));
  // The history reports the rate in effect (the schedule's constant rate × the multiplier).
  EXPECT_EQ(r.history.back().learning_rate, 0.05 * r.lr_multiplier);
  for (const auto& e : r.history) EXPECT_TRUE(std::isfinite(e.objective)) << e.epoch;
}

data::Dataset poisoned(Index m) {
  auto d = sin_data(m);
  d.X(0, 3) = std::numeric_limits<float>::infinity();  // in every full batch
  return d;
}

TEST(Divergence, MaxRecoveriesEndsTheRunWithTheStopErrorSayingHowManyWereTried) {
  const auto d = poisoned(32);
  for (const std::uint64_t max : {0u, 1u, 3u}) {
    SCOPED_TRACE(max);
    Network<float> net(sin_spec());
    const Vector<float> initial = net.params().theta();
    TrainOptions o = diverging_options();
    o.learning_rate = 0.01;
    o.batch_size = 32;
    o.max_recoveries = max;
    Trainer t(net, o);
    try {
      t.fit(d, nullptr);
      FAIL() << "expected a NumericError";
    } catch (const NumericError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(fmt::format("non-finite cost at epoch {} batch 1 (first non-finite: layers.0 (Z))",
                                     max + 1)), std::string::npos) << msg;
      EXPECT_NE(msg.find(fmt::format("after {} recover{}", max, max == 1 ? "y" : "ies")), std::string::npos) << msg;
      EXPECT_NE(msg.find(fmt::format("train.max_recoveries = {}", max)), std::string::npos) << msg;
    }
    EXPECT_EQ(t.state().recoveries.size(), max);
    EXPECT_EQ(t.state().lr_multiplier, std::ldexp(1.0, -static_cast<int>(max)));
    EXPECT_EQ(net.params().theta(), initial);  // every step was rolled back
    // Back to before the first step: no optimizer state at all.
    EXPECT_EQ(t.optimizer().step_count(), 0u);
    EXPECT_TRUE(t.optimizer().state().buffers.empty());
  }
}

TEST(Divergence, StopKeepsTheErrorWithoutRecoveries) {
  const auto d = poisoned(32);
  Network<float> net(sin_spec());
  TrainOptions o = diverging_options();
  o.on_divergence = OnDivergence::stop;
  Trainer t(net, o);
  try {
    t.fit(d, nullptr);
    FAIL();
  } catch (const NumericError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("non-finite cost at epoch 1 batch"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("recover"), std::string::npos) << msg;
  }
  EXPECT_TRUE(t.state().recoveries.empty());
}

TEST(Divergence, WithoutDivergenceRecoverGivesTheBitsOfStop) {
  const auto d = sin_data(64);
  TrainOptions o = diverging_options();
  o.optimizer.name = "adam";
  o.learning_rate = 0.01;
  Network<float> a(sin_spec()), b(sin_spec());
  o.on_divergence = OnDivergence::stop;
  const auto ra = Trainer(a, o).fit(d, nullptr);
  o.on_divergence = OnDivergence::recover;
  const auto rb = Trainer(b, o).fit(d, nullptr);
  EXPECT_TRUE(rb.recoveries.empty());
  EXPECT_EQ(rb.lr_multiplier, 1.0);
  EXPECT_EQ(a.params().theta(), b.params().theta());
  ASSERT_EQ(ra.history.size(), rb.history.size());
  for (std::size_t i = 0; i < ra.history.size(); ++i) {
    EXPECT_EQ(ra.history[i].objective, rb.history[i].objective);
    EXPECT_EQ(ra.history[i].learning_rate, rb.history[i].learning_rate);
  }
}

TEST(Divergence, AnExplodingButFiniteCostIsADivergenceUnderRecoverOnly) {
  // Plain gd on sin at a rate 400× too high: the cost grows by orders of magnitude per step
  // while it is still finite. "stop" trains on (nothing overflowed yet); "recover" rolls back
  // at the first batch cost above 10⁴ × the run's first, names it, and goes on at half the rate.
  const auto d = sin_data(64);
  TrainOptions o = diverging_options();
  o.optimizer.name = "gd";
  o.learning_rate = 20;
  o.batch_size = 64;  // one batch per epoch: each epoch's cost is measured before its update
  o.epochs = 4;
  Network<float> a(sin_spec());
  o.on_divergence = OnDivergence::stop;
  Trainer ta(a, o);
  try {
    const auto ra = ta.fit(d, nullptr);
    EXPECT_GT(ra.history.back().objective, kExplosionFactor * ra.history.front().objective);
  } catch (const NumericError&) {
    // an overflow before the last epoch is a divergence too; the point is "recover" below
  }
  Network<float> b(sin_spec());
  o.on_divergence = OnDivergence::recover;
  Trainer tb(b, o);
  const auto rb = tb.fit(d, nullptr);
  ASSERT_FALSE(rb.recoveries.empty());
  EXPECT_EQ(rb.recoveries.front().tensor, kExplodingCost);
  ASSERT_TRUE(tb.state().first_cost.has_value());
  for (const auto& e : rb.history) {
    EXPECT_TRUE(std::isfinite(e.objective)) << e.epoch;
    EXPECT_LE(e.objective, kExplosionFactor * *tb.state().first_cost) << e.epoch;
  }
  EXPECT_TRUE(b.params().theta().allFinite());
}

TEST(Divergence, AnEpochWhoseDevCostExplodedIsUndoneBackToItsStart) {
  // The cost is measured before each update, so the last update of an epoch is checked at its
  // end: a dev cost above 10⁴ × J₀ puts θ back to the epoch's start (one recovery, every batch
  // undone) and the epoch reports the training set evaluated at that θ.
  const auto d = sin_data(64);
  TrainOptions o = diverging_options();
  o.optimizer.name = "gd";
  o.learning_rate = 20;
  o.batch_size = 64;
  o.epochs = 1;
  Network<float> net(sin_spec());
  const Vector<float> initial = net.params().theta();
  Trainer t(net, o);
  const auto r = t.fit(d, &d);
  ASSERT_EQ(r.recoveries.size(), 1u);
  EXPECT_EQ(r.recoveries[0].tensor, kExplodingCost);
  EXPECT_EQ(r.recoveries[0].batch, 1u);
  EXPECT_EQ(r.recoveries[0].steps_undone, 1u);
  EXPECT_EQ(net.params().theta(), initial);  // the start of epoch 1, bit for bit
  EXPECT_EQ(r.lr_multiplier, 0.5);
  ASSERT_EQ(r.history.size(), 1u);
  EXPECT_EQ(r.history[0].train_cost, TrainCost::exact);
  EXPECT_EQ(r.history[0].train.loss, r.history[0].dev->loss);  // train = dev here, both at θ₀
  EXPECT_EQ(t.optimizer().step_count(), 0u);
}

TEST(Divergence, AnExplodedEpochPastMaxRecoveriesEndsTheRunNamingTheDevCost) {
  const auto d = sin_data(64);
  TrainOptions o = diverging_options();
  o.optimizer.name = "gd";
  o.learning_rate = 20;
  o.batch_size = 64;
  o.epochs = 1;
  o.max_recoveries = 0;
  Network<float> net(sin_spec());
  try {
    Trainer(net, o).fit(d, &d);
    FAIL();
  } catch (const NumericError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("exploding dev cost at the end of epoch 1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("train.max_recoveries = 0"), std::string::npos) << msg;
  }
}

struct StopAfterEpoch : Callback {
  std::uint64_t limit;
  explicit StopAfterEpoch(std::uint64_t n) : limit(n) {}
  bool on_epoch_end(const EpochMetrics& e) override { return e.epoch < limit; }
};

TEST(Divergence, ACheckpointKeepsTheMultiplierAndTheRecoveriesSoAResumedRunEqualsAnUninterruptedOne) {
  const auto d = spiked_sin(64);
  const TrainOptions o = diverging_options();
  Network<float> whole(sin_spec());
  const TrainResult rw = Trainer(whole, o).fit(d, nullptr);
  ASSERT_EQ(rw.recoveries.size(), 12u);

  // Interrupted after epoch 4, through a checkpoint file, into a fresh trainer.
  Network<float> first(sin_spec());
  Trainer t1(first, o);
  StopAfterEpoch stop(4);
  (void)t1.fit(d, nullptr, {&stop});
  const TrainerState saved = t1.state();
  ASSERT_EQ(saved.epoch, 4u);
  EXPECT_EQ(saved.recoveries, std::vector<Recovery>(rw.recoveries.begin(), rw.recoveries.begin() + 4));
  EXPECT_EQ(saved.lr_multiplier, 1.0 / 16);
  const test::TempDir dir("mlp-divergence-ckpt");
  Preprocessing pre;
  pre.feature_names = {"x"};
  pre.target_names = {"y"};
  const Model model(Network<float>(first), pre);
  std::vector<std::string> names;
  for (const auto& s : first.params().slices()) names.push_back(s.name);
  save_checkpoint(dir.path / "ckpt-000004.mlpck", model, saved, names);
  Checkpoint ck = load_checkpoint(dir.path / "ckpt-000004.mlpck");
  EXPECT_EQ(ck.state.lr_multiplier, saved.lr_multiplier);
  EXPECT_EQ(ck.state.recoveries, saved.recoveries);

  Network<float> second(sin_spec());
  second.params().theta() = ck.model.network().params().theta();
  Trainer t2(second, o);
  t2.restore(std::move(ck.state));
  const TrainResult r2 = t2.fit(d, nullptr);
  EXPECT_EQ(r2.epochs_run, 12u);
  EXPECT_EQ(r2.recoveries, rw.recoveries);
  EXPECT_EQ(r2.lr_multiplier, rw.lr_multiplier);
  EXPECT_EQ(second.params().theta(), whole.params().theta());  // bit-identical
}

TEST(Divergence, PolicyNamesRoundTripAndABogusNameListsTheAllowedOnes) {
  for (const auto name : on_divergence_names()) EXPECT_EQ(to_string(parse_on_divergence(name)), name);
  try {
    (void)parse_on_divergence("bogus");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("\"stop\" or \"recover\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mlp
