// Learning-rate schedules: every sequence follows its formula with e counted from 0.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/optim/schedule.hpp"

namespace mlp::optim {
namespace {

/// The schedule `kind` with its defaults, except cosine's period: its default 0 means "the
/// run's epochs", which only the configuration knows; the library requires a period.
ScheduleOptions of(ScheduleKind kind) {
  ScheduleOptions o;
  o.kind = kind;
  if (kind == ScheduleKind::cosine) o.period = 20;
  return o;
}

std::string config_error(ScheduleOptions o, double lr0 = 0.1) {
  try {
    validate(o, lr0);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
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
  o.step = 3;
  // epochs 0-2: α0, 3-5: α0/2, 6-8: α0/4
  const double expected[] = {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125};
  for (std::uint64_t e = 0; e < 10; ++e) EXPECT_DOUBLE_EQ(scheduled_lr(o, 1.0, e), expected[e]);
  for (std::uint64_t e = 0; e < 50; ++e) {
    EXPECT_DOUBLE_EQ(scheduled_lr(o, 1.0, e), std::pow(0.5, std::floor(static_cast<double>(e) / 3.0)));
  }
}

TEST(Schedules, MinLrFloorsEveryDecayingSchedule) {
  // Exponential with γ = 0.5, α0 = 0.8, min_lr = 0.1·α0: 0.8, 0.4, 0.2, 0.1, then floored at
  // 0.08 from epoch 4 on (0.05, 0.025, ... without the floor).
  auto o = of(ScheduleKind::exponential);
  o.gamma = 0.5;
  o.min_lr = 0.08;
  const double expected[] = {0.8, 0.4, 0.2, 0.1, 0.08, 0.08, 0.08};
  for (std::uint64_t e = 0; e < 7; ++e) EXPECT_DOUBLE_EQ(scheduled_lr(o, 0.8, e), expected[e]);
  for (std::uint64_t e = 4; e < 100; ++e) EXPECT_EQ(scheduled_lr(o, 0.8, e), 0.08) << e;
  o.min_lr = 0.9;  // above α0
  EXPECT_NE(config_error(o, 0.8).find("schedule.min_lr must be <= the initial learning rate"),
            std::string::npos);

  // Every pure decaying schedule: α(e) = max(formula, min_lr), the formula being the same
  // schedule with min_lr = 0.
  for (auto name : schedule_names()) {
    const auto settings = schedule_settings(name);
    const bool has_floor = std::any_of(settings.begin(), settings.end(),
                                       [](const Setting& s) { return s.key == "min_lr"; });
    EXPECT_EQ(has_floor, name != "constant") << name;
    if (name == "plateau" || name == "constant") continue;
    if (name == "cosine" || name == "cosine_restarts") {
      // The cosines descend to min_lr (PyTorch's eta_min) instead of being cut by it.
      auto cos = of(parse_schedule(name));
      cos.period = 10;
      cos.min_lr = 0.02;
      for (std::uint64_t e = 0; e < 200; ++e) EXPECT_GE(scheduled_lr(cos, 0.1, e), 0.02);
      EXPECT_NEAR(scheduled_lr(cos, 0.1, 9), 0.02, 3e-3) << name;  // near a cycle's end
      continue;
    }
    auto floored = of(parse_schedule(name));
    floored.decay = 0.5;
    floored.gamma = 0.7;
    floored.k = 0.9;
    floored.step = 2;
    floored.min_lr = 0.02;
    auto plain = floored;
    plain.min_lr = 0.0;
    bool reached = false;
    for (std::uint64_t e = 0; e < 200; ++e) {
      const double formula = scheduled_lr(plain, 0.1, e);
      EXPECT_EQ(scheduled_lr(floored, 0.1, e), std::max(formula, 0.02)) << name << " " << e;
      reached = reached || formula < 0.02;
    }
    EXPECT_TRUE(reached) << name << ": the formula never went below min_lr";
  }
}

TEST(Schedules, EverySchedulePublishesItsKeysAndDefaults) {
  struct Expected {
    std::string_view name;
    std::vector<std::pair<std::string_view, double>> settings;
  };
  const std::vector<Expected> table{
      {"constant", {}},
      {"inverse_time", {{"decay", 0.1}, {"min_lr", 0.0}}},
      {"exponential", {{"gamma", 0.95}, {"min_lr", 0.0}}},
      {"inverse_sqrt", {{"k", 1.0}, {"min_lr", 0.0}}},
      {"step", {{"gamma", 0.5}, {"step", 10.0}, {"min_lr", 0.0}}},
      {"cosine", {{"period", 0.0}, {"min_lr", 0.0}}},
      {"cosine_restarts", {{"period", 10.0}, {"t_mult", 1.0}, {"min_lr", 0.0}}},
      {"plateau", {{"factor", 0.1}, {"patience", 3.0}, {"threshold", 1e-4}, {"min_lr", 0.0}}},
  };
  ASSERT_EQ(table.size(), schedule_names().size());
  for (const auto& [name, settings] : table) {
    SCOPED_TRACE(std::string(name));
    // Every schedule ends with the two warmup settings (no warmup by default).
    auto expected = settings;
    expected.emplace_back("warmup_epochs", 0.0);
    expected.emplace_back("warmup_start", 0.1);
    const auto published = schedule_settings(name);
    ASSERT_EQ(published.size(), expected.size());
    auto defaults = of(parse_schedule(name));
    defaults.period.reset();
    if (name == "cosine") {
      EXPECT_THROW(Schedule(defaults, 0.1), ConfigError);  // period 0: for the configuration
      defaults.period = 0;
      EXPECT_EQ(defaults.get("period"), 0.0);
      defaults = of(ScheduleKind::cosine);
    }
    const Schedule s(defaults, 0.1);
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(published[i].key, expected[i].first);
      EXPECT_EQ(published[i].default_value, expected[i].second);
      EXPECT_TRUE(published[i].range.contains(published[i].default_value));
      EXPECT_FALSE(published[i].doc.empty());
      if (name != "cosine" || expected[i].first != "period") {
        EXPECT_EQ(s.options().get(expected[i].first), expected[i].second);
      }
    }
    EXPECT_FALSE(schedule_doc(name).empty());
  }
  EXPECT_EQ(schedule_settings("step")[1].kind, Setting::Kind::integer);
  EXPECT_EQ(schedule_settings("plateau")[1].kind, Setting::Kind::integer);
  EXPECT_THROW((void)schedule_settings("cosinus"), ConfigError);
  EXPECT_THROW((void)schedule_doc("stepp"), ConfigError);

  // Unset values take these defaults.
  EXPECT_DOUBLE_EQ(scheduled_lr(of(ScheduleKind::inverse_time), 1.0, 1), 1.0 / 1.1);
  EXPECT_DOUBLE_EQ(scheduled_lr(of(ScheduleKind::exponential), 1.0, 2), 0.95 * 0.95);
  EXPECT_EQ(scheduled_lr(of(ScheduleKind::step), 1.0, 9), 1.0);
  EXPECT_EQ(scheduled_lr(of(ScheduleKind::step), 1.0, 10), 0.5);
  EXPECT_DOUBLE_EQ(scheduled_lr(of(ScheduleKind::inverse_sqrt), 1.0, 3), 0.5);
  Schedule plateau(of(ScheduleKind::plateau), 1.0);
  EXPECT_FALSE(plateau.end_epoch(1.0));
  for (int e = 0; e < 3; ++e) EXPECT_FALSE(plateau.end_epoch(1.0));  // patience 3
  EXPECT_TRUE(plateau.end_epoch(1.0));
  EXPECT_DOUBLE_EQ(plateau.lr(5), 0.1);  // factor 0.1
}

TEST(Schedules, OptionsByKey) {
  ScheduleOptions o;
  EXPECT_EQ(o.get("gamma"), std::nullopt);
  for (auto key : {"decay", "gamma", "k", "factor", "threshold", "min_lr"}) {
    o.set(key, 0.25);
    EXPECT_EQ(o.get(key), 0.25) << key;
  }
  EXPECT_EQ(o.gamma, 0.25);
  o.set("step", 7.0);
  o.set("patience", 0.0);
  EXPECT_EQ(o.step, 7u);
  EXPECT_EQ(o.patience, 0u);
  EXPECT_EQ(o.get("step"), 7.0);
  for (double bad : {2.5, -1.0, std::numeric_limits<double>::quiet_NaN(), 1e300}) {
    EXPECT_THROW(o.set("step", bad), ConfigError) << bad;
  }
  EXPECT_EQ(o.step, 7u);
  try {
    o.set("gama", 0.9);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'gamma'"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)o.get("step_size"), ConfigError);
}

TEST(Schedules, RangesComeFromThePublishedSettings) {
  // For every setting, a value just outside its interval is rejected with the key and the
  // interval's text; a closed bound is accepted, an open one rejected.
  for (auto name : schedule_names()) {
    for (const auto& s : schedule_settings(name)) {
      SCOPED_TRACE(std::string(name) + "." + std::string(s.key));
      const bool integer = s.kind == Setting::Kind::integer;
      const auto error_for = [&](double v) {
        auto o = of(parse_schedule(name));
        o.set(s.key, v);
        return config_error(o, 1e9);  // α0 large enough for every min_lr tried
      };
      const std::string expected = "schedule." + std::string(s.key) + " must be " +
                                   s.range.text(integer);
      if (s.range.lo > 0.0 || !integer) {
        const double below = integer ? s.range.lo - 1.0 : s.range.lo - 0.5;
        EXPECT_NE(error_for(below).find(expected), std::string::npos) << error_for(below);
      }
      // cosine's period 0 is in range (the configuration replaces it by the run's epochs) but
      // the library cannot anneal over 0 epochs.
      const bool cosine_period = name == "cosine" && s.key == "period";
      EXPECT_EQ(error_for(s.range.lo) == "no error", !s.range.lo_open && !cosine_period);
      if (std::isfinite(s.range.hi)) {
        EXPECT_EQ(error_for(s.range.hi) == "no error", !s.range.hi_open);
        const double above = integer ? s.range.hi + 1.0 : s.range.hi + 0.5;
        EXPECT_NE(error_for(above).find(expected), std::string::npos);
      }
    }
  }
}

TEST(Schedules, ScheduleObjectAgreesWithThePureFunction) {
  for (auto name : schedule_names()) {
    if (name == "plateau") continue;
    auto o = of(parse_schedule(name));
    o.decay = 0.1;
    o.step = 4;
    o.min_lr = 0.01;
    Schedule s(o, 0.05);
    for (std::uint64_t e = 0; e < 30; ++e) {
      EXPECT_FALSE(s.end_epoch(1.0));  // dev costs do not affect the pure schedules
      EXPECT_EQ(s.lr(e), scheduled_lr(o, 0.05, e)) << name << " epoch " << e;
    }
  }
}

TEST(Schedules, Cosine) {
  auto o = of(ScheduleKind::cosine);
  o.period = 4;
  // α0 (1 + cos(π e / 4)) / 2: 1, (1 + √½)/2, ½, (1 − √½)/2, 0, then 0
  const double half_root = std::sqrt(0.5);
  const double expected[] = {1.0, (1 + half_root) / 2, 0.5, (1 - half_root) / 2, 0.0, 0.0, 0.0};
  for (std::uint64_t e = 0; e < 7; ++e) {
    EXPECT_NEAR(scheduled_lr(o, 1.0, e), expected[e], 1e-15) << e;
  }
}

TEST(Schedules, CosineRestartsCyclesGrowByTMult) {
  auto o = of(ScheduleKind::cosine_restarts);
  o.period = 2;
  o.t_mult = 2;
  // cycles of 2, 4, 8 epochs starting at e = 0, 2, 6, 14: each starts at α0
  for (std::uint64_t e : {0u, 2u, 6u, 14u}) EXPECT_EQ(scheduled_lr(o, 0.3, e), 0.3) << e;
  EXPECT_NEAR(scheduled_lr(o, 0.3, 1), 0.15, 1e-15);   // half of the first cycle
  EXPECT_NEAR(scheduled_lr(o, 0.3, 4), 0.15, 1e-15);   // half of the second
  EXPECT_NEAR(scheduled_lr(o, 0.3, 10), 0.15, 1e-15);  // half of the third
}

TEST(Schedules, WarmupRisesLinearlyThenRunsTheSchedule) {
  // Every schedule: e < w gives α0 (s + (1 − s) e / w); then the schedule from e − w.
  for (auto name : schedule_names()) {
    SCOPED_TRACE(std::string(name));
    auto plain = of(parse_schedule(name));
    auto warm = plain;
    warm.warmup_epochs = 4;
    warm.warmup_start = 0.2;
    Schedule s(warm, 0.5);
    for (std::uint64_t e = 0; e < 4; ++e) {
      EXPECT_DOUBLE_EQ(s.lr(e), 0.5 * (0.2 + 0.8 * static_cast<double>(e) / 4.0)) << e;
    }
    if (name == "plateau") {
      EXPECT_EQ(s.lr(4), 0.5);
      continue;
    }
    for (std::uint64_t e = 4; e < 40; ++e) {
      EXPECT_EQ(s.lr(e), scheduled_lr(plain, 0.5, e - 4)) << e;
    }
  }
  auto o = of(ScheduleKind::step);
  o.warmup_epochs = 1;
  o.warmup_start = 0.0;  // (0, 1]: a first epoch with α = 0 would not train
  EXPECT_NE(config_error(o).find("schedule.warmup_start must be in (0, 1]"), std::string::npos)
      << config_error(o);
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
  o.step = 0;
  EXPECT_NE(config_error(o).find("schedule.step must be an integer in [1, 10000000] (got 0)"),
            std::string::npos)
      << config_error(o);
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
