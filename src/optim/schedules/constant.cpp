// Constant learning rate: α = α0 at every epoch. No settings (no min_lr: nothing decays).
#include "../schedule_impl.hpp"

namespace mlp::optim::detail {

constinit const ScheduleRule rule_constant{
    "constant: lr(e) = lr",
    {},
    [](const ScheduleOptions&, double alpha0, std::uint64_t) { return alpha0; },
    nullptr};

}  // namespace mlp::optim::detail
