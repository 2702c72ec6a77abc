// Private helpers shared by the optimizer implementations, and the list of registered
// optimizers. Adding an optimizer = one file src/optim/<name>.cpp defining
// detail::make_<name><T> (instantiated for float and double) + one line in MLP_OPTIMIZERS.
#pragma once

#include <omp.h>

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "mlp/optim/optimizer.hpp"

// X(name) for every optimizer, in the order listed by optimizer_names().
#define MLP_OPTIMIZERS(X) \
  X(gd)                   \
  X(momentum)             \
  X(momentum_pytorch)     \
  X(rmsprop)              \
  X(adam)                 \
  X(adamw)

namespace mlp::optim::detail {

#define MLP_DECLARE_OPTIMIZER_FACTORY(n) \
  template <class T>                     \
  std::unique_ptr<Optimizer<T>> make_##n(const OptimizerOptions& options);
MLP_OPTIMIZERS(MLP_DECLARE_OPTIMIZER_FACTORY)
#undef MLP_DECLARE_OPTIMIZER_FACTORY

/// Throws ConfigError when `options` sets a field that optimizer `options.name` does not read.
void reject_unused(const OptimizerOptions& options, std::initializer_list<std::string_view> used);

/// A decay rate β in [0, 1): `value` or `fallback`; ConfigError naming optimizer.<key> otherwise.
double decay_rate(const OptimizerOptions& options, std::optional<double> value, double fallback,
                  std::string_view key);
/// A finite value > 0 (ε).
double positive(const OptimizerOptions& options, std::optional<double> value, double fallback,
                std::string_view key);
/// A finite value >= 0 (weight decay).
double non_negative(const OptimizerOptions& options, std::optional<double> value,
                    double fallback, std::string_view key);

/// Calls f(start, length) over [0, n) in blocks small enough to stay in L1 cache, so that an
/// update made of several Eigen array statements reads and writes each element once from
/// memory (one pass over the flat vectors) while every statement stays vectorized.
///
/// Elementwise updates give the same bits on any number of threads, so the blocks are split
/// over threads() (contiguous runs) when the time saved, at ~0.3 ns per element and thread
/// (Adam, one core, docs/performance.md), is at least twice what waking the threads costs here
/// (parallel_handoff_seconds: spinning or sleeping threads differ by a factor of ~100).
template <class F>
void for_each_block(Index n, F&& f) {
  constexpr Index kBlock = 1024;
  constexpr double kSecondsPerElement = 0.3e-9;
  const Index blocks = (n + kBlock - 1) / kBlock;
  int t = blocks > 1 ? threads() : 1;
#ifdef _OPENMP
  if (omp_in_parallel()) t = 1;
#endif
  if (t > 1) {
    const double saved = static_cast<double>(n) * kSecondsPerElement * (1.0 - 1.0 / t);
    if (saved < 2.0 * parallel_handoff_seconds()) t = 1;
  }
  if (t == 1) {
    for (Index start = 0; start < n; start += kBlock) f(start, std::min(kBlock, n - start));
    return;
  }
#pragma omp parallel for schedule(static) num_threads(t)
  for (Index i = 0; i < blocks; ++i) {
    const Index start = i * kBlock;
    f(start, std::min(kBlock, n - start));
  }
}

}  // namespace mlp::optim::detail
