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
/// The backend is chosen in src/core/tensor.cpp only: Eigen's GEMM kernel, which measured faster
/// than OpenBLAS (Debian's 0.3.21) on the large layer products of a 784-256-128-10 network at
/// batch sizes 1–1024 (docs/performance.md). float products keep their packing buffers per thread between calls
/// and split C over threads() OpenMP threads when large enough; double products run on one
/// thread. C must already have the right shape; after the first call of a shape, nothing is
/// allocated.
template <class T>
void gemm(T alpha, const MatrixCRef<T>& A, bool transpose_a, const MatrixCRef<T>& B,
          bool transpose_b, T beta, MatrixRef<T> C);

/// What gemm() runs on, as a run's manifest records it: the backend ("eigen"), its version and
/// the SIMD instruction sets the kernel was compiled for (Eigen::SimdInstructionSetsInUse()).
struct GemmBackend {
  std::string name;
  std::string version;
  std::string simd;
};
[[nodiscard]] GemmBackend gemm_backend();

/// Sets the number of threads the kernels use (one OpenMP thread pool; the library starts no
/// other threads). n = 0 means all cores; n < 0 is a ConfigError. Process-wide: call it from
/// one thread, between (not during) computations. The default is all cores available to the
/// process (its CPU affinity mask).
void set_threads(int n);
/// The number of threads the kernels use (>= 1).
[[nodiscard]] int threads();
/// The number of cores available to this process (>= 1).
[[nodiscard]] int available_cores();

/// What one fork and join of threads() threads costs here, in seconds: measured once per
/// thread count (the median of back-to-back empty OpenMP regions) and kept. It is ~0.4 µs when
/// idle threads spin (OpenMP's default wait policy) and ~30–50 µs when they sleep
/// (OMP_WAIT_POLICY=passive) on a 2-core VM; work that is split only when it pays for this
/// (the optimizer update) gives the same bits either way. 0 with one thread.
[[nodiscard]] double parallel_handoff_seconds();

}  // namespace mlp
