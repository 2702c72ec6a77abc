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

template <class T, bool kDecoupled>
class AdamForm final : public Optimizer<T> {
 public:
  explicit AdamForm(OptimizerOptions o)
      : Optimizer<T>(o, {{"V", false}, {"S", true}}, kDecoupled),
        beta1_(*o.beta1),
        beta2_(*o.beta2),
        eps_(static_cast<T>(*o.epsilon)),
        weight_decay_(static_cast<T>(o.weight_decay.value_or(0.0))) {}

 protected:
  // θ, dθ, V, S, mask: [n]
  void update(Parameters<T>& p, T alpha, std::uint64_t k) override {
    const double kd = static_cast<double>(k);
    const T bias1 = static_cast<T>(1.0 - std::pow(beta1_, kd));  // 1 − β1^k
    const T bias2 = static_cast<T>(1.0 - std::pow(beta2_, kd));  // 1 − β2^k
    const T b1 = static_cast<T>(beta1_);
    const T b2 = static_cast<T>(beta2_);
    const T decay = alpha * weight_decay_;
    const T step_size = alpha / bias1;
    const T inv_sqrt_bias2 = T(1) / std::sqrt(bias2);
    auto& V = this->buffers()[0];
    auto& S = this->buffers()[1];
    const auto adam = [&](auto theta, auto g, auto v, auto s) {
      v = b1 * v + (T(1) - b1) * g;
      s = b2 * s + (T(1) - b2) * g.square();
      // α·V̂/(√Ŝ + ε) = (α/(1−β1^k))·V / (√S/√(1−β2^k) + ε): no division by the bias
      // corrections per element (one sqrt and one division per element).
      theta -= step_size * v / (s.sqrt() * inv_sqrt_bias2 + eps_);
    };
    if constexpr (kDecoupled) {
      // weight: the penalized mask, 1 for a weight and 0 for a bias.
      detail::update_elementwise(
          p,
          [&](auto theta, auto g, auto v, auto s, auto weight) {
            theta *= T(1) - decay * weight;
            adam(theta, g, v, s);
          },
          V, S, this->penalized_mask());
    } else {
      detail::update_elementwise(p, adam, V, S);
    }
  }

 private:
  double beta1_;
  double beta2_;
  T eps_;
  T weight_decay_;
};

template <class T>
using Adam = AdamForm<T, false>;
template <class T>
using AdamW = AdamForm<T, true>;

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

}  // namespace mlp::optim

MLP_DEFINE_OPTIMIZER(adam, Adam,
                     "Adam: bias-corrected averages V of dtheta and S of dtheta^2; "
                     "theta := theta - lr V^ / (sqrt(S^) + epsilon)",
                     kAdamSettings)
MLP_DEFINE_OPTIMIZER(
    adamw, AdamW, "AdamW: Adam with decoupled weight decay of the weights (biases are not decayed)",
    kAdamWSettings)
