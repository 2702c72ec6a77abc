// A training step after the first allocates nothing: every heap allocation of this test
// executable goes through the counting malloc/calloc/realloc/aligned allocations and operator
// new below (forwarded to glibc's __libc_* functions), and the tests check the count over
// steps of the same batch size. Under AddressSanitizer, which owns malloc, the tests skip.
//
// The products run on Eigen's kernel (MLP_GEMM=eigen, set before anything runs), or on the one
// MLP_ALLOC_TEST_GEMM names (ctest runs it again with libxsmm's): mlp's own code and Eigen's,
// libxsmm's and OpenBLAS's kernels allocate nothing per step, but oneDNN's sgemm allocates its
// packing buffers on every call (docs/performance.md, "The GEMM"), which this test would count.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <new>
#include <vector>

#include "mlp/nn/network.hpp"
#include "mlp/optim/optimizer.hpp"
#include "mlp/optim/line_search.hpp"
#include "mlp/train/trainer.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define MLP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLP_TEST_ASAN 1
#endif
#endif

namespace {
std::atomic<long> g_allocations{0};
// Before main: the kernel setting is read at the first product.
[[maybe_unused]] const int g_kernel = setenv(
    "MLP_GEMM", std::getenv("MLP_ALLOC_TEST_GEMM") != nullptr ? std::getenv("MLP_ALLOC_TEST_GEMM")
                                                               : "eigen", 1);
}  // namespace

#ifndef MLP_TEST_ASAN
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = __libc_memalign(alignment, n);
  if (p == nullptr) return 12;  // ENOMEM
  *out = p;
  return 0;
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, n);
}
void* memalign(std::size_t alignment, std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, n);
}
}  // extern "C"

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = __libc_malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }
#endif

