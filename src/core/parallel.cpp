// The thread pool (include/mlp/core/parallel.hpp; docs/performance.md, "Threads").
#include "mlp/core/parallel.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "mlp/core/error.hpp"

namespace mlp {

namespace {

using Clock = std::chrono::steady_clock;

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

thread_local bool t_in_parallel = false;

/// Moving averages over the pool's recent hand-offs, seconds: how long the dispatching thread
/// took for its own part, and how long it then waited for the workers — ~1 µs when the workers
/// have cores, up to a scheduler time slice (ms) when other processes keep the cores busy.
std::atomic<double> g_recent_own{0.0};
std::atomic<double> g_recent_wait{0.0};

void note(std::atomic<double>& average, double seconds) {
  const double old = average.load(std::memory_order_relaxed);
  average.store(0.875 * old + 0.125 * seconds, std::memory_order_relaxed);
}

/// While its recent hand-offs cost more than they saved, the pool still hands over every
/// kProbeFirst-th call to see whether the cores are free again, and waits twice as long after each
/// probe that finds them busy, up to every kProbeLast-th call (halved again after each hand-off
/// that finds them free).
constexpr int kProbeFirst = 64;
constexpr int kProbeLast = 1024;
/// A wait for the workers this long is not a wake-up (a sleeping worker on a free core starts
/// within ~5–100 µs, also on this VM) but a worker waiting for a core.
constexpr double kBusyWaitSeconds = 500e-6;

/// Waits until `word` no longer holds `old`: spins for kSpinSeconds, then sleeps on the word (a
/// futex), saying so in `sleeping` so that the writer knows it must wake the waiter.
void wait_while_equal(const std::atomic<std::uint32_t>& word, std::uint32_t old,
                      std::atomic<bool>& sleeping) {
  const auto spin = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(kSpinSeconds));
  const auto start = Clock::now();
  for (unsigned i = 1;; ++i) {
    if (word.load(std::memory_order_acquire) != old) return;
    cpu_relax();
    if (i % 64 == 0 && Clock::now() - start > spin) break;
  }
  // Dekker with the writer (publish): it stores the word, then reads `sleeping`; we store
  // `sleeping`, then read the word. Sequential consistency: one of us sees the other's store.
  sleeping.store(true, std::memory_order_seq_cst);
  for (std::uint32_t v; (v = word.load(std::memory_order_seq_cst)) == old;) word.wait(v);
  sleeping.store(false, std::memory_order_relaxed);
}

/// Stores `value` into `word` and wakes its waiter if it sleeps.
void publish(std::atomic<std::uint32_t>& word, std::uint32_t value, std::atomic<bool>& sleeping) {
  word.store(value, std::memory_order_seq_cst);
  if (sleeping.load(std::memory_order_seq_cst)) word.notify_all();
}

/// One worker's mailbox, on its own cache line: the generation it is asked to run.
struct alignas(64) Slot {
  std::atomic<std::uint32_t> go{0};
  std::atomic<bool> sleeping{false};
};

class Pool {
 public:
  /// adaptive = false: always hand over, and leave the moving averages alone (the hand-off's own
  /// measurement, whose empty parts would read as "sequential is faster").
  void run(int t, ThreadBody body, bool adaptive = true) {
    std::unique_lock lock(use_, std::try_to_lock);
    if (!lock.owns_lock() || t_in_parallel) {  // the pool is busy or we are inside a body
      lock = {};
      run_sequentially(t, body);
      return;
    }
    // Beside CPU-bound processes a worker can wait a whole time slice for a core, and every
    // hand-off then costs milliseconds (2 threads at batch 64 on 2 cores shared with two such
    // processes: 10k samples/s against 57k on one thread). While the recent hand-offs waited
    // that long (kBusyWaitSeconds) and longer than the caller took for its own part — running
    // the parts one after the other would have been faster — the caller runs them itself (the
    // same results: the parts are the same), handing over now and then (kProbeFirst) to see
    // whether the cores are free again.
    const bool probe = adaptive && busy();
    if (probe && ++since_probe_ < probe_every_) {
      lock = {};
      run_sequentially(t, body);
      return;
    }
    if (adaptive) since_probe_ = 0;
    grow(t - 1);
    body_ = &body;
    errors_.assign(static_cast<std::size_t>(t), nullptr);
    remaining_.store(static_cast<std::uint32_t>(t - 1), std::memory_order_relaxed);
    ++generation_;
    for (int i = 1; i < t; ++i) {
      Slot& s = *slots_[static_cast<std::size_t>(i - 1)];
      publish(s.go, generation_, s.sleeping);
    }
    const auto start = Clock::now();
    t_in_parallel = true;
    try {
      body(0);
    } catch (...) {
      errors_[0] = std::current_exception();
    }
    t_in_parallel = false;
    // Wait for the workers, in the same spin-then-sleep way.
    const auto own_done = Clock::now();
    for (std::uint32_t left; (left = remaining_.load(std::memory_order_acquire)) != 0;) {
      wait_while_equal(remaining_, left, caller_sleeping_);
    }
    if (adaptive) {
      note(g_recent_own, std::chrono::duration<double>(own_done - start).count());
      const double wait = std::chrono::duration<double>(Clock::now() - own_done).count();
      if (probe && wait < kBusyWaitSeconds) {
        g_recent_wait.store(wait, std::memory_order_relaxed);  // the cores are free again
      } else {
        note(g_recent_wait, wait);
      }
      // Busy: probe half as often. Free: come back down gradually (a probe that finds a core
      // free for a moment, on a machine still busy, must not bring back frequent probes).
      probe_every_ = busy() ? std::min(2 * probe_every_, kProbeLast)
                            : std::max(probe_every_ / 2, kProbeFirst);
    }
    for (const auto& e : errors_) {
      if (e) std::rethrow_exception(e);
    }
  }

