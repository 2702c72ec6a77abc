// Dense matrices and the handful of kernels an MLP needs.
//
// Layout convention (docs/conventions.md): a batch is a matrix with one example per COLUMN,
// features along the rows, stored column-major, so each example is contiguous in memory and the
// equations read as in the SPEC: Z[n_out x m] = W[n_out x n_in] * A[n_in x m] + b[n_out x 1].
//
// Training runs in float32; gradient checking and reference tests run in float64. Every
// numeric class of the library is a template on the scalar type T, explicitly instantiated for
// float and double in src/.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace mlp {

using Index = Eigen::Index;

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
template <class T>
using RowVector = Eigen::Matrix<T, 1, Eigen::Dynamic>;
template <class T>
using MatrixMap = Eigen::Map<Matrix<T>>;
template <class T>
using ConstMatrixMap = Eigen::Map<const Matrix<T>>;
/// A read-only view of any column-major matrix expression without copying.
template <class T>
using MatrixCRef = Eigen::Ref<const Matrix<T>>;
/// A writable view of a column-major matrix (a Matrix, a Map, a block of columns).
template <class T>
using MatrixRef = Eigen::Ref<Matrix<T>>;

using MatrixF = Matrix<float>;
using MatrixD = Matrix<double>;

/// The one GEMM of the library: C := alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
/// The backend (Eigen or BLAS) is chosen in src/tensor.cpp only. C must already have the
/// right shape; nothing is allocated.
///
/// float runs on OpenBLAS (cblas_sgemm; cblas_sgemv when op(B) or op(A) is a single vector),
/// which measured faster than Eigen for every layer product of a 784-256-128-10 network at
/// batch sizes 1–1024 (docs/performance.md); double runs on Eigen (gradient checks and
/// reference tests, where bit-for-bit agreement between runs matters more than speed).
template <class T>
void gemm(T alpha, const MatrixCRef<T>& A, bool transpose_a, const MatrixCRef<T>& B,
          bool transpose_b, T beta, MatrixRef<T> C);

/// Sets the number of threads the kernels use (the BLAS thread pool; the library itself starts
/// no other threads). n = 0 means all cores; n < 0 is a ConfigError. Process-wide: call it from
/// one thread, between (not during) computations. The default is all cores.
void set_threads(int n);
/// The number of threads the kernels use (>= 1).
[[nodiscard]] int threads();
/// The number of cores available to this process (>= 1).
[[nodiscard]] int available_cores();

}  // namespace mlp
