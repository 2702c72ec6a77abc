// The layer products of the 784-256-128-10 network, five ways: mlp::gemm (the library's choice
// per size class, split over its threads), Eigen directly, oneDNN's sgemm and libxsmm's JIT
// kernels on one thread (the library's kernel calls, when built with them; libxsmm has no kernel
// for the input product), and OpenBLAS cblas_sgemm directly (on OpenBLAS's own threads). Args: layer (0..2), batch m, threads.
//   forward   Z[n x m]      = W[n x k] · A[k x m]
//   weights   dW[n x k]     = dZ[n x m] · A[k x m]ᵀ
//   input     dA[k x m]     = W[n x k]ᵀ · dZ[n x m]
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <array>

#include "core/gemm_kernels.hpp"
#include "mlp/core/tensor.hpp"

namespace {

constexpr std::array<std::array<long, 2>, 3> kLayers{{{256, 784}, {128, 256}, {10, 128}}};

struct Shapes {
  mlp::MatrixF W, A, Z, dZ, dW, dA;
  explicit Shapes(const benchmark::State& s) {
    const auto [n, k] = kLayers[static_cast<std::size_t>(s.range(0))];
    const long m = s.range(1);
    W = mlp::MatrixF::Random(n, k);
    A = mlp::MatrixF::Random(k, m);
    Z = mlp::MatrixF::Zero(n, m);
    dZ = mlp::MatrixF::Random(n, m);
    dW = mlp::MatrixF::Zero(n, k);
    dA = mlp::MatrixF::Zero(k, m);
  }
};

enum class Product { forward, weights, input };
enum class Backend { mlp, eigen, onednn, libxsmm, openblas };

template <Product P, Backend B>
void BM_layer(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(2));
  if constexpr (B == Backend::eigen || B == Backend::onednn || B == Backend::libxsmm) {
    if (threads != 1) {
      state.SkipWithError("called directly, the kernel runs on one thread");
      return;
    }
  }
  constexpr auto kKernel = B == Backend::libxsmm ? mlp::detail::GemmKernel::libxsmm
                                                 : mlp::detail::GemmKernel::onednn;
  if constexpr (B == Backend::libxsmm && P == Product::input) {
    state.SkipWithError("libxsmm 1.17 has no JIT kernel for op(A) = Aᵀ");
    return;
  }
  if constexpr (B == Backend::onednn || B == Backend::libxsmm) {
    if (!mlp::detail::available(kKernel)) {
      state.SkipWithError("built without this kernel (MLP_ONEDNN / MLP_LIBXSMM off)");
      return;
    }
  }
  mlp::set_threads(threads);
  openblas_set_num_threads(B == Backend::openblas ? threads : 1);
  Shapes s(state);
  const auto n = static_cast<int>(s.W.rows()), k = static_cast<int>(s.W.cols()),
             m = static_cast<int>(s.A.cols());
  for (auto _ : state) {
    if constexpr (B == Backend::mlp) {
      if constexpr (P == Product::forward) mlp::gemm<float>(1.f, s.W, false, s.A, false, 0.f, s.Z);
      if constexpr (P == Product::weights) mlp::gemm<float>(1.f, s.dZ, false, s.A, true, 0.f, s.dW);
      if constexpr (P == Product::input) mlp::gemm<float>(1.f, s.W, true, s.dZ, false, 0.f, s.dA);
    } else if constexpr (B == Backend::eigen) {
      if constexpr (P == Product::forward) s.Z.noalias() = s.W * s.A;
      if constexpr (P == Product::weights) s.dW.noalias() = s.dZ * s.A.transpose();
      if constexpr (P == Product::input) s.dA.noalias() = s.W.transpose() * s.dZ;
    } else if constexpr (B == Backend::onednn || B == Backend::libxsmm) {
      using mlp::detail::GemmArgs;
      constexpr auto kDirect = kKernel;
      if constexpr (P == Product::forward) {
        mlp::detail::run_kernel(kDirect, GemmArgs{n, m, k, 1.f, s.W.data(), n, false, s.A.data(), k,
                                                  false, 0.f, s.Z.data(), n});
      }
      if constexpr (P == Product::weights) {
        mlp::detail::run_kernel(kDirect, GemmArgs{n, k, m, 1.f, s.dZ.data(), n, false, s.A.data(),
                                                  k, true, 0.f, s.dW.data(), n});
      }
      if constexpr (P == Product::input) {
        mlp::detail::run_kernel(kDirect, GemmArgs{k, m, n, 1.f, s.W.data(), n, true, s.dZ.data(), n,
                                                  false, 0.f, s.dA.data(), k});
      }
    } else {
      if constexpr (P == Product::forward) {
        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, m, k, 1.f, s.W.data(), n,
                    s.A.data(), k, 0.f, s.Z.data(), n);
      }
      if constexpr (P == Product::weights) {
        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, n, k, m, 1.f, s.dZ.data(), n,
                    s.A.data(), k, 0.f, s.dW.data(), n);
      }
      if constexpr (P == Product::input) {
        cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, m, n, 1.f, s.W.data(), n,
                    s.dZ.data(), n, 0.f, s.dA.data(), k);
      }
    }
    benchmark::ClobberMemory();
  }
  mlp::set_threads(1);
  openblas_set_num_threads(1);
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * k * m, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void shapes(benchmark::internal::Benchmark* b) {
  for (long layer : {0L, 1L, 2L}) {
    for (long m : {1L, 32L, 64L, 256L, 1024L}) {
      for (long threads : {1L, 2L}) b->Args({layer, m, threads});
    }
  }
  b->ArgNames({"layer", "m", "threads"})->UseRealTime();
}

void shapes_one_thread(benchmark::internal::Benchmark* b) {
  for (long layer : {0L, 1L, 2L}) {
    for (long m : {1L, 32L, 64L, 256L, 1024L}) b->Args({layer, m, 1});
  }
  b->ArgNames({"layer", "m", "threads"})->UseRealTime();
}

}  // namespace

BENCHMARK(BM_layer<Product::forward, Backend::mlp>)->Apply(shapes);
BENCHMARK(BM_layer<Product::forward, Backend::eigen>)->Apply(shapes_one_thread);
BENCHMARK(BM_layer<Product::forward, Backend::onednn>)->Apply(shapes_one_thread);
BENCHMARK(BM_layer<Product::forward, Backend::libxsmm>)->Apply(shapes_one_thread);
BENCHMARK(BM_layer<Product::forward, Backend::openblas>)->Apply(shapes);
BENCHMARK(BM_layer<Product::weights, Backend::mlp>)->Apply(shapes);
BENCHMARK(BM_layer<Product::weights, Backend::eigen>)->Apply(shapes_one_thread);
BENCHMARK(BM_layer<Product::weights, Backend::onednn>)->Apply(shapes_one_thread);
BENCHMARK(BM_layer<Product::weights, Backend::libxsmm>)->Apply(shapes_one_thread);
BENCHMARK(BM_layer<Product::weights, Backend::openblas>)->Apply(shapes);
BENCHMARK(BM_layer<Product::input, Backend::mlp>)->Apply(shapes);
BENCHMARK(BM_layer<Product::input, Backend::eigen>)->Apply(shapes_one_thread);
BENCHMARK(BM_layer<Product::input, Backend::onednn>)->Apply(shapes_one_thread);
BENCHMARK(BM_layer<Product::input, Backend::libxsmm>)->Apply(shapes_one_thread);
BENCHMARK(BM_layer<Product::input, Backend::openblas>)->Apply(shapes);
BENCHMARK_MAIN();