 private:
  static void run_sequentially(int t, ThreadBody body) {
    std::exception_ptr first;
    const bool outer = t_in_parallel;
    t_in_parallel = true;
    for (int i = 0; i < std::max(t, 1); ++i) {
      try {
        body(i);
      } catch (...) {
        if (!first) first = std::current_exception();
      }
    }
    t_in_parallel = outer;
    if (first) std::rethrow_exception(first);
  }

  void grow(int workers) {
    while (static_cast<int>(slots_.size()) < workers) {
      slots_.push_back(std::make_unique<Slot>());
      const int index = static_cast<int>(slots_.size());
      Slot* slot = slots_.back().get();
      // Detached: the pool lives as long as the process (a worker sleeps when idle).
      std::thread([this, index, slot] { work(index, *slot); }).detach();
    }
  }

  void work(int index, Slot& slot) {
    t_in_parallel = true;
    std::uint32_t seen = 0;
    for (;;) {
      wait_while_equal(slot.go, seen, slot.sleeping);
      seen = slot.go.load(std::memory_order_acquire);
      try {
        (*body_)(index);
      } catch (...) {
        errors_[static_cast<std::size_t>(index)] = std::current_exception();
      }
      if (remaining_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
          caller_sleeping_.load(std::memory_order_seq_cst)) {
        remaining_.notify_all();
      }
    }
  }

  std::mutex use_;  // one dispatching thread at a time
  std::vector<std::unique_ptr<Slot>> slots_;  // slot i−1 belongs to worker i
  ThreadBody* body_ = nullptr;
  std::vector<std::exception_ptr> errors_;
  std::uint32_t generation_ = 0;
  int since_probe_ = 0;  // calls run on the caller since the last hand-off (under use_)
  int probe_every_ = kProbeFirst;

  /// Whether the recent hand-offs waited for the workers like a busy machine's do.
  static bool busy() {
    const double wait = g_recent_wait.load(std::memory_order_relaxed);
    return wait > kBusyWaitSeconds && wait > g_recent_own.load(std::memory_order_relaxed);
  }
  alignas(64) std::atomic<std::uint32_t> remaining_{0};
  std::atomic<bool> caller_sleeping_{false};
};

// Never destroyed: workers may still be asleep in it when the process exits. A forked child has
// none of the parent's workers and starts a fresh pool.
Pool* g_pool = nullptr;
std::once_flag g_pool_once;

Pool& pool() {
  std::call_once(g_pool_once, [] {
    g_pool = new Pool;  // NOLINT(cppcoreguidelines-owning-memory): lives until exit
    pthread_atfork(nullptr, nullptr, [] { g_pool = new Pool; });  // NOLINT
  });
  return *g_pool;
}

std::atomic<int> g_threads{0};  // 0: the default, all cores, not read yet
std::atomic<int> g_cores{0};    // available_cores() when last read; 0: not read yet

}  // namespace

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

void set_threads(int n) {
  if (n < 0) {
    throw ConfigError(fmt::format("threads must be >= 0 (0 = all {} cores; got {})",
                                  available_cores(), n));
  }
  const int cores = available_cores();
  g_cores.store(cores, std::memory_order_relaxed);
  g_threads.store(n == 0 ? cores : n, std::memory_order_relaxed);
}

int threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    n = available_cores();
    int expected = 0;
    if (!g_threads.compare_exchange_strong(expected, n, std::memory_order_relaxed)) n = expected;
  }
  return n;
}

int compute_threads() {
  int cores = g_cores.load(std::memory_order_relaxed);
  if (cores == 0) {
    cores = available_cores();
    g_cores.store(cores, std::memory_order_relaxed);
  }
  return std::min(threads(), cores);
}

bool in_parallel() { return t_in_parallel; }

int threads_worth(double seconds_on_one_thread) {
  if (in_parallel()) return 1;
  const int t = compute_threads();
  if (t <= 1) return 1;
  const double saved = seconds_on_one_thread * (1.0 - 1.0 / t);
  // (Not the recent waits of Pool::run: a worker left idle sleeps, and the wake-up that ends
  // its sleep would read as a costly hand-off and keep the split away for good.)
  return saved >= 2.0 * parallel_handoff_seconds() ? t : 1;
}

void parallel_run(int t, ThreadBody body) {
  if (t <= 1) {
    body(0);
    return;
  }
  pool().run(t, body);
}

double parallel_handoff_seconds() {
  constexpr int kMaxThreads = 256;
  static std::array<std::atomic<double>, kMaxThreads + 1> measured{};  // 0: not measured yet
  const int t = std::min(compute_threads(), kMaxThreads);
  if (t <= 1) return 0.0;
  const double known = measured[static_cast<std::size_t>(t)].load(std::memory_order_relaxed);
  if (known > 0) return known;
  // Back-to-back hand-offs, as in a training loop; the first ones start the workers. With the
  // workers spinning between them a hand-off takes ~0.1–2 µs; on a machine whose cores are busy
  // with other processes, ~100 µs (a worker waits for a core): that value is kept, since it is
  // what a split costs there. A median above 1 ms (the process itself was descheduled for a
  // whole time slice) is measured again, up to 3 times.
  double median = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::array<double, 21> times{};
    std::atomic<int> sink{0};
    for (double& seconds : times) {
      const auto t0 = Clock::now();
      pool().run(t, [&](int) { sink.fetch_add(1, std::memory_order_relaxed); }, false);
      seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    std::sort(times.begin() + 5, times.end());
    median = std::max(times[13], 1e-9);
    if (median < 1e-3) break;
  }
  measured[static_cast<std::size_t>(t)].store(median, std::memory_order_relaxed);
  return median;
}

}  // namespace mlp
