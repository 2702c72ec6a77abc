// The schedule registry (MLP_SCHEDULES), settings by key, validation driven by the published
// ranges, and the Schedule object. Each schedule's rule lives in schedules/<name>.cpp.
#include "mlp/optim/schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"
#include "schedule_impl.hpp"

namespace mlp::optim {
namespace {

struct Entry {
  std::string_view name;
  ScheduleKind kind;
  const detail::ScheduleRule* rule;
};

constexpr std::array kRegistry{
#define MLP_REGISTRY_ENTRY(n) Entry{#n, ScheduleKind::n, &detail::rule_##n},
    MLP_SCHEDULES(MLP_REGISTRY_ENTRY)
#undef MLP_REGISTRY_ENTRY
};

const Entry& entry(ScheduleKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  if (i >= kRegistry.size()) {
    throw ConfigError(fmt::format("invalid schedule kind {}", static_cast<int>(kind)));
  }
  return kRegistry[i];
}

const Entry& find(std::string_view name) {
  for (const auto& e : kRegistry) {
    if (e.name == name) return e;
  }
  const auto names = schedule_names();
  throw ConfigError(unknown_name_message("schedule", name, names));
}

// ---- settings by key --------------------------------------------------------------------

constexpr std::array<std::string_view, 12> kKeys{
    "decay",     "gamma",  "k",      "step",   "factor",        "patience",
    "threshold", "min_lr", "period", "t_mult", "warmup_epochs", "warmup_start"};

using RealField = std::optional<double> ScheduleOptions::*;
using IntegerField = std::optional<std::uint64_t> ScheduleOptions::*;

RealField real_field(std::string_view key) {
  if (key == "decay") return &ScheduleOptions::decay;
  if (key == "gamma") return &ScheduleOptions::gamma;
  if (key == "k") return &ScheduleOptions::k;
  if (key == "factor") return &ScheduleOptions::factor;
  if (key == "threshold") return &ScheduleOptions::threshold;
  if (key == "min_lr") return &ScheduleOptions::min_lr;
  if (key == "warmup_start") return &ScheduleOptions::warmup_start;
  return nullptr;
}

IntegerField integer_field(std::string_view key) {
  if (key == "step") return &ScheduleOptions::step;
  if (key == "patience") return &ScheduleOptions::patience;
  if (key == "period") return &ScheduleOptions::period;
  if (key == "t_mult") return &ScheduleOptions::t_mult;
  if (key == "warmup_epochs") return &ScheduleOptions::warmup_epochs;
  return nullptr;
}

[[noreturn]] void unknown_key(std::string_view key) {
  throw ConfigError(unknown_name_message("schedule setting", key, kKeys));
}

/// `options` with every setting of its schedule filled in (value set or default) and checked
/// against the setting's range; min_lr at most `initial_lr`.
ScheduleOptions resolve(const ScheduleOptions& options, double initial_lr) {
  if (!std::isfinite(initial_lr) || initial_lr <= 0.0) {
    throw ConfigError(fmt::format("optimizer.lr must be > 0 and finite (got {})", initial_lr));
  }
  const auto& rule = *entry(options.kind).rule;
  ScheduleOptions resolved{.kind = options.kind, .cooldown = options.cooldown};
  for (const auto& s : rule.settings) {
    const double v = options.get(s.key).value_or(s.default_value);
    if (!s.range.contains(v)) {
      throw ConfigError(fmt::format("schedule.{} must be {} (got {})", s.key,
                                    s.range.text(s.kind == Setting::Kind::integer), v));
    }
    if (s.key == "min_lr" && v > initial_lr) {
      throw ConfigError(fmt::format(
          "schedule.min_lr must be <= the initial learning rate {} (got {})", initial_lr, v));
    }
    resolved.set(s.key, v);
  }
  if (resolved.kind == ScheduleKind::cosine && resolved.period == 0u) {
    throw ConfigError(
        "schedule.period of the cosine schedule must be >= 1 (the configuration sets it to "
        "train.epochs - warmup_epochs when it is 0: give more epochs than warmup epochs)");
  }
  return resolved;
}

/// α at epoch e < warmup_epochs: α0·(s + (1 − s)·e/w); nullopt after the warmup.
std::optional<double> warmup_lr(const ScheduleOptions& resolved, double initial_lr,
                                std::uint64_t epoch) {
  const std::uint64_t w = resolved.warmup_epochs.value_or(0);
  if (epoch >= w) return std::nullopt;
  const double s = resolved.warmup_start.value_or(1.0);
  return initial_lr * (s + (1.0 - s) * static_cast<double>(epoch) / static_cast<double>(w));
}

/// α at epoch e of a pure schedule from resolved options: the warmup, then the rule at
/// e − warmup_epochs floored by min_lr.
double pure_lr(const ScheduleOptions& resolved, double initial_lr, std::uint64_t epoch) {
  const auto& rule = *entry(resolved.kind).rule;
  if (rule.lr == nullptr) {
    throw ConfigError(
        fmt::format("schedule '{}' depends on the dev costs, not on the epoch alone; use "
                    "mlp::optim::Schedule",
                    to_string(resolved.kind)));
  }
  if (const auto warm = warmup_lr(resolved, initial_lr, epoch)) return *warm;
  const double alpha = rule.lr(resolved, initial_lr, epoch - resolved.warmup_epochs.value_or(0));
  return resolved.min_lr ? std::max(alpha, *resolved.min_lr) : alpha;
}

}  // namespace

void ScheduleOptions::set(std::string_view key, double value) {
  if (const auto field = integer_field(key)) {
    // Exactly representable integers only (up to 2^53).
    if (!(value >= 0.0 && value <= 9007199254740992.0) || std::floor(value) != value) {
      throw ConfigError(
          fmt::format("schedule.{} must be a non-negative integer (got {})", key, value));
    }
    this->*field = static_cast<std::uint64_t>(value);
    return;
  }
  const auto field = real_field(key);
  if (field == nullptr) unknown_key(key);
  this->*field = value;
}

std::optional<double> ScheduleOptions::get(std::string_view key) const {
  if (const auto field = integer_field(key)) {
    if (!(this->*field)) return std::nullopt;
    return static_cast<double>(*(this->*field));
  }
  const auto field = real_field(key);
  if (field == nullptr) unknown_key(key);
  return this->*field;
}

std::string_view to_string(ScheduleKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < kRegistry.size() ? kRegistry[i].name : "?";
}

std::vector<std::string_view> schedule_names() {
  std::vector<std::string_view> names;
  for (const auto& e : kRegistry) names.push_back(e.name);
  return names;
}

ScheduleKind parse_schedule(std::string_view name) { return find(name).kind; }

std::span<const Setting> schedule_settings(std::string_view schedule) {
  return find(schedule).rule->settings;
}

std::string_view schedule_doc(std::string_view schedule) { return find(schedule).rule->doc; }

void validate(const ScheduleOptions& options, double initial_lr) {
  (void)resolve(options, initial_lr);
}

double scheduled_lr(const ScheduleOptions& options, double initial_lr, std::uint64_t epoch) {
  return pure_lr(resolve(options, initial_lr), initial_lr, epoch);
}

Schedule::Schedule(const ScheduleOptions& options, double initial_lr)
    : options_(resolve(options, initial_lr)), initial_lr_(initial_lr) {
  plateau_.lr = initial_lr_;
}

double Schedule::lr(std::uint64_t epoch) const {
  if (entry(options_.kind).rule->lr == nullptr) {
    return warmup_lr(options_, initial_lr_, epoch).value_or(plateau_.lr);
  }
  return pure_lr(options_, initial_lr_, epoch);
}

bool Schedule::end_epoch(double dev_cost) {
  const auto& rule = *entry(options_.kind).rule;
  return rule.end_epoch != nullptr && rule.end_epoch(options_, plateau_, dev_cost);
}

void Schedule::load_plateau_state(const PlateauState& s) {
  if (!std::isfinite(s.lr) || s.lr <= 0.0 || s.lr > initial_lr_) {
    throw DataError(
        fmt::format("schedule state: learning rate {} is not in (0, {}]", s.lr, initial_lr_));
  }
  if (s.best && std::isnan(*s.best)) throw DataError("schedule state: best dev cost is NaN");
  plateau_ = s;
}

}  // namespace mlp::optim
