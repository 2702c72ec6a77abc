// The thread pool: every index runs once, errors come back, nesting and concurrent callers
// degrade to sequential runs, hand-offs that keep waiting for a core degrade to sequential runs
// until the cores are free again, a forked child gets a working pool.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/core/parallel.hpp"

namespace mlp {
namespace {

TEST(Parallel, EveryIndexRunsExactlyOnceForAnyThreadCount) {
  for (int t : {1, 2, 3, 4, 7, 16}) {
    for (int rep = 0; rep < 200; ++rep) {
      std::vector<std::atomic<int>> hits(static_cast<std::size_t>(t));
      parallel_run(t, [&](int i) { hits[static_cast<std::size_t>(i)].fetch_add(1); });
      for (int i = 0; i < t; ++i) ASSERT_EQ(hits[static_cast<std::size_t>(i)].load(), 1) << t << " " << i;
    }
  }
}

TEST(Parallel, WritesOfTheBodiesAreVisibleToTheCallerAfterwards) {
  std::vector<double> out(4 * 1000);
  for (int rep = 0; rep < 50; ++rep) {
    parallel_run(4, [&](int i) {
      for (int j = 0; j < 1000; ++j) out[static_cast<std::size_t>(i * 1000 + j)] = i + j + rep;
    });
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 1000; ++j) ASSERT_EQ(out[static_cast<std::size_t>(i * 1000 + j)], i + j + rep);
    }
  }
}

TEST(Parallel, TheLowestFailingIndexIsRethrownAfterEveryBodyFinished) {
  std::atomic<int> finished{0};
  try {
    parallel_run(4, [&](int i) {
      finished.fetch_add(1);
      if (i == 3) throw ShapeError("three");
      if (i == 1) throw ConfigError("one");
    });
    FAIL() << "no exception";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "one");
  }
  EXPECT_EQ(finished.load(), 4);
  // The pool still works afterwards.
  std::atomic<int> n{0};
  parallel_run(4, [&](int) { n.fetch_add(1); });
  EXPECT_EQ(n.load(), 4);
}

TEST(Parallel, ANestedCallRunsItsBodiesOnTheCallingThread) {
  EXPECT_FALSE(in_parallel());
  std::vector<std::atomic<int>> inner(4 * 3);
  std::atomic<bool> all_in_parallel{true};
  parallel_run(4, [&](int i) {
    if (!in_parallel()) all_in_parallel = false;
    const auto me = std::this_thread::get_id();
    parallel_run(3, [&](int j) {
      if (std::this_thread::get_id() != me) all_in_parallel = false;
      inner[static_cast<std::size_t>(i * 3 + j)].fetch_add(1);
    });
  });
  EXPECT_TRUE(all_in_parallel.load());
  EXPECT_FALSE(in_parallel());
  for (auto& v : inner) EXPECT_EQ(v.load(), 1);
}

TEST(Parallel, CallersOnSeveralThreadsAtOnceAllGetCompleteRuns) {
  std::atomic<long> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int rep = 0; rep < 500; ++rep) {
        parallel_run(3, [&](int i) { total.fetch_add(i + 1); });
      }
    });
  }
  for (auto& th : callers) th.join();
  EXPECT_EQ(total.load(), 4L * 500 * (1 + 2 + 3));
}

TEST(Parallel, WorkersThatKeepTheCallerWaitingAreBypassedUntilTheCoresAreFree) {
  // A worker that takes 3 ms for a part the caller does at once looks like a worker waiting for
  // a core on a busy machine: the pool then runs the parts on the caller (the same parts), and
  // hands over again once a probe finds the workers prompt.
  const std::thread::id caller = std::this_thread::get_id();
  const auto part1_on_caller = [&](bool slow_worker) {
    std::atomic<bool> on_caller{false};
    parallel_run(2, [&](int i) {
      if (i != 1) return;
      if (std::this_thread::get_id() == caller) {
        on_caller = true;
      } else if (slow_worker) {
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
      }
    });
    return on_caller.load();
  };
  bool bypassed = false;
  for (int call = 0; call < 50 && !bypassed; ++call) bypassed = part1_on_caller(true);
  EXPECT_TRUE(bypassed) << "50 slow hand-offs and the pool still hands over";
  bool back = false;
  for (int call = 0; call < 20000 && !back; ++call) back = !part1_on_caller(false);
  EXPECT_TRUE(back) << "the workers are prompt again, but the pool runs every part on the caller";
  // And it stays back: the next calls hand over (a single slow probe would not undo this).
  int handed_over = 0;
  for (int call = 0; call < 100; ++call) handed_over += part1_on_caller(false) ? 0 : 1;
  EXPECT_GE(handed_over, 90);
}

TEST(Parallel, AForkedChildHasAWorkingPool) {
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
  GTEST_SKIP() << "ThreadSanitizer refuses threads started after a multi-threaded fork";
#endif
#endif
  parallel_run(2, [](int) {});  // the parent's workers exist
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::atomic<int> n{0};
    parallel_run(3, [&](int) { n.fetch_add(1); });
    _exit(n.load() == 3 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Parallel, ThreadSettingIsCheckedAndZeroMeansAllCores) {
  const int before = threads();
  EXPECT_THROW(set_threads(-1), ConfigError);
  set_threads(0);
  EXPECT_EQ(threads(), available_cores());
  set_threads(5);
  EXPECT_EQ(threads(), 5);
  EXPECT_EQ(compute_threads(), std::min(5, available_cores()));  // never more than the cores
  set_threads(available_cores() + 3);
  EXPECT_EQ(compute_threads(), available_cores());
  set_threads(5);
  const double h = parallel_handoff_seconds();
  EXPECT_TRUE(std::isfinite(h) && h > 0) << h;
  set_threads(1);
  EXPECT_EQ(parallel_handoff_seconds(), 0.0);
  set_threads(before);
}

}  // namespace
}  // namespace mlp
