// The library's one thread pool: how many threads the kernels use and how work is handed to them.
//
// Every parallel piece of the library (a GEMM split into panels, a batch split by columns, the
// optimizer's elementwise update) runs through parallel_run(); the library starts no other
// threads and calls its GEMM kernels (Eigen, OpenBLAS, oneDNN) on one thread each.
//
// An idle worker spins for a short while (kSpinSeconds) and then sleeps on a futex, so that a
// training loop's back-to-back steps hand work over in well under a microsecond while a worker
// never burns a busy machine's time slices waiting for a thread that has been descheduled
// (docs/performance.md, "Busy machines").
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

namespace mlp {

/// Sets the number of threads the kernels use. n = 0 means all cores; n < 0 is a ConfigError.
/// Process-wide: call it between (not during) computations. The default is all cores available
/// to the process (its CPU affinity mask).
void set_threads(int n);
/// The number of threads the kernels use (>= 1).
[[nodiscard]] int threads();
/// The number of cores available to this process (>= 1).
[[nodiscard]] int available_cores();
/// The number of threads a computation is split over: threads(), but at most the cores
/// available to the process (read at the first call and at each set_threads()): more threads
/// than cores only take turns on them, and a step waits for the last one (measured: 4 threads on
/// 2 busy cores trained at 41 % of the speed of 2).
[[nodiscard]] int compute_threads();

/// What one hand-off of compute_threads() threads costs here, in seconds: the median of back-to-back
/// empty parallel_run() calls, measured once per thread count and kept (re-measured if a
/// measurement is absurd, above 1 ms). ~0.1–1 µs while the workers spin, ~100 µs when other
/// processes keep the cores busy; 0 with one thread.
[[nodiscard]] double parallel_handoff_seconds();

/// The number of threads a computation worth `seconds_on_one_thread` is split over, for splits
/// that do not change its result's bits: compute_threads() when the time saved,
/// seconds·(1 − 1/t), is at least twice the hand-off (parallel_handoff_seconds), else 1; 1
/// inside a parallel_run body. (A split that changes the bits — a batch's columns — depends on
/// the sizes and the thread count only, never on a timing: docs/reliability.md.)
[[nodiscard]] int threads_worth(double seconds_on_one_thread);

/// How long an idle worker spins before it sleeps, in seconds.
inline constexpr double kSpinSeconds = 50e-6;

/// A non-owning reference to a callable taking the index of a thread.
class ThreadBody {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, ThreadBody>)
  ThreadBody(F&& f)  // NOLINT(google-explicit-constructor): a parameter type, like function_ref
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, int i) { (*static_cast<std::remove_reference_t<F>*>(o))(i); }) {}
  void operator()(int i) const { call_(object_, i); }

 private:
  void* object_;
  void (*call_)(void*, int);
};

/// Runs body(i) for i = 0 … t−1 concurrently: the calling thread runs i = 0, workers of the pool
/// the others. Returns when every body has returned; if bodies threw, the exception of the
/// lowest i is rethrown once all have finished. t <= 1, a call from inside a body, or a call
/// while another thread of the process is using the pool runs the bodies one after the other on
/// the calling thread (same results: a body must not depend on running concurrently).
void parallel_run(int t, ThreadBody body);
/// True on a thread while it runs a body of parallel_run().
[[nodiscard]] bool in_parallel();

}  // namespace mlp
