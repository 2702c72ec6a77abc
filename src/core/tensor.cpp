// The GEMM backend and the thread setting (docs/performance.md explains the choices).
#include "mlp/core/tensor.hpp"

#include <fmt/format.h>
#include <sched.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <array>
#include <chrono>
#include <atomic>
#include <cassert>
#include <mutex>
#include <thread>

#include "mlp/core/error.hpp"

namespace mlp {

namespace {

std::atomic<int> g_threads{0};  // 0: not applied yet (the default, all cores, applies lazily)
std::once_flag g_default_once;

void apply_threads(int n) {
  // gemm<float> splits the work itself (its own num_threads clause); Eigen's split stays off
  // and the caller's OpenMP settings are left alone.
  Eigen::setNbThreads(1);
  g_threads.store(n, std::memory_order_relaxed);
}

void ensure_threads() {
  if (g_threads.load(std::memory_order_relaxed) != 0) return;
  std::call_once(g_default_once, [] {
    if (g_threads.load(std::memory_order_relaxed) == 0) apply_threads(available_cores());
  });
}

}  // namespace

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

void set_threads(int n) {
  if (n < 0) {
    throw ConfigError(fmt::format(
        "threads must be >= 0 (0 = all {} cores; got {})", available_cores(), n));
  }
  apply_threads(n == 0 ? available_cores() : n);
}

int threads() {
  ensure_threads();
  return g_threads.load(std::memory_order_relaxed);
}

double parallel_handoff_seconds() {
  constexpr int kMaxThreads = 256;
  static std::array<std::atomic<double>, kMaxThreads + 1> measured{};  // 0: not measured yet
  const int t = std::min(threads(), kMaxThreads);
  if (t <= 1) return 0.0;
  const double known = measured[static_cast<std::size_t>(t)].load(std::memory_order_relaxed);
  if (known > 0) return known;
  // Back-to-back regions, as in a training loop; the first ones start the pool.
  std::array<double, 15> times{};
  std::atomic<int> sink{0};
  for (double& seconds : times) {
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(t)
    sink.fetch_add(1, std::memory_order_relaxed);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  std::sort(times.begin() + 5, times.end());
  const double median = std::max(times[10], 1e-9);
  measured[static_cast<std::size_t>(t)].store(median, std::memory_order_relaxed);
  return median;
}

namespace {

/// C := alpha·op(A)·op(B) + beta·C with Eigen (no temporary: noalias).
template <class T>
void gemm_eigen(T alpha, const MatrixCRef<T>& A, bool transpose_a, const MatrixCRef<T>& B,
                bool transpose_b, T beta, MatrixRef<T>& C) {
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


/// Eigen's blocking for one GEMM, with packing buffers owned here and kept between calls
/// (Eigen would otherwise allocate them on the heap for every product larger than its stack
/// limit of 128 KiB), grown as needed: after the first step of a batch size nothing allocates.
class PersistentBlocking : public Eigen::internal::level3_blocking<float, float> {
 public:
  void configure(Index rows, Index cols, Index depth) {
    this->m_kc = depth;
    this->m_mc = rows;
    this->m_nc = cols;
    Eigen::internal::computeProductBlockingSizes<float, float, 1>(this->m_kc, this->m_mc,
                                                                  this->m_nc, Index(1));
    const Index size_a = this->m_kc * this->m_mc, size_b = this->m_kc * this->m_nc;
    if (a_.size() < size_a) a_.resize(size_a);
    if (b_.size() < size_b) b_.resize(size_b);
    this->m_blockA = a_.data();
    this->m_blockB = b_.data();
  }

 private:
  Eigen::Matrix<float, Eigen::Dynamic, 1> a_, b_;
};

/// C[M x N] += alpha·op(A)·op(B) with Eigen's GEMM kernel on the calling thread; op(X) = Xᵀ of a
/// column-major X is X read row-major. Pointers and leading dimensions address the sub-blocks.
void gemm_block(Index M, Index N, Index K, float alpha, const float* a, Index lda, bool ta,
                const float* b, Index ldb, bool tb, float* c, Index ldc, PersistentBlocking& blk) {
  using Eigen::ColMajor;
  using Eigen::RowMajor;
  using Eigen::internal::general_matrix_matrix_product;
  blk.configure(M, N, K);
  if (!ta && !tb) {
    general_matrix_matrix_product<Index, float, ColMajor, false, float, ColMajor, false, ColMajor,
                                  1>::run(M, N, K, a, lda, b, ldb, c, 1, ldc, alpha, blk, nullptr);
  } else if (ta && !tb) {
    general_matrix_matrix_product<Index, float, RowMajor, false, float, ColMajor, false, ColMajor,
                                  1>::run(M, N, K, a, lda, b, ldb, c, 1, ldc, alpha, blk, nullptr);
  } else if (!ta && tb) {
    general_matrix_matrix_product<Index, float, ColMajor, false, float, RowMajor, false, ColMajor,
                                  1>::run(M, N, K, a, lda, b, ldb, c, 1, ldc, alpha, blk, nullptr);
  } else {
    general_matrix_matrix_product<Index, float, RowMajor, false, float, RowMajor, false, ColMajor,
                                  1>::run(M, N, K, a, lda, b, ldb, c, 1, ldc, alpha, blk, nullptr);
  }
}

/// The blocking of the calling thread (each OpenMP worker and each caller thread has its own,
/// so concurrent products on different threads never share packing buffers).
PersistentBlocking& thread_blocking() {
  thread_local PersistentBlocking blocking;
  return blocking;
}

}  // namespace

template <class T>
void gemm(T alpha, const MatrixCRef<T>& A, bool transpose_a, const MatrixCRef<T>& B,
          bool transpose_b, T beta, MatrixRef<T> C) {
  gemm_eigen<T>(alpha, A, transpose_a, B, transpose_b, beta, C);
}

template <>
void gemm<float>(float alpha, const MatrixCRef<float>& A, bool transpose_a,
                 const MatrixCRef<float>& B, bool transpose_b, float beta, MatrixRef<float> C) {
  // op(A) [M x K], op(B) [K x N], C [M x N]; column-major, each with its leading dimension.
  const Index M = C.rows(), N = C.cols();
  const Index K = transpose_a ? A.rows() : A.cols();
  assert((transpose_a ? A.cols() : A.rows()) == M);
  assert((transpose_b ? B.rows() : B.cols()) == N);
  assert((transpose_b ? B.cols() : B.rows()) == K);
  if (K == 0 || M == 0 || N == 0) {
    gemm_eigen<float>(alpha, A, transpose_a, B, transpose_b, beta, C);
    return;
  }
  if (K == 1 && M > 1 && N > 1) {
    // An outer product (the weight gradient of a batch of one): C = beta·C + alpha·a·bᵀ,
    // a = op(A)[:,0], b = op(B)[0,:]ᵀ, one column of C at a time, without zeroing C first.
    const auto outer = [&](const auto& a, const auto& b) {
      for (Index j = 0; j < N; ++j) {
        auto c = C.col(j);
        const float s = alpha * b(j);
        if (beta == 0.f) {
          c = s * a;
        } else {
          c = beta * c + s * a;
        }
      }
    };
    if (transpose_a) {
      transpose_b ? outer(A.row(0).transpose(), B.col(0)) : outer(A.row(0).transpose(), B.row(0).transpose());
    } else {
      transpose_b ? outer(A.col(0), B.col(0)) : outer(A.col(0), B.row(0).transpose());
    }
    return;
  }
  if (beta == 0.f) {
    C.setZero();
  } else if (beta != 1.f) {
    C *= beta;
  }
  if (N == 1 || M == 1) {
    // Matrix-vector products (a batch of one; a one-unit layer): Eigen's GEMV on operands
    // typed as vectors, so that no temporary is made (a strided vector is copied on the stack).
    // c (+)= alpha·M·v
    const auto gemv = [alpha](const auto& mat, const auto& vec, auto&& c) {
      c.noalias() += alpha * (mat * vec);
    };
    if (N == 1) {  // C[:,0] = alpha·op(A)·op(B)[:,0]
      auto c = C.col(0);
      if (transpose_b) {
        const auto v = B.row(0).transpose();
        transpose_a ? gemv(A.transpose(), v, c) : gemv(A, v, c);
      } else {
        const auto v = B.col(0);
        transpose_a ? gemv(A.transpose(), v, c) : gemv(A, v, c);
      }
    } else {  // C[0,:]ᵀ = alpha·op(B)ᵀ·op(A)[0,:]ᵀ
      auto c = C.row(0).transpose();
      if (transpose_a) {
        const auto v = A.col(0);
        transpose_b ? gemv(B, v, c) : gemv(B.transpose(), v, c);
      } else {
        const auto v = A.row(0).transpose();
        transpose_b ? gemv(B, v, c) : gemv(B.transpose(), v, c);
      }
    }
    return;
  }
  const float* a = A.data();
  const float* b = B.data();
  float* c = C.data();
  const Index lda = A.outerStride(), ldb = B.outerStride(), ldc = C.outerStride();
  // Split C into one panel per thread (along its longer side, in multiples of 16) when the
  // product is large enough to repay the hand-off: waking the second thread costs tens of µs
  // (more with OMP_WAIT_POLICY=passive), so only products of 2^25 multiply-adds or more are
  // split — batch >= 256 for a 784-256 layer; smaller batches run faster on one thread.
  int t = threads();
  const bool split_cols = N >= M;
  const Index len = split_cols ? N : M;
  const double work = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  if (work < double(1 << 25)) t = 1;
#ifdef _OPENMP
  if (omp_in_parallel()) t = 1;  // inside a caller's region (a network split by columns)
#endif
  t = static_cast<int>(std::min<Index>(t, std::max<Index>(1, len / 16)));
  if (t == 1) {
    gemm_block(M, N, K, alpha, a, lda, transpose_a, b, ldb, transpose_b, c, ldc, thread_blocking());
    return;
  }
  const Index chunk = ((len + t - 1) / t + 15) / 16 * 16;
#pragma omp parallel num_threads(t)
  {
#ifdef _OPENMP
    const int id = omp_get_thread_num();
#else
    const int id = 0;
#endif
    const Index start = std::min<Index>(len, static_cast<Index>(id) * chunk);
    const Index n = std::min<Index>(len - start, chunk);
    if (n > 0) {
      if (split_cols) {
        // Columns [start, start + n) of C and of op(B).
        const float* bj = transpose_b ? b + start : b + start * ldb;
        gemm_block(M, n, K, alpha, a, lda, transpose_a, bj, ldb, transpose_b, c + start * ldc, ldc,
                   thread_blocking());
      } else {
        // Rows [start, start + n) of C and of op(A).
        const float* ai = transpose_a ? a + start * lda : a + start;
        gemm_block(n, N, K, alpha, ai, lda, transpose_a, b, ldb, transpose_b, c + start, ldc,
                   thread_blocking());
      }
    }
  }
}

template void gemm<double>(double, const MatrixCRef<double>&, bool, const MatrixCRef<double>&,
                           bool, double, MatrixRef<double>);

GemmBackend gemm_backend() {
  // gemm() above calls Eigen's general_matrix_matrix_product kernel, compiled in this file.
  return {"eigen", fmt::format("{}.{}.{}", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION),
          Eigen::SimdInstructionSetsInUse()};
}

}  // namespace mlp
