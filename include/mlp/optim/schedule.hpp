// Learning-rate schedules (SPEC §4, docs/optimization.md).
//
// A schedule only produces the step size α handed to Optimizer::step, so every schedule
// composes with every optimizer. Epochs are counted from e = 0: the first epoch trains with α0.
//
//   constant       α = α0
//   inverse_time   α = α0 / (1 + d·e)
//   exponential    α = γ^e · α0
//   inverse_sqrt   α = α0 · k / sqrt(e + 1)        (the SPEC's k/sqrt(e)·α0 with e counted from 1)
//   step           α = α0 · γ^floor(e / step_size)
//   plateau        α starts at α0 and is multiplied by `factor` when the dev cost has not
//                  improved for more than `patience` epochs (PyTorch ReduceLROnPlateau, mode
//                  "min", threshold_mode "rel"); never below min_lr.
//
// The first five are pure functions of e (scheduled_lr); plateau depends on the dev costs seen
// and lives in the stateful Schedule object, which serves all six behind one interface.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mlp::optim {

enum class ScheduleKind { constant, inverse_time, exponential, inverse_sqrt, step, plateau };

std::string_view to_string(ScheduleKind kind);
/// Parses constant, inverse_time, exponential, inverse_sqrt, step, plateau; anything else is
/// a ConfigError with the valid names and a did-you-mean.
ScheduleKind parse_schedule(std::string_view name);
std::vector<std::string_view> schedule_names();

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::constant;
  double decay = 0.0;           ///< inverse_time: d >= 0
  double gamma = 0.95;          ///< exponential, step: γ in (0, 1]
  double k = 1.0;               ///< inverse_sqrt: scale k > 0
  std::uint64_t step_size = 1;  ///< step: epochs per stage, >= 1
  // plateau (defaults as PyTorch ReduceLROnPlateau)
  double factor = 0.1;          ///< new α = factor·α, factor in (0, 1)
  std::uint64_t patience = 10;  ///< epochs without improvement tolerated before reducing
  double threshold = 1e-4;      ///< improvement means cost < best·(1 − threshold), in [0, 1)
  std::uint64_t cooldown = 0;   ///< epochs after a reduction during which no bad epoch counts
  double min_lr = 0.0;          ///< lower bound on α, >= 0
};

/// Throws ConfigError naming the key (schedule.gamma, ...), the value and the valid range.
/// `initial_lr` must be finite and > 0.
void validate(const ScheduleOptions& options, double initial_lr);

/// α at epoch e (from 0) for the pure schedules. Throws ConfigError for `plateau`, which is not
/// a function of e alone (use Schedule).
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
  Schedule(const ScheduleOptions& options, double initial_lr);  ///< validates

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
