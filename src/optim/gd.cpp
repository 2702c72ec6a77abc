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
template <class T>
std::unique_ptr<Optimizer<T>> make_gd(const OptimizerOptions& options) {
  reject_unused(options, {});
  return std::make_unique<GradientDescent<T>>(options);
}
template std::unique_ptr<Optimizer<float>> make_gd<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_gd<double>(const OptimizerOptions&);
}  // namespace detail

}  // namespace mlp::optim
