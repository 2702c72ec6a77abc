// Adagrad (Duchi, Hazan & Singer, 2011): each element's step shrinks with the sum of its
// squared gradients so far:
//   S := S + dθ²;  θ := θ − α dθ / (√S + ε)       (ε = 1e-10, S = 0 before step 1)
// This is torch.optim.Adagrad(lr=α, eps=ε) with its defaults lr_decay = 0, weight_decay = 0 and
// initial_accumulator_value = 0: PyTorch also adds ε outside the square root
// (state_sum.sqrt().add_(eps)), and ε's default is PyTorch's.
#include "optimizer_impl.hpp"

namespace mlp::optim {
namespace {

template <class T>
class Adagrad final : public Optimizer<T> {
 public:
  explicit Adagrad(OptimizerOptions o)
      : Optimizer<T>(o, {{"S", true}}), eps_(static_cast<T>(*o.epsilon)) {}

 protected:
  // θ, dθ, S: [n]
  void update(Parameters<T>& p, T alpha, std::uint64_t /*k*/) override {
    detail::update_elementwise(
        p,
        [&](auto theta, auto g, auto s) {
          s += g.square();
          theta -= alpha * g / (s.sqrt() + eps_);
        },
        this->buffers()[0]);
  }

 private:
  T eps_;
};

constexpr Setting kSettings[] = {detail::epsilon_setting(1e-10)};

}  // namespace
}  // namespace mlp::optim

MLP_DEFINE_OPTIMIZER(adagrad, Adagrad,
                     "Adagrad: S := S + dtheta^2; theta := theta - lr dtheta / (sqrt(S) + epsilon)",
                     kSettings)
