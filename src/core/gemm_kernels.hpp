// The GEMM kernels mlp can run on and the per-shape choice among them (docs/performance.md,
// "The GEMM"). Internal to src/core.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mlp/core/tensor.hpp"

namespace mlp::detail {

/// The candidates, in the order they are tried. Eigen is always there and is the reference.
enum class GemmKernel : std::uint8_t { eigen, onednn, libxsmm, openblas };
inline constexpr int kGemmKernelCount = 4;

[[nodiscard]] const char* kernel_name(GemmKernel k);

/// One single-threaded product on column-major operands: C[M x N] := alpha·op(A)·op(B) + beta·C,
/// op(A) [M x K], op(B) [K x N]; a, b, c address the (sub-)matrices with leading dimensions.
struct GemmArgs {
  Index M, N, K;
  float alpha;
  const float* a;
  Index lda;
  bool ta;
  const float* b;
  Index ldb;
  bool tb;
  float beta;
  float* c;
  Index ldc;
};

/// Whether kernel k can run in this process.
[[nodiscard]] bool available(GemmKernel k);
/// Whether kernel k runs this product itself (libxsmm's JIT does op(A) = A, alpha = 1 and
/// beta 0 or 1 only; run_kernel gives it the others to Eigen). Under auto, a candidate is
/// measured only on the size classes it runs itself.
[[nodiscard]] bool runs_itself(GemmKernel k, const GemmArgs& args);
/// The value of MLP_GEMM, or the build's default (MLP_GEMM_DEFAULT, normally "auto") when unset.
[[nodiscard]] std::string gemm_setting();

/// What a choice kept in the cache file holds for: the CPU's model name, the candidates
/// available in this process with their versions, and the SIMD sets of Eigen's kernel.
[[nodiscard]] std::string cache_signature();

/// Runs args on kernel k on the calling thread (the kernel's own threads stay unused).
void run_kernel(GemmKernel k, const GemmArgs& args);

/// The kernel for this shape: the forced one (MLP_GEMM) or, under "auto", the fastest of the
/// kernels whose results agreed with Eigen's, measured on the first product of its size class.
[[nodiscard]] GemmKernel kernel_for(const GemmArgs& args);

}  // namespace mlp::detail
