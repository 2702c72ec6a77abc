// Learning-rate schedules (SPEC §4, docs/optimization.md).
//
// A schedule only produces the step size α handed to Optimizer::step, so every schedule
// composes with every optimizer. Epochs are counted from e = 0: the first epoch trains with α0.
// Every decaying schedule is floored by min_lr (default 0, at most α0):
//
//   constant       α = α0
//   inverse_time   α = max(α0 / (1 + d·e), min_lr)                         (d = 0.1)
//   exponential    α = max(γ^e · α0, min_lr)                               (γ = 0.95)
//   inverse_sqrt   α = max(α0 · k / sqrt(e + 1), min_lr)                   (k = 1)
//                  (the SPEC's k/sqrt(e)·α0 with e counted from 1)
//   step           α = max(α0 · γ^floor(e / step), min_lr)                 (γ = 0.5, step = 10)
//   cosine         α = min_lr + (α0 − min_lr)(1 + cos(π·min(e, T)/T))/2     (T = period)
//   cosine_restarts  the same over cycles of T_i = period·t_mult^i epochs, each restarting at α0
//                  (SGDR)                                       (period = 10, t_mult = 1)
//   plateau        α starts at α0 and becomes max(factor·α, min_lr) when the dev cost has not
//                  improved for more than `patience` epochs (PyTorch ReduceLROnPlateau, mode
//                  "min", threshold_mode "rel")   (factor = 0.1, patience = 3, threshold = 1e-4)
//
// Every schedule can be preceded by a linear warmup of w = warmup_epochs epochs (default 0):
// for e < w, α = α0·(s + (1 − s)·e/w) with s = warmup_start (default 0.1), and from e = w on the
// schedule runs with its epoch counted from the end of the warmup (e − w); plateau starts at α0
// after the warmup and watches the dev cost from the first epoch. This is PyTorch's LinearLR
// followed by the schedule in a SequentialLR.
//
// Each schedule publishes its settings with their defaults and ranges (schedule_settings), the
// one description read by the configuration. The first five are pure functions of e
// (scheduled_lr); plateau depends on the dev costs seen and lives in the stateful Schedule
// object, which serves all six behind one interface.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "mlp/core/setting.hpp"

// X(name) for every schedule, in the order listed by schedule_names(). Adding a schedule = one
// file src/optim/schedules/<name>.cpp (its rule and settings) + one line here.
#define MLP_SCHEDULES(X) \
  X(constant)            \
  X(inverse_time)        \
  X(exponential)         \
  X(inverse_sqrt)        \
  X(step)                \
  X(cosine)              \
  X(cosine_restarts)     \
  X(plateau)

namespace mlp::optim {

enum class ScheduleKind {
#define MLP_SCHEDULE_KIND(n) n,
  MLP_SCHEDULES(MLP_SCHEDULE_KIND)
#undef MLP_SCHEDULE_KIND
};

std::string_view to_string(ScheduleKind kind);
/// Parses a registered name (constant, inverse_time, exponential, inverse_sqrt, step, cosine,
/// cosine_restarts, plateau);
/// anything else is a ConfigError with the valid names and a did-you-mean.
ScheduleKind parse_schedule(std::string_view name);
/// The registered schedule names, in registration order.
std::vector<std::string_view> schedule_names();
/// The settings schedule `schedule` reads, with their defaults and ranges (keys as in a
/// configuration file). ConfigError (with a did-you-mean) for an unknown name.
std::span<const Setting> schedule_settings(std::string_view schedule);
/// One line describing schedule `schedule` (its formula), for documentation.
std::string_view schedule_doc(std::string_view schedule);

/// The settings of a schedule, one field per setting key of schedule_settings(). An unset
/// field takes the registered default of the schedule `kind`; fields of settings that `kind`
/// does not publish are not read.
struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::constant;
  std::optional<double> decay{};            ///< inverse_time: d
  std::optional<double> gamma{};            ///< exponential, step: γ
  std::optional<double> k{};                ///< inverse_sqrt: scale k
  std::optional<std::uint64_t> step{};      ///< step: epochs per stage
  std::optional<double> factor{};           ///< plateau: new α = factor·α
  std::optional<std::uint64_t> patience{};  ///< plateau: epochs without improvement tolerated
  std::optional<double> threshold{};        ///< plateau: improvement = cost < best·(1 − threshold)
  std::optional<double> min_lr{};           ///< every decaying schedule: lower bound on α
  std::optional<std::uint64_t> period{};    ///< cosine, cosine_restarts: epochs of a (first) cycle
  std::optional<std::uint64_t> t_mult{};    ///< cosine_restarts: growth of the cycles
  std::optional<std::uint64_t> warmup_epochs{};  ///< every schedule: epochs of linear warmup
  std::optional<double> warmup_start{};     ///< every schedule: α factor of the first warmup epoch
  /// plateau: epochs after a reduction during which no bad epoch counts (PyTorch's cooldown;
  /// a library option, not a published setting).
  std::uint64_t cooldown = 0;

  /// Sets the field of setting `key` ("gamma", "step", ...). Throws ConfigError for a key that
  /// is no schedule's setting, or an integer setting (step, patience) given a value that is not
  /// a non-negative integer. Ranges are checked by validate, against the schedule's settings.
  void set(std::string_view key, double value);
  /// The field of setting `key`, nullopt when unset. ConfigError for a key that is no
  /// schedule's setting.
  [[nodiscard]] std::optional<double> get(std::string_view key) const;
};

/// Throws ConfigError naming the key (schedule.gamma, ...), the value and the valid range, for
/// every setting of `options.kind` (the value set or its default), and when min_lr exceeds
/// `initial_lr`. `initial_lr` must be finite and > 0.
void validate(const ScheduleOptions& options, double initial_lr);

/// α at epoch e (from 0) for the pure schedules, floored by min_lr; validates as validate().
/// Throws ConfigError for `plateau`, which is not a function of e alone (use Schedule).
double scheduled_lr(const ScheduleOptions& options, double initial_lr, std::uint64_t epoch);

/// The internal state of reduce-on-plateau, for checkpoints.
struct PlateauState {
  double lr = 0.0;
  std::optional<double> best;  ///< best dev cost so far (none before the first epoch)
  std::uint64_t bad_epochs = 0;
  std::uint64_t cooldown_left = 0;
};

/// One object for every schedule. lr(e) gives the step size of epoch e; end_epoch(dev_cost)
/// reports the dev cost at the end of an epoch (ignored except by plateau).
class Schedule {
 public:
  /// Validates; options() then holds every setting of the schedule filled in.
  Schedule(const ScheduleOptions& options, double initial_lr);

  [[nodiscard]] double lr(std::uint64_t epoch) const;
  /// Returns true when this call reduced α (plateau only). A non-finite dev cost counts as
  /// no improvement.
  bool end_epoch(double dev_cost);

  [[nodiscard]] const ScheduleOptions& options() const { return options_; }
  [[nodiscard]] double initial_lr() const { return initial_lr_; }
  [[nodiscard]] const PlateauState& plateau_state() const { return plateau_; }
  /// Restores a checkpointed plateau state (DataError if its values are impossible).
  void load_plateau_state(const PlateauState& state);

 private:
  ScheduleOptions options_;
  double initial_lr_;
  PlateauState plateau_;
};

}  // namespace mlp::optim
