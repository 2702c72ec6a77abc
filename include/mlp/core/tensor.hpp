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

#include <string>
#include <vector>

#include <Eigen/Core>
#include <cstdint>

#include "mlp/core/parallel.hpp"

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
/// float products run on the kernel chosen for their size class (src/core/gemm_kernels.cpp):
/// Eigen's, oneDNN's or OpenBLAS's, the fastest measured here among those whose results agree
/// with Eigen's, or the one forced by the environment variable MLP_GEMM
/// (auto|eigen|onednn|openblas; docs/performance.md). Large products are split into one panel
/// of C per thread (parallel_run); each kernel runs on one thread. double products run on Eigen,
/// on one thread. C must already have the right shape; after the first call of a shape, nothing
/// is allocated.
template <class T>
void gemm(T alpha, const MatrixCRef<T>& A, bool transpose_a, const MatrixCRef<T>& B,
          bool transpose_b, T beta, MatrixRef<T> C);

/// What gemm() runs on, as a run's manifest records it: the mode ("auto" or the forced kernel),
/// the candidate kernels with their versions (OpenBLAS with the core it runs) and the SIMD
/// instruction sets Eigen's kernel was compiled for.
struct GemmBackend {
  std::string name;
  std::string version;
  std::string simd;
};
[[nodiscard]] GemmBackend gemm_backend();

/// The choices made so far in this process, one line per size class:
/// "NN 256x64x784: eigen 180.2 GFLOP/s onednn 251.0 GFLOP/s -> onednn".
[[nodiscard]] std::vector<std::string> gemm_choices();

/// Empty when MLP_GEMM is unset, "auto" or an available kernel; otherwise what is wrong and how
/// to fix it (gemm() throws it as a ConfigError).
[[nodiscard]] std::string gemm_setting_error();

}  // namespace mlp
