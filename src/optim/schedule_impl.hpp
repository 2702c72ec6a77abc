// Private parts of the schedule registry: what each schedule file defines. Adding a schedule =
// one file src/optim/schedules/<name>.cpp defining the constant detail::rule_<name> + one line in
// MLP_SCHEDULES (include/mlp/optim/schedule.hpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <string_view>

#include "mlp/core/setting.hpp"
#include "mlp/optim/schedule.hpp"

namespace mlp::optim::detail {

/// A schedule: its description, its settings and its rule. The rule receives options resolved
/// by the registry: every published setting holds its validated value (set or default).
struct ScheduleRule {
  std::string_view doc;
  std::span<const Setting> settings;
  /// α at epoch e (from 0) before the min_lr floor, which the registry applies to every
  /// schedule publishing min_lr; nullptr for a schedule that is not a function of e alone.
  double (*lr)(const ScheduleOptions& resolved, double initial_lr, std::uint64_t epoch);
  /// For a stateful schedule (lr == nullptr): updates `state` with the dev cost at the end of
  /// an epoch and returns true when it changed α; nullptr for the pure schedules.
  bool (*end_epoch)(const ScheduleOptions& resolved, PlateauState& state, double dev_cost);
};

#define MLP_DECLARE_SCHEDULE(n) extern const ScheduleRule rule_##n;
MLP_SCHEDULES(MLP_DECLARE_SCHEDULE)
#undef MLP_DECLARE_SCHEDULE

/// Upper bound of the integer settings counted in epochs (step, patience, period, warmup).
inline constexpr double kMaxEpochs = 1e7;

/// The floor of every decaying schedule: α = max(formula, min_lr).
constexpr Setting min_lr_setting() {
  return {"min_lr", Setting::Kind::real, 0.0, kNonNegativeReal,
          "lower bound on the learning rate (at most the initial learning rate)"};
}

/// γ of the exponential and step schedules: a real in (0, 1].
constexpr Setting gamma_setting(double default_value, std::string_view doc) {
  return {"gamma", Setting::Kind::real, default_value, kUnitOpenLeft, doc};
}


/// The cosine descent from `from` (u = 0) to `to` (u = 1): to + (from − to)(1 + cos(π u)) / 2.
inline double cosine_between(double from, double to, double u) {
  return to + (from - to) * (1.0 + std::cos(std::numbers::pi * u)) / 2.0;
}

/// The linear warmup every schedule publishes: for e < warmup_epochs,
///   α = α0 · (s + (1 − s) · e / warmup_epochs)        (s = warmup_start)
/// and the schedule itself runs from e − warmup_epochs (PyTorch's LinearLR followed by the
/// schedule in a SequentialLR). Applied by the registry; the rules never see warmup epochs.
constexpr Setting warmup_epochs_setting() {
  return {"warmup_epochs", Setting::Kind::integer, 0.0, Interval{0.0, false, kMaxEpochs, false},
          "epochs of linear warmup in front of the schedule (0: none)"};
}
constexpr Setting warmup_start_setting() {
  return {"warmup_start", Setting::Kind::real, 0.1, kUnitOpenLeft,
          "learning-rate factor of the first warmup epoch, rising linearly to 1"};
}

}  // namespace mlp::optim::detail