namespace {

#ifdef MLP_TEST_ASAN
#define MLP_SKIP_UNDER_ASAN() GTEST_SKIP() << "AddressSanitizer replaces malloc; not counted"
#else
#define MLP_SKIP_UNDER_ASAN() (void)0
#endif

long allocations() { return g_allocations.load(std::memory_order_relaxed); }

mlp::ModelSpec fashion_spec() {
  return mlp::ModelBuilder(784)
      .hidden(256, mlp::Activation::relu)
      .hidden(128, mlp::Activation::relu)
      .output(10, mlp::Activation::softmax)
      .loss(mlp::Loss::cross_entropy)
      .build();
}

struct Data {
  mlp::MatrixF X, Y;
  Data(mlp::Index n_in, mlp::Index n_out, mlp::Index m)
      : X(mlp::MatrixF::Random(n_in, m)), Y(mlp::MatrixF::Zero(n_out, m)) {
    for (mlp::Index j = 0; j < m; ++j) Y(j % n_out, j) = 1.f;
  }
};

/// Allocations made by `steps` training steps after a first (warm-up) step.
long allocations_after_first_step(const mlp::ModelSpec& spec, mlp::Index m, const char* optimizer,
                                  int threads, int steps = 5) {
  mlp::set_threads(threads);
  mlp::Network<float> net(spec);
  mlp::optim::OptimizerOptions o;
  o.name = optimizer;
  auto opt = mlp::optim::make_optimizer<float>(o);
  Data d(spec.inputs, spec.layers.back().units, m);
  mlp::Rng rng(7);
  // Both ways to run a step: forward + loss, and forward_backward (the Trainer's, split over
  // threads by columns).
  auto step = [&] {
    net.forward(d.X, true, &rng);
    net.loss(d.Y, true);
    opt->step(net.params(), 1e-3f);
    net.forward_backward(d.X, d.Y, true, &rng);
    opt->step(net.params(), 1e-3f);
    net.predict(d.X);
  };
  step();
  const long before = allocations();
  for (int i = 0; i < steps; ++i) step();
  const long made = allocations() - before;
  mlp::set_threads(1);
  return made;
}

TEST(Alloc, CounterSeesAllocations) {
  MLP_SKIP_UNDER_ASAN();
  const long before = allocations();
  auto* v = new std::vector<float>(1000);
  mlp::MatrixF M(17, 3);
  const long made = allocations() - before;
  delete v;
  EXPECT_GE(made, 3);  // the vector object, its storage, the matrix storage
  EXPECT_EQ(M.size(), 51);
}

TEST(Alloc, FashionStepAllocatesNothingAfterTheFirst) {
  MLP_SKIP_UNDER_ASAN();
  for (const mlp::Index m : {1, 32, 128}) {
    EXPECT_EQ(allocations_after_first_step(fashion_spec(), m, "adam", 1), 0) << "batch " << m;
  }
}

TEST(Alloc, TwoThreadsAllocateNothingAfterTheFirstStep) {
  MLP_SKIP_UNDER_ASAN();
  EXPECT_EQ(allocations_after_first_step(fashion_spec(), 256, "adam", 2), 0);
}

TEST(Alloc, DropoutAndOtherActivationsAllocateNothingAfterTheFirstStep) {
  MLP_SKIP_UNDER_ASAN();
  const auto spec = mlp::ModelBuilder(20)
                        .hidden(16, mlp::Activation::tanh, 0.8)
                        .hidden(12, mlp::Activation::leaky_relu, 0.9)
                        .hidden(8, mlp::Activation::sigmoid)
                        .hidden(6, mlp::Activation::gelu)
                        .output(1, mlp::Activation::sigmoid)
                        .loss(mlp::Loss::binary_cross_entropy)
                        .build();
  for (auto opt : mlp::optim::optimizer_names()) {
    EXPECT_EQ(allocations_after_first_step(spec, 16, std::string(opt).c_str(), 1), 0) << opt;
  }
  const auto mse = mlp::ModelBuilder(5).hidden(7, mlp::Activation::relu)
                       .output(3, mlp::Activation::identity).loss(mlp::Loss::mse).build();
  EXPECT_EQ(allocations_after_first_step(mse, 9, "adam", 1), 0);
}

/// Counts allocations between consecutive batch ends of Trainer::fit.
struct CountingCallback : mlp::Callback {
  long last = 0;
  std::vector<long> per_batch;  // reserved up front: pushing does not allocate
  bool on_batch_end(const mlp::BatchInfo&) override {
    const long now = allocations();
    per_batch.push_back(now - last);
    last = allocations();
    return true;
  }
};

TEST(Alloc, TrainerBatchesAllocateNothingAfterTheFirst) {
  MLP_SKIP_UNDER_ASAN();
  for (const int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    mlp::set_threads(threads);
    mlp::data::Dataset d;
    d.task = mlp::data::Task::classification;
    const mlp::Index m = 640, batch = 64;
    d.X = mlp::MatrixF::Random(784, m);
    for (mlp::Index j = 0; j < m; ++j) d.labels.push_back(static_cast<std::int32_t>(j % 10));
    for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
    mlp::Network<float> net(fashion_spec());
    mlp::TrainOptions o;  // defaults: Adam, gradient-norm monitoring on
    o.epochs = 1;
    o.batch_size = batch;
    CountingCallback cb;
    cb.per_batch.reserve(100);
    mlp::Trainer(net, o).fit(d, nullptr, {&cb});
    ASSERT_EQ(cb.per_batch.size(), 10u);
    for (std::size_t b = 1; b < cb.per_batch.size(); ++b) {
      EXPECT_EQ(cb.per_batch[b], 0) << "batch " << b + 1;
    }
  }
  mlp::set_threads(1);
}

// Example weights (data.weight, train.class_weight) travel in the batch's reused buffer: a
// weighted step allocates nothing after the first either.
TEST(Alloc, WeightedTrainerBatchesAllocateNothingAfterTheFirst) {
  MLP_SKIP_UNDER_ASAN();
  for (const int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    mlp::set_threads(threads);
    mlp::data::Dataset d;
    d.task = mlp::data::Task::classification;
    const mlp::Index m = 640, batch = 64;
    d.X = mlp::MatrixF::Random(784, m);
    for (mlp::Index j = 0; j < m; ++j) d.labels.push_back(static_cast<std::int32_t>(j % 10));
    for (mlp::Index j = 0; j < m; ++j) d.weights.push_back(j % 10 == 3 ? 4.0f : 0.5f);
    for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
    mlp::Network<float> net(fashion_spec());
    mlp::TrainOptions o;
    o.epochs = 1;
    o.batch_size = batch;
    CountingCallback cb;
    cb.per_batch.reserve(100);
    mlp::Trainer(net, o).fit(d, nullptr, {&cb});
    ASSERT_EQ(cb.per_batch.size(), 10u);
    for (std::size_t b = 1; b < cb.per_batch.size(); ++b) {
      EXPECT_EQ(cb.per_batch[b], 0) << "batch " << b + 1;
    }
  }
  mlp::set_threads(1);
}

// train.on_divergence = "recover" copies θ and the optimizer state before every step: into
// buffers allocated once, so the steps after the first still allocate nothing.
TEST(Alloc, RecoveringTrainerBatchesAllocateNothingAfterTheFirst) {
  MLP_SKIP_UNDER_ASAN();
  mlp::set_threads(1);
  mlp::data::Dataset d;
  d.task = mlp::data::Task::classification;
  const mlp::Index m = 640, batch = 64;
  d.X = mlp::MatrixF::Random(784, m);
  for (mlp::Index j = 0; j < m; ++j) d.labels.push_back(static_cast<std::int32_t>(j % 10));
  for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
  mlp::Network<float> net(fashion_spec());
  mlp::TrainOptions o;
  o.epochs = 1;
  o.batch_size = batch;
  o.on_divergence = mlp::OnDivergence::recover;
  CountingCallback cb;
  cb.per_batch.reserve(100);
  mlp::Trainer(net, o).fit(d, nullptr, {&cb});
  ASSERT_EQ(cb.per_batch.size(), 10u);
  for (std::size_t b = 1; b < cb.per_batch.size(); ++b) EXPECT_EQ(cb.per_batch[b], 0) << "batch " << b + 1;
}

TEST(Alloc, LineSearchStepsWithDropoutAllocateNothingAfterTheFirst) {
  MLP_SKIP_UNDER_ASAN();
  const auto spec = mlp::ModelBuilder(20).hidden(32, mlp::Activation::relu, 0.8)
                        .output(4, mlp::Activation::softmax).loss(mlp::Loss::cross_entropy).build();
  mlp::Network<float> net(spec);
  Data d(20, 4, 50);
  mlp::Rng rng(3);
  mlp::optim::BacktrackingLineSearch<float> search;
  const std::function<double()> cost = [&] {  // trial J on the gradient's dropout masks
    net.forward_with_masks(d.X);
    return static_cast<double>(net.loss(d.Y, false));
  };
  auto step = [&] {
    const double J = net.forward_backward(d.X, d.Y, true, &rng);
    return search.search(net.params(), J, 100.0, cost).trials;  // t0 = 100 backtracks
  };
  EXPECT_GT(step(), 1);
  const long before = allocations();
  for (int i = 0; i < 5; ++i) step();
  EXPECT_EQ(allocations() - before, 0);
}

}  // namespace
