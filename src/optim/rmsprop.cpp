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
    auto& S = this->buffers()[0];
    detail::for_each_block(S.size(), [&](Index i, Index len) {
      auto s = S.segment(i, len).array();
      const auto g = p.dtheta().segment(i, len).array();
      s = beta_ * s + (T(1) - beta_) * g.square();
      p.theta().segment(i, len).array() -= alpha * g / (s.sqrt() + eps_);
    });
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

namespace detail {
const OptimizerInfo& info_rmsprop() {
  static constexpr OptimizerInfo kInfo{
      "RMSprop: S := beta S + (1 - beta) dtheta^2; "
      "theta := theta - lr dtheta / (sqrt(S) + epsilon)",
      kSettings};
  return kInfo;
}
template <class T>
std::unique_ptr<Optimizer<T>> make_rmsprop(const OptimizerOptions& resolved) {
  return std::make_unique<RmsProp<T>>(resolved);
}
template std::unique_ptr<Optimizer<float>> make_rmsprop<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_rmsprop<double>(const OptimizerOptions&);
}  // namespace detail

}  // namespace mlp::optim
