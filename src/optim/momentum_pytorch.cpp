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

constexpr Setting kSettings[] = {
    detail::decay_rate_setting("beta", 0.9, "momentum: weight of V in V := beta V + dtheta"),
    {"nesterov", Setting::Kind::boolean, 0.0, {},
     "Nesterov's form: theta := theta - lr (dtheta + beta V)"},
};

}  // namespace

namespace detail {
const OptimizerInfo& info_momentum_pytorch() {
  static constexpr OptimizerInfo kInfo{
      "momentum, PyTorch's SGD form: V := beta V + dtheta; theta := theta - lr V "
      "(optionally Nesterov)",
      kSettings};
  return kInfo;
}
template <class T>
std::unique_ptr<Optimizer<T>> make_momentum_pytorch(const OptimizerOptions& resolved) {
  return std::make_unique<MomentumPytorch<T>>(resolved);
}
template std::unique_ptr<Optimizer<float>> make_momentum_pytorch<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_momentum_pytorch<double>(
    const OptimizerOptions&);
}  // namespace detail

}  // namespace mlp::optim
