// ProgressMeter: every batch counts towards samples/s, however rarely the display redraws.
#include <gtest/gtest.h>

#include "mlp/train/progress.hpp"

namespace mlp {
namespace {

BatchInfo batch(std::uint64_t epoch, std::uint64_t b, std::uint64_t per_epoch, Index samples, double cost,
                double seconds) {
  return BatchInfo{epoch, b, per_epoch, cost, 0.01, samples, seconds};
}

TEST(ProgressMeter, CountsEveryBatchOverTheElapsedTime) {
  // 10 batches of 64 examples, one every 10 ms from t = 5 s: 640 examples in 0.1 s.
  ProgressMeter p;
  for (std::uint64_t b = 1; b <= 10; ++b) p.on_batch(batch(1, b, 10, 64, 1.0, 0.01), 5.0 + 0.01 * static_cast<double>(b));
  EXPECT_DOUBLE_EQ(p.samples(), 640.0);
  EXPECT_NEAR(p.samples_per_second(), 6400.0, 1e-6);
  EXPECT_EQ(p.batch(), 10u);
}

TEST(ProgressMeter, ANewEpochRestartsTheCountAndTheClock) {
  ProgressMeter p;
  for (std::uint64_t b = 1; b <= 4; ++b) p.on_batch(batch(1, b, 4, 10, 1.0, 0.5), 0.5 * static_cast<double>(b));
  // Epoch 2 starts after 3 s of evaluation: its batches take 0.25 s each.
  p.on_batch(batch(2, 1, 4, 10, 1.0, 0.25), 5.25);
  p.on_batch(batch(2, 2, 4, 10, 1.0, 0.25), 5.5);
  EXPECT_EQ(p.epoch(), 2u);
  EXPECT_DOUBLE_EQ(p.samples(), 20.0);
  EXPECT_NEAR(p.samples_per_second(), 40.0, 1e-9);
}

TEST(ProgressMeter, MeanCostIsWeightedByBatchSize) {
  ProgressMeter p;
  p.on_batch(batch(1, 1, 2, 30, 1.0, 0.1), 0.1);
  p.on_batch(batch(1, 2, 2, 10, 3.0, 0.1), 0.2);  // the short last batch
  EXPECT_DOUBLE_EQ(p.mean_cost(), (30 * 1.0 + 10 * 3.0) / 40.0);
}

TEST(ProgressMeter, EtaFromTheTimePerBatch) {
  // Epoch 2 of 3, batch 1 of 4 done in 1 s: 3 batches left here and 4 in epoch 3.
  ProgressMeter p;
  p.on_batch(batch(2, 1, 4, 8, 1.0, 1.0), 10.0);
  EXPECT_NEAR(p.eta_seconds(3), 7.0, 1e-9);
  EXPECT_NEAR(p.samples_per_second(), 8.0, 1e-9);
}

TEST(ProgressMeter, AResumeInsideAnEpochStartsTheClockAtItsFirstBatch) {
  ProgressMeter p;
  p.on_batch(batch(3, 7, 10, 16, 1.0, 0.5), 100.5);
  p.on_batch(batch(3, 8, 10, 16, 1.0, 0.5), 101.0);
  EXPECT_DOUBLE_EQ(p.samples(), 32.0);
  EXPECT_NEAR(p.samples_per_second(), 32.0, 1e-9);
  EXPECT_NEAR(p.eta_seconds(3), 1.0, 1e-9);  // batches 9 and 10 at 0.5 s each
}

}  // namespace
}  // namespace mlp
