// Adam (SPEC §4) and AdamW (decoupled weight decay, Loshchilov & Hutter), at step k >= 1:
//   V := β1V + (1−β1)dθ;   S := β2S + (1−β2)dθ²
//   V̂ = V/(1−β1^k);        Ŝ = S/(1−β2^k)
//   adam:  θ := θ − α V̂/(√Ŝ + ε)
//   adamw: θ := θ(1 − α·wd·[θ is a weight]) − α V̂/(√Ŝ + ε)     (biases are not decayed)
// Defaults β1 = 0.9, β2 = 0.999, ε = 1e-8; adamw wd = 0.01 (torch.optim.AdamW's default).
// k is the optimizer's single step counter: it advances once per step, for all slices at once.
#include <cmath>

#include "optimizer_impl.hpp"

namespace mlp::optim {
namespace {

template <class T>
class Adam final : public Optimizer<T> {
 public:
  Adam(OptimizerOptions o, bool decoupled_decay)
      : Optimizer<T>(o, {{"V", false}, {"S", true}}, decoupled_decay),
        beta1_(*o.beta1),
        beta2_(*o.beta2),
        eps_(static_cast<T>(*o.epsilon)),
        weight_decay_(static_cast<T>(o.weight_decay.value_or(0.0))),
        decoupled_(decoupled_decay) {}

 protected:
  // θ, dθ, V, S, mask: [n]
  void update(Parameters<T>& p, T alpha, std::uint64_t k) override {
    auto& V = this->buffers()[0];
    auto& S = this->buffers()[1];
    const double kd = static_cast<double>(k);
    const T bias1 = static_cast<T>(1.0 - std::pow(beta1_, kd));  // 1 − β1^k
    const T bias2 = static_cast<T>(1.0 - std::pow(beta2_, kd));  // 1 − β2^k
    const T b1 = static_cast<T>(beta1_);
    const T b2 = static_cast<T>(beta2_);
    const T decay = alpha * weight_decay_;
    const T step_size = alpha / bias1;
    const T inv_sqrt_bias2 = T(1) / std::sqrt(bias2);
    detail::for_each_block(V.size(), [&](Index i, Index len) {
      auto v = V.segment(i, len).array();
      auto s = S.segment(i, len).array();
      const auto g = p.dtheta().segment(i, len).array();
      auto theta = p.theta().segment(i, len).array();
      v = b1 * v + (T(1) - b1) * g;
      s = b2 * s + (T(1) - b2) * g.square();
      if (decoupled_) {
        theta *= T(1) - decay * this->penalized_mask().segment(i, len).array();
      }
      // α·V̂/(√Ŝ + ε) = (α/(1−β1^k))·V / (√S/√(1−β2^k) + ε): no division by the bias
      // corrections per element (one sqrt and one division per element).
      theta -= step_size * v / (s.sqrt() * inv_sqrt_bias2 + eps_);
    });
  }

 private:
  double beta1_;
  double beta2_;
  T eps_;
  T weight_decay_;
  bool decoupled_;
};

constexpr Setting kAdamSettings[] = {
    detail::decay_rate_setting("beta1", 0.9, "decay rate of the gradient average V"),
    detail::decay_rate_setting("beta2", 0.999, "decay rate of the squared-gradient average S"),
    detail::epsilon_setting(1e-8),
};
constexpr Setting kAdamWSettings[] = {
    kAdamSettings[0],
    kAdamSettings[1],
    kAdamSettings[2],
    {"weight_decay", Setting::Kind::real, 0.01, kNonNegativeReal,
     "decoupled decay of the weights (not the biases): theta := theta - lr * weight_decay * theta"},
};

}  // namespace

namespace detail {
const OptimizerInfo& info_adam() {
  static constexpr OptimizerInfo kInfo{
      "Adam: bias-corrected averages V of dtheta and S of dtheta^2; "
      "theta := theta - lr V^ / (sqrt(S^) + epsilon)",
      kAdamSettings};
  return kInfo;
}
const OptimizerInfo& info_adamw() {
  static constexpr OptimizerInfo kInfo{
      "AdamW: Adam with decoupled weight decay of the weights (biases are not decayed)",
      kAdamWSettings};
  return kInfo;
}
template <class T>
std::unique_ptr<Optimizer<T>> make_adam(const OptimizerOptions& resolved) {
  return std::make_unique<Adam<T>>(resolved, false);
}
template <class T>
std::unique_ptr<Optimizer<T>> make_adamw(const OptimizerOptions& resolved) {
  return std::make_unique<Adam<T>>(resolved, true);
}
template std::unique_ptr<Optimizer<float>> make_adam<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_adam<double>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<float>> make_adamw<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_adamw<double>(const OptimizerOptions&);
}  // namespace detail

}  // namespace mlp::optim
