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
    auto& V = this->buffers()[0];
    detail::for_each_block(V.size(), [&](Index i, Index len) {
      auto v = V.segment(i, len).array();
      const auto g = p.dtheta().segment(i, len).array();
      v = beta_ * v + (T(1) - beta_) * g;
      p.theta().segment(i, len).array() -= alpha * v;
    });
  }

 private:
  T beta_;
};

constexpr Setting kSettings[] = {
    detail::decay_rate_setting("beta", 0.9, "decay rate of the gradient average V"),
};

}  // namespace

namespace detail {
const OptimizerInfo& info_momentum() {
  static constexpr OptimizerInfo kInfo{
      "momentum, the SPEC's averaged form: V := beta V + (1 - beta) dtheta; theta := theta - lr V",
      kSettings};
  return kInfo;
}
template <class T>
std::unique_ptr<Optimizer<T>> make_momentum(const OptimizerOptions& resolved) {
  return std::make_unique<Momentum<T>>(resolved);
}
template std::unique_ptr<Optimizer<float>> make_momentum<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_momentum<double>(const OptimizerOptions&);
}  // namespace detail

}  // namespace mlp::optim
