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
    auto& V = this->buffers()[0];
    detail::for_each_block(V.size(), [&](Index i, Index len) {
      auto v = V.segment(i, len).array();
      const auto g = p.dtheta().segment(i, len).array();
      auto theta = p.theta().segment(i, len).array();
      v = beta_ * v + g;
      if (nesterov_) {
        theta -= alpha * (g + beta_ * v);
      } else {
        theta -= alpha * v;
      }
    });
  }

 private:
  T beta_;
  bool nesterov_;
};

}  // namespace

namespace detail {
template <class T>
std::unique_ptr<Optimizer<T>> make_momentum_pytorch(const OptimizerOptions& options) {
  reject_unused(options, {"beta", "nesterov"});
  OptimizerOptions o = options;
  o.beta = decay_rate(options, options.beta, 0.9, "beta");
  o.nesterov = options.nesterov.value_or(false);
  return std::make_unique<MomentumPytorch<T>>(o);
}
template std::unique_ptr<Optimizer<float>> make_momentum_pytorch<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_momentum_pytorch<double>(
    const OptimizerOptions&);
}  // namespace detail

}  // namespace mlp::optim
