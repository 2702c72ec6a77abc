// One dense layer's forward pass, A = relu(W·X + b), on one thread, two ways:
//   mlp      mlp::gemm (the kernel chosen for the size class) and then the bias + ReLU pass,
//            column by column, as Network::forward_columns runs it
//   onednn   oneDNN's matmul primitive with the bias and the ReLU fused as post-ops (created
//            once per shape, weights in mlp's storage order, user scratchpad), writing A directly
// The layers of the 784-256-128-10 network (the last one with bias only, its softmax elsewhere).
// Args: layer (0..2), batch m. docs/performance.md ("Fused bias and activation") has the numbers.
//   W [n x k], X [k x m], b [n], A [n x m]; column-major (row-major for oneDNN: Aᵀ = Xᵀ·Wᵀ + bᵀ)
#include <benchmark/benchmark.h>

#include <array>

#include "mlp/core/parallel.hpp"
#include "mlp/core/tensor.hpp"

#ifdef MLP_BENCH_ONEDNN
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace {

constexpr std::array<std::array<long, 2>, 3> kLayers{{{256, 784}, {128, 256}, {10, 128}}};

struct Layer {
  mlp::MatrixF W, X, Z, A;
  mlp::Vector<float> b;
  bool relu;
  explicit Layer(const benchmark::State& s) {
    const auto [n, k] = kLayers[static_cast<std::size_t>(s.range(0))];
    const long m = s.range(1);
    W = mlp::MatrixF::Random(n, k);
    X = mlp::MatrixF::Random(k, m);
    Z = mlp::MatrixF::Zero(n, m);
    A = mlp::MatrixF::Zero(n, m);
    b = mlp::Vector<float>::Random(n);
    relu = s.range(0) < 2;
  }
};

void set_counters(benchmark::State& state, const Layer& l) {
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(l.W.size()) * static_cast<double>(l.X.cols()),
      benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void BM_dense_mlp(benchmark::State& state) {
  mlp::set_threads(1);
  Layer l(state);
  const auto m = l.X.cols();
  for (auto _ : state) {
    mlp::gemm<float>(1.f, l.W, false, l.X, false, 0.f, l.Z);
    for (mlp::Index j = 0; j < m; ++j) {
      l.Z.col(j) += l.b;
      if (l.relu) {
        l.A.col(j) = l.Z.col(j).cwiseMax(0.f);
      } else {
        l.A.col(j) = l.Z.col(j);
      }
    }
    benchmark::ClobberMemory();
  }
  set_counters(state, l);
}

void BM_dense_onednn(benchmark::State& state) {
#ifdef MLP_BENCH_ONEDNN
  omp_set_num_threads(1);
  Layer l(state);
  using dnnl::memory;
  const memory::dim n = l.W.rows(), k = l.W.cols(), m = l.X.cols();
  const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  const auto f32 = memory::data_type::f32;
  const memory::desc src({m, k}, f32, memory::dims{k, 1});  // Xᵀ
  const memory::desc wei({k, n}, f32, memory::dims{n, 1});  // Wᵀ: W column-major
  const memory::desc bias({1, n}, f32, memory::dims{n, 1});
  const memory::desc dst({m, n}, f32, memory::dims{n, 1});  // Aᵀ
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (l.relu) {
    dnnl::post_ops po;
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(po);
  }
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, wei, bias, dst), attr, eng);
  const dnnl::matmul mm(pd);
  std::vector<char> scratch(pd.scratchpad_desc().get_size() + 1);
  const std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, memory(src, eng, l.X.data())},
      {DNNL_ARG_WEIGHTS, memory(wei, eng, l.W.data())},
      {DNNL_ARG_BIAS, memory(bias, eng, l.b.data())},
      {DNNL_ARG_DST, memory(dst, eng, l.A.data())},
      {DNNL_ARG_SCRATCHPAD, memory(pd.scratchpad_desc(), eng, scratch.data())}};
  // The same A as the library's path (to float rounding: the kernels sum in different orders).
  mm.execute(strm, args);
  mlp::MatrixF ref = l.W * l.X;
  ref.colwise() += l.b;
  if (l.relu) ref = ref.cwiseMax(0.f);
  if (!l.A.isApprox(ref, 1e-4f)) {
    state.SkipWithError("oneDNN's result differs from Eigen's");
    return;
  }
  for (auto _ : state) {
    mm.execute(strm, args);
    benchmark::ClobberMemory();
  }
  state.SetLabel(pd.impl_info_str());
  set_counters(state, l);
#else
  state.SkipWithError("built without oneDNN (MLP_ONEDNN off)");
#endif
}

void shapes(benchmark::internal::Benchmark* b) {
  for (long layer : {0L, 1L, 2L}) {
    for (long m : {1L, 32L, 64L, 256L, 512L, 1024L}) b->Args({layer, m});
  }
  b->ArgNames({"layer", "m"})->UseRealTime();
}

}  // namespace

BENCHMARK(BM_dense_mlp)->Apply(shapes);
BENCHMARK(BM_dense_onednn)->Apply(shapes);
BENCHMARK_MAIN();
