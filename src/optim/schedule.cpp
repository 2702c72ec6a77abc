#include "mlp/optim/schedule.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"

namespace mlp::optim {
namespace {

constexpr std::array<std::pair<std::string_view, ScheduleKind>, 6> kSchedules{{
    {"constant", ScheduleKind::constant},
    {"inverse_time", ScheduleKind::inverse_time},
    {"exponential", ScheduleKind::exponential},
    {"inverse_sqrt", ScheduleKind::inverse_sqrt},
    {"step", ScheduleKind::step},
    {"plateau", ScheduleKind::plateau},
}};

[[noreturn]] void bad(std::string_view key, double value, std::string_view range) {
  throw ConfigError(fmt::format("schedule.{} must be {} (got {})", key, range, value));
}

}  // namespace

std::string_view to_string(ScheduleKind kind) {
  for (const auto& [n, k] : kSchedules) {
    if (k == kind) return n;
  }
  return "?";
}

std::vector<std::string_view> schedule_names() {
  std::vector<std::string_view> names;
  for (const auto& [n, k] : kSchedules) names.push_back(n);
  return names;
}

ScheduleKind parse_schedule(std::string_view name) {
  for (const auto& [n, k] : kSchedules) {
    if (n == name) return k;
  }
  const auto names = schedule_names();
  std::string list;
  for (auto n : names) list += (list.empty() ? "" : ", ") + std::string(n);
  throw ConfigError(fmt::format("unknown schedule '{}'{}; valid names: {}", name,
                                did_you_mean(name, names), list));
}

void validate(const ScheduleOptions& o, double initial_lr) {
  if (!std::isfinite(initial_lr) || initial_lr <= 0.0) {
    throw ConfigError(fmt::format("optimizer.lr must be > 0 and finite (got {})", initial_lr));
  }
  switch (o.kind) {
    case ScheduleKind::constant:
      break;
    case ScheduleKind::inverse_time:
      if (!std::isfinite(o.decay) || o.decay < 0.0) bad("decay", o.decay, "finite and >= 0");
      break;
    case ScheduleKind::exponential:
      if (!(o.gamma > 0.0 && o.gamma <= 1.0)) bad("gamma", o.gamma, "in (0, 1]");
      break;
    case ScheduleKind::inverse_sqrt:
      if (!std::isfinite(o.k) || o.k <= 0.0) bad("k", o.k, "finite and > 0");
      break;
    case ScheduleKind::step:
      if (!(o.gamma > 0.0 && o.gamma <= 1.0)) bad("gamma", o.gamma, "in (0, 1]");
      if (o.step_size < 1) bad("step_size", static_cast<double>(o.step_size), ">= 1 (epochs)");
      break;
    case ScheduleKind::plateau:
      if (!(o.factor > 0.0 && o.factor < 1.0)) bad("factor", o.factor, "in (0, 1)");
      if (!(o.threshold >= 0.0 && o.threshold < 1.0)) bad("threshold", o.threshold, "in [0, 1)");
      if (!std::isfinite(o.min_lr) || o.min_lr < 0.0) bad("min_lr", o.min_lr, "finite and >= 0");
      if (o.min_lr > initial_lr) bad("min_lr", o.min_lr, "<= the initial learning rate");
      break;
  }
}

double scheduled_lr(const ScheduleOptions& o, double alpha0, std::uint64_t epoch) {
  const double e = static_cast<double>(epoch);
  switch (o.kind) {
    case ScheduleKind::constant:
      return alpha0;
    case ScheduleKind::inverse_time:  // α0 / (1 + d·e)
      return alpha0 / (1.0 + o.decay * e);
    case ScheduleKind::exponential:  // γ^e · α0
      return std::pow(o.gamma, e) * alpha0;
    case ScheduleKind::inverse_sqrt:  // α0 · k / sqrt(e + 1)
      return alpha0 * o.k / std::sqrt(e + 1.0);
    case ScheduleKind::step:  // α0 · γ^floor(e / step_size)
      return alpha0 * std::pow(o.gamma, static_cast<double>(epoch / o.step_size));
    case ScheduleKind::plateau:
      break;
  }
  throw ConfigError(
      "schedule 'plateau' depends on the dev costs, not on the epoch alone; use mlp::optim::Schedule");
}

Schedule::Schedule(const ScheduleOptions& options, double initial_lr)
    : options_(options), initial_lr_(initial_lr) {
  validate(options_, initial_lr_);
  plateau_.lr = initial_lr_;
}

double Schedule::lr(std::uint64_t epoch) const {
  if (options_.kind == ScheduleKind::plateau) return plateau_.lr;
  return scheduled_lr(options_, initial_lr_, epoch);
}

bool Schedule::end_epoch(double dev_cost) {
  if (options_.kind != ScheduleKind::plateau) return false;
  // Improvement (mode "min", threshold_mode "rel"): cost < best·(1 − threshold).
  const bool improved = std::isfinite(dev_cost) &&
                        (!plateau_.best || dev_cost < *plateau_.best * (1.0 - options_.threshold));
  if (improved) {
    plateau_.best = dev_cost;
    plateau_.bad_epochs = 0;
  } else {
    ++plateau_.bad_epochs;
  }
  if (plateau_.cooldown_left > 0) {
    --plateau_.cooldown_left;
    plateau_.bad_epochs = 0;  // bad epochs during the cooldown do not count
  }
  if (plateau_.bad_epochs > options_.patience) {
    const double reduced = std::max(plateau_.lr * options_.factor, options_.min_lr);
    plateau_.cooldown_left = options_.cooldown;
    plateau_.bad_epochs = 0;
    // As PyTorch: a change smaller than 1e-8 is not made.
    if (plateau_.lr - reduced > 1e-8) {
      plateau_.lr = reduced;
      return true;
    }
  }
  return false;
}

void Schedule::load_plateau_state(const PlateauState& s) {
  if (!std::isfinite(s.lr) || s.lr <= 0.0 || s.lr > initial_lr_) {
    throw DataError(fmt::format("schedule state: learning rate {} is not in (0, {}]", s.lr,
                                initial_lr_));
  }
  if (s.best && std::isnan(*s.best)) throw DataError("schedule state: best dev cost is NaN");
  plateau_ = s;
}

}  // namespace mlp::optim
