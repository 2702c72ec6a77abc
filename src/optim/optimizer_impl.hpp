// Private helpers shared by the optimizer implementations, and the list of registered
// optimizers. Adding an optimizer = one file src/optim/<name>.cpp defining its class, its
// settings and description (detail::info_<name>) and its factory detail::make_<name><T>
// (instantiated for float and double), + one line in MLP_OPTIMIZERS.
#pragma once

#include <algorithm>
#include <memory>
#include <span>
#include <string_view>

#include "mlp/core/setting.hpp"
#include "mlp/optim/optimizer.hpp"

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

// X(name) for every optimizer, in the order listed by optimizer_names().
#define MLP_OPTIMIZERS(X) \
  X(gd)                   \
  X(momentum)             \
  X(momentum_pytorch)     \
  X(rmsprop)              \
  X(adam)                 \
  X(adamw)                \
  X(adagrad)

namespace mlp::optim::detail {

/// What an optimizer publishes: a one-line description and its settings.
struct OptimizerInfo {
  std::string_view doc;
  std::span<const Setting> settings;
};

/// make_<name> receives options already resolved by make_optimizer: every published setting
/// holds its validated value (set or default), every other field is unset.
#define MLP_DECLARE_OPTIMIZER(n)                                          \
  const OptimizerInfo& info_##n();                                        \
  template <class T>                                                      \
  std::unique_ptr<Optimizer<T>> make_##n(const OptimizerOptions& resolved);
MLP_OPTIMIZERS(MLP_DECLARE_OPTIMIZER)
#undef MLP_DECLARE_OPTIMIZER

/// A decay rate β of running averages: a real in [0, 1).
constexpr Setting decay_rate_setting(std::string_view key, double default_value,
                                     std::string_view doc) {
  return {key, Setting::Kind::real, default_value, kUnitOpenRight, doc};
}
/// ε added to the denominator √S + ε: a real > 0.
constexpr Setting epsilon_setting(double default_value) {
  return {"epsilon", Setting::Kind::real, default_value, kPositiveReal,
          "added to the denominator sqrt(S) + epsilon"};
}

/// Calls f(start, length) over [0, n) in blocks small enough to stay in L1 cache, so that an
/// update made of several Eigen array statements reads and writes each element once from
/// memory (one pass over the flat vectors) while every statement stays vectorized.
///
/// Elementwise updates give the same bits on any number of threads, so the blocks are split
/// over threads() (contiguous runs) when the time saved, at ~0.3 ns per element and thread
/// (Adam, one core, docs/performance.md), is at least twice what waking the threads costs here
/// (parallel_handoff_seconds: spinning or sleeping threads differ by a factor of ~100).
/// While alive, the calling thread's floating-point unit treats subnormal numbers as zero
/// (SSE's flush-to-zero and denormals-are-zero bits), and puts the caller's setting back after.
/// The optimizer state decays geometrically where gradients vanish (Adam's S ← β₂·S for a dead
/// unit) and reaches the subnormal range within a few thousand steps, where each operation on
/// this Intel Xeon costs ~100 cycles: Adam's update at batch 1 took 6× longer. Values below
/// 1.2e-38 (float) become 0, which no update distinguishes from them (ε ≥ 1e-8 in denominators).
class FlushSubnormals {
 public:
#if defined(__SSE2__)
  FlushSubnormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }
  ~FlushSubnormals() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#endif
 public:
  FlushSubnormals(const FlushSubnormals&) = delete;
  FlushSubnormals& operator=(const FlushSubnormals&) = delete;
};

template <class F>
void for_each_block(Index n, F&& f) {
  constexpr Index kBlock = 1024;
  constexpr double kSecondsPerElement = 0.3e-9;
  const Index blocks = (n + kBlock - 1) / kBlock;
  const int t = blocks > 1 ? threads_worth(static_cast<double>(n) * kSecondsPerElement) : 1;
  if (t == 1) {
    const FlushSubnormals flush;
    for (Index start = 0; start < n; start += kBlock) f(start, std::min(kBlock, n - start));
    return;
  }
  // Thread i takes a contiguous run of blocks.
  const Index per_thread = (blocks + t - 1) / t;
  parallel_run(t, [&](int i) {
    const FlushSubnormals flush;
    const Index last = std::min(blocks, per_thread * (i + 1));
    for (Index b = per_thread * i; b < last; ++b) {
      const Index start = b * kBlock;
      f(start, std::min(kBlock, n - start));
    }
  });
}

/// The elementwise update of θ, run block by block (for_each_block) over θ, dθ and the state
/// buffers: f(theta, g, buffer...) receives the blocks as Eigen arrays of one length.
template <class T, class F, class... Buffers>
void update_elementwise(Parameters<T>& p, F&& f, Buffers&... buffers) {
  detail::for_each_block(p.theta().size(), [&](Index i, Index len) {
    f(p.theta().segment(i, len).array(), p.dtheta().segment(i, len).array(),
      buffers.segment(i, len).array()...);
  });
}

}  // namespace mlp::optim::detail

/// Defines what MLP_OPTIMIZERS declares for `name`: detail::info_<name>() (doc, settings) and
/// detail::make_<name><T>() constructing Class<T> from the resolved options, for float and
/// double. Used once at the end of each src/optim/<name>.cpp.
#define MLP_DEFINE_OPTIMIZER(name, Class, doc, settings)                               \
  namespace mlp::optim::detail {                                                       \
  const OptimizerInfo& info_##name() {                                                 \
    static constexpr OptimizerInfo kInfo{doc, settings};                               \
    return kInfo;                                                                      \
  }                                                                                    \
  template <class T>                                                                   \
  std::unique_ptr<Optimizer<T>> make_##name(const OptimizerOptions& resolved) {        \
    return std::make_unique<Class<T>>(resolved);                                       \
  }                                                                                    \
  template std::unique_ptr<Optimizer<float>> make_##name<float>(const OptimizerOptions&); \
  template std::unique_ptr<Optimizer<double>> make_##name<double>(const OptimizerOptions&); \
  }
