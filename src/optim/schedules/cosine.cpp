// Cosine annealing over `period` epochs (PyTorch's CosineAnnealingLR, η_min = min_lr):
//   α = min_lr + (α0 − min_lr) · (1 + cos(π · min(e, T) / T)) / 2,      T = period
// After T epochs α stays at min_lr (PyTorch's closed form would climb back up). period = 0, the
// default, is resolved by the configuration to train.epochs − warmup_epochs, so that the rate
// reaches min_lr at the end of training; the library requires period ≥ 1.
#include <algorithm>
#include <cmath>

#include "../schedule_impl.hpp"

namespace mlp::optim::detail {
namespace {

constexpr Setting kSettings[] = {
    {"period", Setting::Kind::integer, 0.0, Interval{0.0, false, kMaxEpochs, false},
     "epochs from lr down to min_lr (0: train.epochs - warmup_epochs)"},
    min_lr_setting(),
    warmup_epochs_setting(),
    warmup_start_setting(),
};

}  // namespace

constinit const ScheduleRule rule_cosine{
    "cosine: lr(e) = min_lr + (lr - min_lr) (1 + cos(pi min(e, period) / period)) / 2", kSettings,
    [](const ScheduleOptions& o, double alpha0, std::uint64_t epoch) {
      const double t_max = static_cast<double>(*o.period);
      const double t = std::min(static_cast<double>(epoch), t_max);
      return cosine_between(alpha0, *o.min_lr, t / t_max);
    },
    nullptr};

}  // namespace mlp::optim::detail
