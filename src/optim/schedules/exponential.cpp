// Exponential decay: α = max(γ^e · α0, min_lr), e from 0; γ = 0.95 by default.
#include <cmath>

#include "../schedule_impl.hpp"

namespace mlp::optim::detail {
namespace {

constexpr Setting kSettings[] = {
    gamma_setting(0.95, "factor per epoch: lr(e) = gamma^e lr"),
    min_lr_setting(),
    warmup_epochs_setting(),
    warmup_start_setting(),
};

}  // namespace

constinit const ScheduleRule rule_exponential{
    "exponential: lr(e) = max(gamma^e lr, min_lr)", kSettings,
    // γ^e · α0
    [](const ScheduleOptions& o, double alpha0, std::uint64_t epoch) {
      return std::pow(*o.gamma, static_cast<double>(epoch)) * alpha0;
    },
    nullptr};

}  // namespace mlp::optim::detail
