// The mini-batch gather: one epoch of Batcher::next over 60,000 random Fashion-MNIST-shaped
// examples (784 features, 10 classes). Arg: batch size.
#include <benchmark/benchmark.h>

#include <string>

#include "mlp/data/batcher.hpp"

namespace {

mlp::data::Dataset synthetic(mlp::Index m) {
  mlp::data::Dataset d;
  d.task = mlp::data::Task::classification;
  d.X = mlp::MatrixF::Random(784, m);
  d.labels.resize(static_cast<std::size_t>(m));
  for (std::size_t i = 0; i < d.labels.size(); ++i) d.labels[i] = static_cast<std::int32_t>(i % 10);
  for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
  return d;
}

void BM_epoch(benchmark::State& state) {
  const auto data = synthetic(60000);
  mlp::data::Batcher batcher(data, state.range(0), false, 42);
  mlp::data::Batch batch;
  for (auto _ : state) {
    batcher.start_epoch();
    while (batcher.next(batch)) benchmark::DoNotOptimize(batch.X().data());
  }
  state.SetItemsProcessed(state.iterations() * data.size());
}

}  // namespace

BENCHMARK(BM_epoch)->ArgName("batch")->Arg(1)->Arg(32)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
