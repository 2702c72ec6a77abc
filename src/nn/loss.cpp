#include "mlp/nn/loss.hpp"

#include <fmt/format.h>

#include <cmath>

#include "mlp/nn/activation.hpp"
#include "mlp/core/error.hpp"

namespace mlp {

Activation fused_activation(Loss loss) {
  switch (loss) {
    case Loss::mse:
      return Activation::identity;
    case Loss::binary_cross_entropy:
      return Activation::sigmoid;
    case Loss::cross_entropy:
      return Activation::softmax;
  }
  return Activation::identity;
}

template <class T>
T loss_forward_backward(Loss loss, const MatrixCRef<T>& out, const MatrixCRef<T>& Y, MatrixRef<T> A,
                        MatrixRef<T>* dout, Index m_total) {
  if (out.rows() != Y.rows() || out.cols() != Y.cols()) {
    throw ShapeError(fmt::format("{} loss: output is {}x{} but targets are {}x{}", to_string(loss),
                                 out.rows(), out.cols(), Y.rows(), Y.cols()));
  }
  const Index m = out.cols();
  const T inv_m = T(1) / static_cast<T>(m_total > 0 ? m_total : m);
  T total = 0;
  switch (loss) {
    case Loss::mse: {
      const T inv_n = T(1) / static_cast<T>(out.rows());
      A = out;
      total = (out - Y).squaredNorm() * inv_n;
      if (dout) *dout = (T(2) * inv_n * inv_m) * (out - Y);
      break;
    }
    case Loss::binary_cross_entropy: {
      // L = max(z,0) − z·y + log1p(e^−|z|): finite for any finite z.
      total = (out.array().max(T(0)) - out.array() * Y.array() +
               (-out.array().abs()).exp().log1p())
                  .sum();
      activation_forward<T>(Activation::sigmoid, T(0), out, A);
      if (dout) *dout = inv_m * (A - Y);
      break;
    }
    case Loss::cross_entropy: {
      for (Index j = 0; j < m; ++j) {
        const T mx = out.col(j).maxCoeff();
        const T lse = mx + std::log((out.col(j).array() - mx).exp().sum());
        const T ysum = Y.col(j).sum();
        total += lse * ysum - Y.col(j).dot(out.col(j));
        A.col(j) = (out.col(j).array() - lse).exp();
        if (dout) dout->col(j) = inv_m * (A.col(j) * ysum - Y.col(j));
      }
      break;
    }
  }
  return total * inv_m;
}

template float loss_forward_backward<float>(Loss, const MatrixCRef<float>&,
                                            const MatrixCRef<float>&, MatrixRef<float>,
                                            MatrixRef<float>*, Index);
template double loss_forward_backward<double>(Loss, const MatrixCRef<double>&,
                                              const MatrixCRef<double>&, MatrixRef<double>,
                                              MatrixRef<double>*, Index);

}  // namespace mlp
