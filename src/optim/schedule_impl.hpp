// Private parts of the schedule registry: what each schedule file defines. Adding a schedule =
// one file src/optim/schedules/<name>.cpp defining the constant detail::rule_<name> + one line in
// MLP_SCHEDULES (include/mlp/optim/schedule.hpp).
#pragma once

#include <cstdint>
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

/// The floor of every decaying schedule: α = max(formula, min_lr).
constexpr Setting min_lr_setting() {
  return {"min_lr", Setting::Kind::real, 0.0, kNonNegativeReal,
          "lower bound on the learning rate (at most the initial learning rate)"};
}

/// γ of the exponential and step schedules: a real in (0, 1].
constexpr Setting gamma_setting(double default_value, std::string_view doc) {
  return {"gamma", Setting::Kind::real, default_value, kUnitOpenLeft, doc};
}

/// Upper bound of the integer settings counted in epochs (step, patience).
inline constexpr double kMaxEpochs = 1e7;

}  // namespace mlp::optim::detail
