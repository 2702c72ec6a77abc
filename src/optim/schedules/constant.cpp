// Constant learning rate: α = α0 at every epoch. No settings (no min_lr: nothing decays).
#include "../schedule_impl.hpp"

namespace mlp::optim::detail {

const ScheduleRule& rule_constant() {
  static constexpr ScheduleRule kRule{
      "constant: lr(e) = lr", {},
      [](const ScheduleOptions&, double alpha0, std::uint64_t) { return alpha0; }, nullptr};
  return kRule;
}

}  // namespace mlp::optim::detail
