// Momentum in PyTorch's SGD form (torch.optim.SGD with momentum=β, dampening=0):
//   V := βV + dθ
//   θ := θ − αV                 (nesterov = false)
//   θ := θ − α(dθ + βV)         (nesterov = true, with the V just updated)
// β = 0.9, V = 0 before step 1 (so V = dθ after it, as PyTorch's first step).
#include "optimizer_impl.hpp"

namespace mlp::optim {
namespace {

template <class T>
class MomentumPytorch final : public Optimizer<T> {
 public:
  explicit MomentumPytorch(OptimizerOptions o)
      : Optimizer<T>(o, {{"V", false}}), beta_(static_cast<T>(*o.beta)), nesterov_(*o.nesterov) {}

 protected:
  // θ, dθ, V: [n]
  void update(Parameters<T>& p, T alpha, std::uint64_t /*k*/) override {
    detail::update_elementwise(
        p,
        [&](auto theta, auto g, auto v) {
          v = beta_ * v + g;
          if (nesterov_) {
            theta -= alpha * (g + beta_ * v);
          } else {
            theta -= alpha * v;
          }
        },
        this->buffers()[0]);
  }

 private:
  T beta_;
  bool nesterov_;
};

constexpr Setting kSettings[] = {
    detail::decay_rate_setting("beta", 0.9, "momentum: weight of V in V := beta V + dtheta"),
    {"nesterov",
     Setting::Kind::boolean,
     0.0,
     {},
     "Nesterov's form: theta := theta - lr (dtheta + beta V)"},
};

}  // namespace
}  // namespace mlp::optim

MLP_DEFINE_OPTIMIZER(momentum_pytorch, MomentumPytorch,
                     "momentum, PyTorch's SGD form: V := beta V + dtheta; theta := theta - lr V "
                     "(optionally Nesterov)",
                     kSettings)
