// The GEMM entry point: small special cases, the split over threads, and the kernel dispatch
// (src/core/gemm_kernels.cpp chooses the kernel; docs/performance.md explains the choices).
#include "mlp/core/tensor.hpp"

#include <algorithm>
#include <cassert>

#include "gemm_kernels.hpp"
#include "mlp/core/parallel.hpp"

namespace mlp {

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
  if (N == 1 || M == 1) {
    if (beta == 0.f) {
      C.setZero();
    } else if (beta != 1.f) {
      C *= beta;
    }
    // Matrix-vector products (a batch of one; a one-unit layer): Eigen's GEMV on operands
    // typed as vectors, so that no temporary is made (a strided vector is copied on the stack).
    // c (+)= alpha·M·v. A GEMV reads each element of M once: its time is M's bytes over the
    // cache's bandwidth (~100 GB/s from L2). A large one — the first layer of a one-example
    // prediction, 0.8 MB of weights for 784→256 — is split by rows over the threads when that
    // saves twice the hand-off (threads_worth): each thread streams its share from its own
    // core's cache. Panels of whole multiples of 16 rows give every row the same operations as
    // the whole product, so the bits do not depend on the split (core.Gemm.GemvSplit*).
    const auto gemv = [alpha](const auto& mat, const auto& vec, auto&& c) {
      constexpr double kBytesPerSecond = 100e9;
      const Index rows = mat.rows();
      const double seconds = static_cast<double>(mat.size()) * sizeof(float) / kBytesPerSecond;
      const int t = rows >= 64 ? threads_worth(seconds) : 1;
      if (t == 1) {
        c.noalias() += alpha * (mat * vec);
        return;
      }
      const Index chunk = ((rows + t - 1) / t + 15) / 16 * 16;
      parallel_run(t, [&](int id) {
        const Index start = std::min<Index>(rows, static_cast<Index>(id) * chunk);
        const Index n = std::min<Index>(rows - start, chunk);
        if (n > 0) c.segment(start, n).noalias() += alpha * (mat.middleRows(start, n) * vec);
      });
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
  const detail::GemmArgs args{M,          N,          K,    alpha,      A.data(), A.outerStride(),
                              transpose_a, B.data(),  B.outerStride(), transpose_b, beta,
                              C.data(),    C.outerStride()};
  // Split C into one panel per thread (along its longer side, in multiples of 16) when the
  // product is large enough to repay the hand-off: only products of 2^25 multiply-adds or more
  // are split — batch >= 256 for a 784-256 layer; smaller batches run faster on one thread.
  int t = compute_threads();
  const bool split_cols = N >= M;
  const Index len = split_cols ? N : M;
  const double work = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  if (work < double(1 << 25) || in_parallel()) t = 1;  // in_parallel: a network split by columns
  t = static_cast<int>(std::min<Index>(t, std::max<Index>(1, len / 16)));
  const auto kernel = [](const detail::GemmArgs& g) { return detail::kernel_for(g); };
  if (t == 1) {
    detail::run_kernel(kernel(args), args);
    return;
  }
  const Index chunk = ((len + t - 1) / t + 15) / 16 * 16;
  parallel_run(t, [&](int id) {
    const Index start = std::min<Index>(len, static_cast<Index>(id) * chunk);
    const Index n = std::min<Index>(len - start, chunk);
    if (n <= 0) return;
    detail::GemmArgs panel = args;
    if (split_cols) {  // columns [start, start + n) of C and of op(B)
      panel.N = n;
      panel.b = transpose_b ? args.b + start : args.b + start * args.ldb;
      panel.c = args.c + start * args.ldc;
    } else {  // rows [start, start + n) of C and of op(A)
      panel.M = n;
      panel.a = transpose_a ? args.a + start * args.lda : args.a + start;
      panel.c = args.c + start;
    }
    detail::run_kernel(kernel(panel), panel);
  });
}

template void gemm<double>(double, const MatrixCRef<double>&, bool, const MatrixCRef<double>&,
                           bool, double, MatrixRef<double>);

}  // namespace mlp
