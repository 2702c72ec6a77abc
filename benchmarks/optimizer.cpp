// One optimizer update over the flat parameter vector of the 784-256-128-10 network
// (235,146 values): reads θ, dθ and the state, writes θ and the state. Arg: threads (the update
// is split over them when that repays the measured fork/join cost, docs/performance.md).
#include <benchmark/benchmark.h>

#include <string>

#include "mlp/nn/network.hpp"
#include "mlp/optim/optimizer.hpp"

namespace {

void BM_update(benchmark::State& state, const std::string& name) {
  mlp::set_threads(static_cast<int>(state.range(0)));
  mlp::Network<float> net(mlp::ModelBuilder(784)
                              .hidden(256, mlp::Activation::relu)
                              .hidden(128, mlp::Activation::relu)
                              .output(10, mlp::Activation::softmax)
                              .loss(mlp::Loss::cross_entropy)
                              .build());
  net.params().dtheta().setRandom();
  mlp::optim::OptimizerOptions o;
  o.name = name;
  auto opt = mlp::optim::make_optimizer<float>(o);
  for (auto _ : state) {
    opt->step(net.params(), 1e-3f);
    benchmark::ClobberMemory();
  }
  const auto n = static_cast<std::int64_t>(net.params().size());
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * static_cast<std::int64_t>(sizeof(float)));
  mlp::set_threads(1);
}

}  // namespace

BENCHMARK_CAPTURE(BM_update, adam, std::string("adam"))->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_update, adamw, std::string("adamw"))->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_update, momentum, std::string("momentum"))->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_update, gd, std::string("gd"))->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_MAIN();
