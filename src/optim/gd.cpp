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

namespace detail {
const OptimizerInfo& info_gd() {
  static constexpr OptimizerInfo kInfo{"gradient descent: theta := theta - lr * dtheta", {}};
  return kInfo;
}
template <class T>
std::unique_ptr<Optimizer<T>> make_gd(const OptimizerOptions& resolved) {
  return std::make_unique<GradientDescent<T>>(resolved);
}
template std::unique_ptr<Optimizer<float>> make_gd<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_gd<double>(const OptimizerOptions&);
}  // namespace detail

}  // namespace mlp::optim
