#include "mlp/tensor.hpp"

#include <cassert>

namespace mlp {

template <class T>
void gemm(T alpha, const MatrixCRef<T>& A, bool transpose_a, const MatrixCRef<T>& B,
          bool transpose_b, T beta, MatrixRef<T> C) {
  // Eigen evaluates each of these into C without a temporary (noalias).
  if (beta == T(0)) {
    C.setZero();
  } else if (beta != T(1)) {
    C *= beta;
  }
  if (!transpose_a && !transpose_b) {
    C.noalias() += alpha * A * B;
  } else if (transpose_a && !transpose_b) {
    C.noalias() += alpha * A.transpose() * B;
  } else if (!transpose_a && transpose_b) {
    C.noalias() += alpha * A * B.transpose();
  } else {
    C.noalias() += alpha * A.transpose() * B.transpose();
  }
}

template void gemm<float>(float, const MatrixCRef<float>&, bool, const MatrixCRef<float>&, bool,
                          float, MatrixRef<float>);
template void gemm<double>(double, const MatrixCRef<double>&, bool, const MatrixCRef<double>&,
                           bool, double, MatrixRef<double>);

}  // namespace mlp
