#include "mlp/nn/loss.hpp"

#include <fmt/format.h>

#include "losses/loss_def.hpp"
#include "mlp/core/error.hpp"

namespace mlp {

Activation fused_activation(Loss loss) { return nn_detail::loss_def(loss).fused; }

// J = inv_m · Σ L; the loss's own file (src/nn/losses/<name>.cpp) gives Σ L, A and dJ/dout.
template <class T>
T loss_forward_backward(Loss loss, const MatrixCRef<T>& out, const MatrixCRef<T>& Y, MatrixRef<T> A,
                        MatrixRef<T>* dout, Index m_total, std::span<const T> weights) {
  if (out.rows() != Y.rows() || out.cols() != Y.cols()) {
    throw ShapeError(fmt::format("{} loss: output is {}x{} but targets are {}x{}", to_string(loss),
                                 out.rows(), out.cols(), Y.rows(), Y.cols()));
  }
  const Index m = out.cols();
  if (!weights.empty() && static_cast<Index>(weights.size()) != m) {
    throw ShapeError(fmt::format("{} loss: {} example weights for {} examples", to_string(loss),
                                 weights.size(), m));
  }
  const T inv_m = T(1) / static_cast<T>(m_total > 0 ? m_total : m);
  const T total = nn_detail::loss_def(loss).kernels.get<T>().cost(
      out, Y, A, dout, inv_m, weights.empty() ? nullptr : weights.data());
  return total * inv_m;
}

template float loss_forward_backward<float>(Loss, const MatrixCRef<float>&,
                                            const MatrixCRef<float>&, MatrixRef<float>,
                                            MatrixRef<float>*, Index, std::span<const float>);
template double loss_forward_backward<double>(Loss, const MatrixCRef<double>&,
                                              const MatrixCRef<double>&, MatrixRef<double>,
                                              MatrixRef<double>*, Index, std::span<const double>);

}  // namespace mlp
