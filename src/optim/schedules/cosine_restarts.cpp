// Cosine annealing with warm restarts, SGDR (PyTorch's CosineAnnealingWarmRestarts with
// T_0 = period, T_mult = t_mult, η_min = min_lr): the rate follows a cosine from α0 down to
// min_lr over a cycle of T_i epochs, then restarts at α0; cycle i lasts T_i = period · t_mult^i.
//   α = min_lr + (α0 − min_lr) · (1 + cos(π · t / T_i)) / 2,   t = epochs since the restart
// period = 10 and t_mult = 1 (equal cycles) by default.
#include <cmath>

#include "../schedule_impl.hpp"

namespace mlp::optim::detail {
namespace {

constexpr Setting kSettings[] = {
    {"period", Setting::Kind::integer, 10.0, Interval{1.0, false, kMaxEpochs, false},
     "epochs of the first cycle"},
    {"t_mult", Setting::Kind::integer, 1.0, Interval{1.0, false, 1e3, false},
     "each cycle lasts t_mult times the previous one"},
    min_lr_setting(),
    warmup_epochs_setting(),
    warmup_start_setting(),
};

}  // namespace

constinit const ScheduleRule rule_cosine_restarts{
    "cosine_restarts: cosine from lr to min_lr over cycles of period t_mult^i epochs, each "
    "restarting at lr",
    kSettings,
    [](const ScheduleOptions& o, double alpha0, std::uint64_t epoch) {
      // Walk the cycles: at most log_{t_mult}(e) of them, or e / period when t_mult = 1.
      std::uint64_t cycle = *o.period;
      std::uint64_t t = epoch;
      if (*o.t_mult == 1) {
        t = epoch % cycle;
      } else {
        while (t >= cycle) {
          t -= cycle;
          cycle *= *o.t_mult;
        }
      }
      return cosine_between(alpha0, *o.min_lr, static_cast<double>(t) / static_cast<double>(cycle));
    },
    nullptr};

}  // namespace mlp::optim::detail
