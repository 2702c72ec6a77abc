// RMSprop as in the SPEC:
//   S := βS + (1−β)dθ²;  θ := θ − α dθ / (√S + ε)       (β = 0.9, ε = 1e-8, S = 0 before step 1)
// This is torch.optim.RMSprop(alpha=β, eps=ε) without centering or momentum: PyTorch also adds
// ε outside the square root; only its default alpha (0.99) differs.
#include "optimizer_impl.hpp"

namespace mlp::optim {
namespace {

template <class T>
class RmsProp final : public Optimizer<T> {
 public:
  explicit RmsProp(OptimizerOptions o)
      : Optimizer<T>(o, {{"S", true}}),
        beta_(static_cast<T>(*o.beta)),
        eps_(static_cast<T>(*o.epsilon)) {}

 protected:
  // θ, dθ, S: [n]
  void update(Parameters<T>& p, T alpha, std::uint64_t /*k*/) override {
    detail::update_elementwise(
        p,
        [&](auto theta, auto g, auto s) {
          s = beta_ * s + (T(1) - beta_) * g.square();
          theta -= alpha * g / (s.sqrt() + eps_);
        },
        this->buffers()[0]);
  }

 private:
  T beta_;
  T eps_;
};

constexpr Setting kSettings[] = {
    detail::decay_rate_setting("beta", 0.9, "decay rate of the squared-gradient average S"),
    detail::epsilon_setting(1e-8),
};

}  // namespace
}  // namespace mlp::optim

MLP_DEFINE_OPTIMIZER(rmsprop, RmsProp,
                     "RMSprop: S := beta S + (1 - beta) dtheta^2; "
                     "theta := theta - lr dtheta / (sqrt(S) + epsilon)",
                     kSettings)
