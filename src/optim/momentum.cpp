// Momentum in the exponentially-weighted form of the SPEC:
//   V := βV + (1−β)dθ;  θ := θ − αV        (β = 0.9, V = 0 before step 1)
// V is an exponentially weighted average of the gradients, so it has the scale of dθ; the
// PyTorch form (momentum_pytorch) sums them instead and equals this one with α·(1−β) in place
// of α (docs/optimization.md).
#include "optimizer_impl.hpp"

namespace mlp::optim {
namespace {

template <class T>
class Momentum final : public Optimizer<T> {
 public:
  explicit Momentum(OptimizerOptions o)
      : Optimizer<T>(o, {{"V", false}}), beta_(static_cast<T>(*o.beta)) {}

 protected:
  // θ, dθ, V: [n]
  void update(Parameters<T>& p, T alpha, std::uint64_t /*k*/) override {
    detail::update_elementwise(
        p,
        [&](auto theta, auto g, auto v) {
          v = beta_ * v + (T(1) - beta_) * g;
          theta -= alpha * v;
        },
        this->buffers()[0]);
  }

 private:
  T beta_;
};

constexpr Setting kSettings[] = {
    detail::decay_rate_setting("beta", 0.9, "decay rate of the gradient average V"),
};

}  // namespace
}  // namespace mlp::optim

MLP_DEFINE_OPTIMIZER(
    momentum, Momentum,
    "momentum, the SPEC's averaged form: V := beta V + (1 - beta) dtheta; theta := theta - lr V",
    kSettings)
