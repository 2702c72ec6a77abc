// Exponential decay: α = max(γ^e · α0, min_lr), e from 0; γ = 0.95 by default.
#include <cmath>

#include "../schedule_impl.hpp"

namespace mlp::optim::detail {
namespace {

constexpr Setting kSettings[] = {
    gamma_setting(0.95, "factor per epoch: lr(e) = gamma^e lr"),
    min_lr_setting(),
};

// γ^e · α0
double lr(const ScheduleOptions& o, double alpha0, std::uint64_t epoch) {
  return std::pow(*o.gamma, static_cast<double>(epoch)) * alpha0;
}

}  // namespace

const ScheduleRule& rule_exponential() {
  static constexpr ScheduleRule kRule{"exponential: lr(e) = max(gamma^e lr, min_lr)", kSettings,
                                      &lr, nullptr};
  return kRule;
}

}  // namespace mlp::optim::detail
