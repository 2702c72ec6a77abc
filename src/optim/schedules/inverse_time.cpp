// Inverse-time decay: α = max(α0 / (1 + d·e), min_lr), e from 0; d = 0.1 by default.
#include "../schedule_impl.hpp"

namespace mlp::optim::detail {
namespace {

constexpr Setting kSettings[] = {
    {"decay", Setting::Kind::real, 0.1, kNonNegativeReal, "d in lr(e) = lr / (1 + d e)"},
    min_lr_setting(),
    warmup_epochs_setting(),
    warmup_start_setting(),
};

}  // namespace

constinit const ScheduleRule rule_inverse_time{
    "inverse time: lr(e) = max(lr / (1 + decay e), min_lr)", kSettings,
    // α0 / (1 + d·e)
    [](const ScheduleOptions& o, double alpha0, std::uint64_t epoch) {
      return alpha0 / (1.0 + *o.decay * static_cast<double>(epoch));
    },
    nullptr};

}  // namespace mlp::optim::detail
