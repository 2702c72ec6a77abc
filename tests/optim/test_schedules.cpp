// Learning-rate schedules: every sequence follows its formula with e counted from 0.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/optim/schedule.hpp"

namespace mlp::optim {
namespace {

ScheduleOptions of(ScheduleKind kind) {
  ScheduleOptions o;
  o.kind = kind;
  return o;
}

TEST(Schedules, FirstEpochTrainsWithInitialRate) {
  for (auto name : schedule_names()) {
    if (name == "plateau") continue;
    auto o = of(parse_schedule(name));
    o.decay = 0.5;
    EXPECT_EQ(scheduled_lr(o, 0.3, 0), 0.3) << name;
  }
}

TEST(Schedules, Constant) {
  const auto o = of(ScheduleKind::constant);
  for (std::uint64_t e = 0; e < 50; ++e) EXPECT_EQ(scheduled_lr(o, 0.1, e), 0.1);
}

TEST(Schedules, InverseTime) {
  auto o = of(ScheduleKind::inverse_time);
  o.decay = 1.0;
  // α0 / (1 + e): 0.2, 0.1, 0.0666…, 0.05
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 0.2, 1), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 0.2, 3), 0.05);
  o.decay = 0.25;
  for (std::uint64_t e = 0; e < 50; ++e) {
    EXPECT_DOUBLE_EQ(scheduled_lr(o, 0.2, e), 0.2 / (1.0 + 0.25 * static_cast<double>(e)));
  }
}

TEST(Schedules, Exponential) {
  auto o = of(ScheduleKind::exponential);
  o.gamma = 0.5;
  // 0.5^e · α0: 0.8, 0.4, 0.2, 0.1
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 0.8, 1), 0.4);
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 0.8, 3), 0.1);
  o.gamma = 0.95;
  double expected = 0.8;
  for (std::uint64_t e = 0; e < 50; ++e) {
    EXPECT_NEAR(scheduled_lr(o, 0.8, e), expected, 1e-15);
    expected *= 0.95;
  }
}

TEST(Schedules, InverseSqrt) {
  auto o = of(ScheduleKind::inverse_sqrt);
  o.k = 2.0;
  // α0·k/√(e+1): e = 0 → 2α0, e = 3 → α0, e = 15 → α0/2
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 0.1, 0), 0.2);
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 0.1, 3), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_lr(o, 0.1, 15), 0.05);
  for (std::uint64_t e = 0; e < 50; ++e) {
    EXPECT_DOUBLE_EQ(scheduled_lr(o, 0.1, e), 0.1 * 2.0 / std::sqrt(static_cast<double>(e) + 1));
  }
}

TEST(Schedules, StepDecay) {
  auto o = of(ScheduleKind::step);
  o.gamma = 0.5;
  o.step_size = 3;
  // epochs 0-2: α0, 3-5: α0/2, 6-8: α0/4
  const double expected[] = {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125};
  for (std::uint64_t e = 0; e < 10; ++e) EXPECT_DOUBLE_EQ(scheduled_lr(o, 1.0, e), expected[e]);
  for (std::uint64_t e = 0; e < 50; ++e) {
    EXPECT_DOUBLE_EQ(scheduled_lr(o, 1.0, e), std::pow(0.5, std::floor(static_cast<double>(e) / 3.0)));
  }
}

TEST(Schedules, ScheduleObjectAgreesWithThePureFunction) {
  for (auto name : schedule_names()) {
    if (name == "plateau") continue;
    auto o = of(parse_schedule(name));
    o.decay = 0.1;
    o.step_size = 4;
    Schedule s(o, 0.05);
    for (std::uint64_t e = 0; e < 30; ++e) {
      EXPECT_FALSE(s.end_epoch(1.0));  // dev costs do not affect the pure schedules
      EXPECT_EQ(s.lr(e), scheduled_lr(o, 0.05, e)) << name << " epoch " << e;
    }
  }
}

