// Step (staircase) decay: α = max(α0 · γ^⌊e / step⌋, min_lr), e from 0: α is multiplied by γ
// every `step` epochs. γ = 0.5, step = 10 by default.
#include <cmath>

#include "../schedule_impl.hpp"

namespace mlp::optim::detail {
namespace {

constexpr Setting kSettings[] = {
    gamma_setting(0.5, "factor applied every `step` epochs"),
    {"step", Setting::Kind::integer, 10.0, Interval{1.0, false, kMaxEpochs, false},
     "epochs between two decays"},
    min_lr_setting(),
    warmup_epochs_setting(),
    warmup_start_setting(),
};

}  // namespace

constinit const ScheduleRule rule_step{
    "step: lr(e) = max(lr gamma^floor(e / step), min_lr)", kSettings,
    // α0 · γ^⌊e / step⌋
    [](const ScheduleOptions& o, double alpha0, std::uint64_t epoch) {
      return alpha0 * std::pow(*o.gamma, static_cast<double>(epoch / *o.step));
    },
    nullptr};

}  // namespace mlp::optim::detail
