// One training step of the 784-256-128-10 ReLU/softmax network on random data: the forward
// pass (predict), forward + softmax cross-entropy + backward (forward_backward, the Trainer's
// call: the gradient into dtheta), and the same plus the Adam update.
// Args: batch size m, threads.
#include <benchmark/benchmark.h>

#include "mlp/nn/network.hpp"
#include "mlp/optim/optimizer.hpp"

namespace {

mlp::ModelSpec fashion_spec() {
  return mlp::ModelBuilder(784)
      .hidden(256, mlp::Activation::relu)
      .hidden(128, mlp::Activation::relu)
      .output(10, mlp::Activation::softmax)
      .loss(mlp::Loss::cross_entropy)
      .seed(42)
      .build();
}

struct Batch {
  mlp::MatrixF X, Y;
  explicit Batch(mlp::Index m) : X(mlp::MatrixF::Random(784, m)), Y(mlp::MatrixF::Zero(10, m)) {
    for (mlp::Index j = 0; j < m; ++j) Y(j % 10, j) = 1.f;
  }
};

void BM_predict(benchmark::State& state) {
  mlp::set_threads(static_cast<int>(state.range(1)));
  mlp::Network<float> net(fashion_spec());
  Batch b(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(net.predict(b.X).data());
  state.SetItemsProcessed(state.iterations() * state.range(0));
  mlp::set_threads(1);
}

void BM_forward_backward(benchmark::State& state) {
  mlp::set_threads(static_cast<int>(state.range(1)));
  mlp::Network<float> net(fashion_spec());
  Batch b(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(net.forward_backward(b.X, b.Y));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  mlp::set_threads(1);
}

void BM_train_step_adam(benchmark::State& state) {
  mlp::set_threads(static_cast<int>(state.range(1)));
  mlp::Network<float> net(fashion_spec());
  auto adam = mlp::optim::make_optimizer<float>({});
  Batch b(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(net.forward_backward(b.X, b.Y));
    adam->step(net.params(), 1e-3f);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  mlp::set_threads(1);
}

}  // namespace

BENCHMARK(BM_predict)
    ->ArgNames({"m", "threads"})
    ->ArgsProduct({{1, 32, 256, 1024}, {1, 2}})
    ->UseRealTime();
BENCHMARK(BM_forward_backward)
    ->ArgNames({"m", "threads"})
    ->ArgsProduct({{1, 32, 64, 256, 1024}, {1, 2}})
    ->UseRealTime();
BENCHMARK(BM_train_step_adam)
    ->ArgNames({"m", "threads"})
    ->ArgsProduct({{1, 32, 64, 256, 1024}, {1, 2}})
    ->UseRealTime();
BENCHMARK_MAIN();