TEST(Schedules, PlateauReducesAfterPatienceAndRespectsMinLr) {
  auto o = of(ScheduleKind::plateau);
  o.factor = 0.5;
  o.patience = 1;
  o.threshold = 0.0;
  o.min_lr = 0.3;
  Schedule s(o, 1.0);
  EXPECT_EQ(s.lr(0), 1.0);
  EXPECT_FALSE(s.end_epoch(2.0));  // best = 2
  EXPECT_FALSE(s.end_epoch(2.0));  // 1 bad epoch: tolerated
  EXPECT_TRUE(s.end_epoch(2.0));   // 2 bad epochs > patience: α = 0.5
  EXPECT_EQ(s.lr(3), 0.5);
  EXPECT_FALSE(s.end_epoch(1.0));  // improvement
  EXPECT_FALSE(s.end_epoch(std::numeric_limits<double>::quiet_NaN()));  // NaN is not better
  EXPECT_TRUE(s.end_epoch(1.0));   // α = max(0.25, 0.3)
  EXPECT_EQ(s.lr(6), 0.3);
  EXPECT_FALSE(s.end_epoch(5.0));
  EXPECT_FALSE(s.end_epoch(5.0));  // at min_lr: no further change
  EXPECT_EQ(s.lr(8), 0.3);
  EXPECT_THROW((void)scheduled_lr(o, 1.0, 0), ConfigError);
}

TEST(Schedules, PlateauStateRoundTrips) {
  auto o = of(ScheduleKind::plateau);
  o.patience = 0;
  Schedule a(o, 1.0);
  a.end_epoch(1.0);
  a.end_epoch(1.5);
  Schedule b(o, 1.0);
  b.load_plateau_state(a.plateau_state());
  for (double c : {0.9, 0.95, 0.95, 0.1, 0.2}) EXPECT_EQ(a.end_epoch(c), b.end_epoch(c));
  EXPECT_EQ(a.lr(0), b.lr(0));
  PlateauState bad = a.plateau_state();
  bad.lr = 2.0;  // above the initial rate
  EXPECT_THROW(b.load_plateau_state(bad), DataError);
  bad.lr = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(b.load_plateau_state(bad), DataError);
}

std::string config_error(ScheduleOptions o, double lr0 = 0.1) {
  try {
    validate(o, lr0);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Schedules, NamesAndValidation) {
  EXPECT_EQ(parse_schedule("inverse_sqrt"), ScheduleKind::inverse_sqrt);
  EXPECT_EQ(to_string(ScheduleKind::step), "step");
  for (auto n : schedule_names()) EXPECT_EQ(to_string(parse_schedule(n)), n);
  try {
    (void)parse_schedule("exponentail");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'exponential'"), std::string::npos);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto o = of(ScheduleKind::inverse_time);
  o.decay = -0.1;
  EXPECT_NE(config_error(o).find("schedule.decay"), std::string::npos);
  o.decay = nan;
  EXPECT_NE(config_error(o).find("schedule.decay"), std::string::npos);
  o = of(ScheduleKind::exponential);
  for (double g : {0.0, 1.5, -0.5, nan}) {
    o.gamma = g;
    EXPECT_NE(config_error(o).find("schedule.gamma must be in (0, 1]"), std::string::npos) << g;
  }
  o.gamma = 1.0;
  EXPECT_EQ(config_error(o), "no error");
  o = of(ScheduleKind::step);
  o.step_size = 0;
  EXPECT_NE(config_error(o).find("schedule.step_size"), std::string::npos);
  o = of(ScheduleKind::inverse_sqrt);
  o.k = 0.0;
  EXPECT_NE(config_error(o).find("schedule.k"), std::string::npos);
  o = of(ScheduleKind::plateau);
  o.factor = 1.0;
  EXPECT_NE(config_error(o).find("schedule.factor"), std::string::npos);
  o.factor = 0.5;
  o.min_lr = 1.0;
  EXPECT_NE(config_error(o).find("schedule.min_lr"), std::string::npos);
  o.min_lr = 0.0;
  o.threshold = 1.0;
  EXPECT_NE(config_error(o).find("schedule.threshold"), std::string::npos);
  EXPECT_NE(config_error(of(ScheduleKind::constant), -0.1).find("optimizer.lr"),
            std::string::npos);
  EXPECT_NE(config_error(of(ScheduleKind::constant), nan).find("optimizer.lr"),
            std::string::npos);
  EXPECT_THROW(Schedule(of(ScheduleKind::constant), 0.0), ConfigError);
}

}  // namespace
}  // namespace mlp::optim
