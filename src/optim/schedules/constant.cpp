// Constant learning rate: α = α0 at every epoch. Only the warmup settings (no min_lr: nothing
// decays).
#include "../schedule_impl.hpp"

namespace mlp::optim::detail {
namespace {

constexpr Setting kSettings[] = {
    warmup_epochs_setting(),
    warmup_start_setting(),
};

}  // namespace

constinit const ScheduleRule rule_constant{
    "constant: lr(e) = lr", kSettings,
    [](const ScheduleOptions&, double alpha0, std::uint64_t) { return alpha0; },
    nullptr};

}  // namespace mlp::optim::detail
