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
    auto& S = this->buffers()[0];
    detail::for_each_block(S.size(), [&](Index i, Index len) {
      auto s = S.segment(i, len).array();
      const auto g = p.dtheta().segment(i, len).array();
      s += g.square();
      p.theta().segment(i, len).array() -= alpha * g / (s.sqrt() + eps_);
    });
  }

 private:
  T eps_;
};

constexpr Setting kSettings[] = {detail::epsilon_setting(1e-10)};

}  // namespace

namespace detail {
const OptimizerInfo& info_adagrad() {
  static constexpr OptimizerInfo kInfo{
      "Adagrad: S := S + dtheta^2; theta := theta - lr dtheta / (sqrt(S) + epsilon)", kSettings};
  return kInfo;
}
template <class T>
std::unique_ptr<Optimizer<T>> make_adagrad(const OptimizerOptions& resolved) {
  return std::make_unique<Adagrad<T>>(resolved);
}
template std::unique_ptr<Optimizer<float>> make_adagrad<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_adagrad<double>(const OptimizerOptions&);
}  // namespace detail

}  // namespace mlp::optim
