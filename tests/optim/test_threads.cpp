// The optimizer update is elementwise, so splitting the flat parameter vector over threads must
// not change a bit: every optimizer, 1 thread against 2, over a vector large enough (2^21
// parameters, ~300 µs of update per step) to be split even where waking a thread is slow.
#include <gtest/gtest.h>

#include <string>

#include "mlp/optim/optimizer.hpp"
#include "mlp/core/random.hpp"

namespace mlp::optim {
namespace {

Parameters<float> big(std::uint64_t seed) {
  Parameters<float> p;
  p.add("layers.0.W", 1024, 2047, true);
  p.add("layers.0.b", 1024, 1, false);
  Rng rng(seed);
  for (Index i = 0; i < p.theta().size(); ++i) p.theta()[i] = static_cast<float>(rng.normal());
  return p;
}

/// θ after three steps with a fixed gradient sequence on `threads` threads.
Vector<float> three_steps(const std::string& name, int threads) {
  set_threads(threads);
  Parameters<float> p = big(1);
  OptimizerOptions o;
  o.name = name;
  auto opt = make_optimizer<float>(o);
  Rng rng(2);
  for (int k = 0; k < 3; ++k) {
    for (Index i = 0; i < p.dtheta().size(); ++i) p.dtheta()[i] = static_cast<float>(rng.normal());
    opt->step(p, 1e-2f);
  }
  set_threads(1);
  return p.theta();
}

TEST(OptimizerThreads, TwoThreadsGiveTheSameBitsAsOne) {
  for (const auto name : optimizer_names()) {
    const std::string n(name);
    const Vector<float> one = three_steps(n, 1);
    const Vector<float> two = three_steps(n, 2);
    EXPECT_TRUE(one == two) << n;
    EXPECT_FALSE(one == big(1).theta()) << n << ": the steps changed nothing";
  }
}

}  // namespace
}  // namespace mlp::optim

namespace mlp::optim {
namespace {

// Where gradients vanish the state decays geometrically into the subnormal range, where every
// operation is slow on some CPUs: updates flush subnormals to zero (FlushSubnormals), on any
// thread count, and leave the caller's floating-point setting as it was.
TEST(OptimizerSubnormals, StateThatDecaysBelowTheNormalRangeBecomesZero) {
  for (const int threads : {1, 2}) {
    Parameters<float> p = big(3);
    OptimizerOptions o;
    o.name = "adam";
    auto opt = make_optimizer<float>(o);
    p.dtheta().setConstant(1e-19f);  // g² = 1e-38: S = (1 − β₂)·g² is subnormal
    set_threads(threads);
    opt->step(p, 1e-3f);
    set_threads(1);
    const OptimizerState<float> st = opt->state();
    ASSERT_EQ(st.buffer_names.at(1), "S");
    const Vector<float>& S = st.buffers.at(1);
    EXPECT_EQ(S.cwiseAbs().maxCoeff(), 0.f) << "threads " << threads;
    EXPECT_TRUE(p.theta().allFinite());
    // The caller's setting is untouched: subnormals still exist on this thread.
    volatile float tiny = 1e-38f;
    EXPECT_GT(tiny * 0.5f, 0.f);
  }
}

}  // namespace
}  // namespace mlp::optim
