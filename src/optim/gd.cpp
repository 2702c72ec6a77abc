// Gradient descent: θ := θ − α dθ. No state.
#include "optimizer_impl.hpp"

namespace mlp::optim {
namespace {

template <class T>
class GradientDescent final : public Optimizer<T> {
 public:
  explicit GradientDescent(OptimizerOptions o) : Optimizer<T>(std::move(o), {}) {}

 protected:
  // θ, dθ: [n]
  void update(Parameters<T>& p, T alpha, std::uint64_t /*k*/) override {
    p.theta() -= alpha * p.dtheta();
  }
};

}  // namespace
}  // namespace mlp::optim

MLP_DEFINE_OPTIMIZER(gd, GradientDescent, "gradient descent: theta := theta - lr * dtheta",
                     std::span<const Setting>{})
