// Inverse square root: α = max(α0 · k / √(e + 1), min_lr), e from 0; k = 1 by default. This is
// the SPEC's k/√e · α0 with epochs counted from 1, defined on the first epoch (k·α0 there).
#include <cmath>

#include "../schedule_impl.hpp"

namespace mlp::optim::detail {
namespace {

constexpr Setting kSettings[] = {
    {"k", Setting::Kind::real, 1.0, kPositiveReal, "scale k in lr(e) = lr k / sqrt(e + 1)"},
    min_lr_setting(),
    warmup_epochs_setting(),
    warmup_start_setting(),
};

}  // namespace

constinit const ScheduleRule rule_inverse_sqrt{
    "inverse square root: lr(e) = max(lr k / sqrt(e + 1), min_lr)", kSettings,
    // α0 · k / √(e + 1)
    [](const ScheduleOptions& o, double alpha0, std::uint64_t epoch) {
      return alpha0 * *o.k / std::sqrt(static_cast<double>(epoch) + 1.0);
    },
    nullptr};

}  // namespace mlp::optim::detail
