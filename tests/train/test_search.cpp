// Hyper-parameter search (train/search.hpp): the distributions, the grid, the successive-halving
// schedule, the ranking, and results that do not depend on the number of threads.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <set>

#include "mlp/core/error.hpp"
#include "mlp/train/search.hpp"
#include "thread_comm.hpp"

namespace mlp::search {
namespace {

Dimension choice(std::string name, std::vector<nlohmann::json> values) {
  Dimension d;
  d.name = std::move(name);
  d.distribution = Distribution::choice;
  d.choices = std::move(values);
  return d;
}

Dimension interval(std::string name, Distribution dist, double lo, double hi, std::size_t steps = 0,
                   bool integer = false) {
  Dimension d;
  d.name = std::move(name);
  d.distribution = dist;
  d.lo = lo;
  d.hi = hi;
  d.steps = steps;
  d.integer = integer;
  return d;
}

TEST(SearchSampling, UniformStaysInsideAndCoversTheInterval) {
  const Space s{{interval("l2", Distribution::uniform, 0.0, 0.1)}};
  double lo = 1, hi = -1, sum = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const double x = sample(s, trial_seed(5, i))[0].get<double>();
    ASSERT_GE(x, 0.0);
    ASSERT_LE(x, 0.1);
    lo = std::min(lo, x), hi = std::max(hi, x), sum += x;
  }
  EXPECT_LT(lo, 0.001);
  EXPECT_GT(hi, 0.099);
  EXPECT_NEAR(sum / n, 0.05, 0.003);  // the mean of U(0, 0.1); σ/√n ≈ 0.0005
}

TEST(SearchSampling, LogUniformIsUniformInTheLogarithm) {
  const Space s{{interval("lr", Distribution::log_uniform, 1e-4, 1e-1)}};
  const int n = 6000;
  int per_decade[3] = {0, 0, 0};
  double mean_log = 0;
  for (int i = 0; i < n; ++i) {
    const double x = sample(s, trial_seed(9, i))[0].get<double>();
    ASSERT_GE(x, 1e-4);
    ASSERT_LE(x, 1e-1);
    const double l = std::log10(x);
    mean_log += l / n;
    per_decade[std::min(2, static_cast<int>(std::floor(l + 4)))]++;
  }
  EXPECT_NEAR(mean_log, -2.5, 0.03);
  for (int c : per_decade) EXPECT_NEAR(c, n / 3.0, 200);  // each decade a third (σ ≈ 37)
}

TEST(SearchSampling, ChoiceDrawsEveryValueEvenly) {
  const Space s{{choice("hidden", {nlohmann::json::array({64}), nlohmann::json::array({128, 64}), "x"})}};
  std::map<std::string, int> seen;
  for (int i = 0; i < 3000; ++i) seen[sample(s, trial_seed(1, i))[0].dump()]++;
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& [v, c] : seen) EXPECT_NEAR(c, 1000, 120) << v;
}

TEST(SearchSampling, IntegerKeysAreRoundedAndTheSeedDecides) {
  const Space two{{interval("batch_size", Distribution::log_uniform, 8, 256, 0, true),
                   interval("l2", Distribution::uniform, 0, 1)}};
  std::set<std::uint64_t> seeds;
  for (int i = 0; i < 100; ++i) {
    const auto p = sample(two, trial_seed(3, i));
    ASSERT_TRUE(p[0].is_number_integer()) << p[0];
    EXPECT_GE(p[0].get<int>(), 8);
    EXPECT_LE(p[0].get<int>(), 256);
    EXPECT_EQ(p, sample(two, trial_seed(3, i)));  // a function of (seed, index) only
    seeds.insert(trial_seed(3, i));
  }
  EXPECT_EQ(seeds.size(), 100u);
  EXPECT_NE(trial_seed(3, 0), trial_seed(4, 0));
}

TEST(SearchGrid, CartesianProductLastDimensionFastest) {
  const Space s{{choice("a", {1, 2}),
                 interval("b", Distribution::log_uniform, 1e-3, 1e-1, 3),
                 interval("c", Distribution::uniform, 0, 1, 2)}};
  ASSERT_EQ(grid_size(s), 12u);
  const auto b = grid_values(s.dimensions[1]);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].get<double>(), 1e-3);  // the ends exactly as written
  EXPECT_NEAR(b[1].get<double>(), 1e-2, 1e-15);
  EXPECT_EQ(b[2].get<double>(), 1e-1);
  EXPECT_EQ(grid_point(s, 0), (Point{1, 1e-3, 0.0}));
  EXPECT_EQ(grid_point(s, 1), (Point{1, 1e-3, 1.0}));
  EXPECT_EQ(grid_point(s, 2)[1], b[1]);
  EXPECT_EQ(grid_point(s, 6)[0], 2);
  std::set<std::string> all;
  for (std::size_t i = 0; i < 12; ++i) all.insert(nlohmann::json(grid_point(s, i)).dump());
  EXPECT_EQ(all.size(), 12u);
}

TEST(SearchGrid, AnIntervalWithoutStepsIsAnErrorNamingTheKey) {
  const Space s{{interval("train.l2", Distribution::uniform, 0, 1)}};
  try {
    (void)grid_size(s);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("search.train.l2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("steps"), std::string::npos) << e.what();
  }
}

TEST(SearchHalving, ScheduleKeepsOneEthAndMultipliesTheBudget) {
  EXPECT_EQ(halving_schedule(27, 81, 3),
            (std::vector<Rung>{{27, 3}, {9, 9}, {3, 27}, {1, 81}}));
  EXPECT_EQ(halving_schedule(10, 40, 3), (std::vector<Rung>{{10, 4}, {3, 13}, {1, 40}}));
  EXPECT_EQ(halving_schedule(8, 2, 2), (std::vector<Rung>{{8, 1}, {4, 1}, {2, 1}, {1, 2}}));
  EXPECT_EQ(halving_schedule(2, 10, 3), (std::vector<Rung>{{2, 10}}));
  EXPECT_THROW((void)halving_schedule(0, 10, 3), ConfigError);
  EXPECT_THROW((void)halving_schedule(9, 10, 1), ConfigError);
}

/// A scorer whose cost is a known function of the point and the epochs: (x − 0.3)² + 1/epochs.
Score bowl(const Point& p, std::size_t, std::uint64_t epochs) {
  const double x = p[0].get<double>();
  Score s;
  s.mean = (x - 0.3) * (x - 0.3) + 1.0 / static_cast<double>(epochs);
  s.variance = x;
  s.epochs_run = static_cast<double>(epochs);
  return s;
}

TEST(SearchRun, TheBestTrialHasTheLowestMeanAndRankingIsSorted) {
  const Space s{{interval("x", Distribution::uniform, 0, 1)}};
  Options o;
  o.trials = 20;
  o.seed = 11;
  o.max_epochs = 10;
  const Result r = run(s, o, bowl);
  ASSERT_TRUE(r.best);
  for (const Trial& t : r.trials) EXPECT_LE(r.trials[*r.best].score.mean, t.score.mean);
  const auto order = r.ranking();
  EXPECT_EQ(order.front(), *r.best);
  for (std::size_t k = 1; k < order.size(); ++k) {
    EXPECT_LE(r.trials[order[k - 1]].score.mean, r.trials[order[k]].score.mean);
  }
  const auto j = to_json(r, false);
  EXPECT_EQ(j["best"]["trial"], *r.best);
  EXPECT_EQ(j["trials"][0]["trial"], *r.best);
  EXPECT_EQ(j["best"]["params"]["x"], r.trials[*r.best].params[0]);
}

TEST(SearchRun, HalvingScoresEachRungWithItsBudgetAndKeepsTheBest) {
  const Space s{{interval("x", Distribution::uniform, 0, 1)}};
  Options o;
  o.method = Method::halving;
  o.trials = 27;
  o.max_epochs = 81;
  o.eta = 3;
  o.seed = 2;
  std::atomic<int> calls{0};
  const Result r = run(s, o, [&](const Point& p, std::size_t i, std::uint64_t e) {
    ++calls;
    return bowl(p, i, e);
  });
  EXPECT_EQ(calls.load(), 27 + 9 + 3 + 1);
  std::map<std::size_t, int> per_rung;
  for (const Trial& t : r.trials) {
    per_rung[t.rung]++;
    EXPECT_EQ(t.epochs, r.rungs[t.rung].epochs);
  }
  EXPECT_EQ(per_rung, (std::map<std::size_t, int>{{0, 18}, {1, 6}, {2, 2}, {3, 1}}));
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.trials[*r.best].rung, 3u);
  // The survivor of rung 0 is among its best third: the x nearest 0.3.
  std::vector<double> d;
  for (const Trial& t : r.trials) d.push_back(std::abs(t.params[0].get<double>() - 0.3));
  std::vector<double> sorted = d;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(d[*r.best], sorted.front());
}

TEST(SearchRun, ResultsAreIdenticalForEveryThreadCount) {
  const Space space{{interval("x", Distribution::uniform, 0, 1), choice("c", {1, 2, 3})}};
  for (Method m : {Method::random, Method::halving}) {
    Options o;
    o.method = m;
    o.trials = 17;
    o.max_epochs = 9;
    o.seed = 42;
    o.threads = 1;
    const std::string one = to_json(run(space, o, bowl), false).dump();
    for (int t : {2, 5, 0}) {
      o.threads = t;
      EXPECT_EQ(to_json(run(space, o, bowl), false).dump(), one) << to_string(m) << " threads " << t;
    }
  }
}

TEST(SearchRun, FailedTrialsRankLastAndOptionsAreChecked) {
  const Space s{{choice("x", {0.1, 0.3, 0.9})}};
  Options o;
  o.method = Method::grid;
  o.max_epochs = 1;
  const Result r = run(s, o, [](const Point& p, std::size_t i, std::uint64_t e) {
    Score sc = bowl(p, i, e);
    if (p[0].get<double>() == 0.3) sc.error = "diverged";
    return sc;
  });
  ASSERT_EQ(r.trials.size(), 3u);
  ASSERT_TRUE(r.best);
  EXPECT_EQ(*r.best, 0u);
  EXPECT_EQ(r.ranking().back(), 1u);
  EXPECT_TRUE(to_json(r)["trials"][2]["mean"].is_null());
  o.trials = 4;
  EXPECT_THROW((void)run(s, o, bowl), ConfigError);  // more trials than grid points
  o.trials = 2;
  EXPECT_EQ(run(s, o, bowl).trials.size(), 2u);      // a seeded subset
  o.method = Method::random;
  o.trials = 0;
  EXPECT_THROW((void)run(s, o, bowl), ConfigError);
}

TEST(SearchRun, AScorerExceptionPropagates) {
  const Space s{{choice("x", {1, 2, 3, 4})}};
  Options o;
  o.trials = 4;
  o.threads = 3;
  EXPECT_THROW((void)run(s, o, [](const Point&, std::size_t i, std::uint64_t) -> Score {
                 if (i == 2) throw DataError("bad");
                 return {};
               }),
               DataError);
}

// ---- over ranks (docs/distributed.md): the k-th trial of a rung on rank k mod N ----------------

TEST(SearchRun, OverRanksEveryRankGetsTheResultOfOneProcess) {
  const Space space{{interval("x", Distribution::uniform, 0, 1), choice("c", {1, 2, 3})}};
  for (Method m : {Method::random, Method::grid, Method::halving}) {
    Options o;
    o.method = m;
    o.trials = m == Method::grid ? 0 : 17;
    o.max_epochs = 9;
    o.seed = 42;
    const auto failing_bowl = [](const Point& p, std::size_t i, std::uint64_t e) {
      Score sc = bowl(p, i, e);
      if (i % 5 == 3) sc.error = "diverged at trial " + std::to_string(i);  // ranked last, with its text
      return sc;
    };
    const Space grid{{interval("x", Distribution::uniform, 0, 1, 5), choice("c", {1, 2, 3})}};
    const Space& sp = m == Method::grid ? grid : space;
    const std::string one = to_json(run(sp, o, failing_bowl), false).dump();
    for (const int ranks : {1, 2, 3, 4}) {
      std::vector<std::string> got(static_cast<std::size_t>(ranks));
      std::vector<std::set<std::size_t>> scored(static_cast<std::size_t>(ranks));
      std::vector<std::size_t> reported(static_cast<std::size_t>(ranks), 0);
      const auto errors = on_ranks(ranks, [&](Communicator& comm) {
        const auto r = static_cast<std::size_t>(comm.rank());
        Options mine = o;
        mine.comm = &comm;
        mine.threads = 2;
        std::mutex m;
        const Result res = run(sp, mine, [&](const Point& p, std::size_t i, std::uint64_t e) {
          const std::lock_guard lock(m);
          scored[r].insert(i);
          return failing_bowl(p, i, e);
        }, [&](const Trial&, const Result&) { ++reported[r]; });
        EXPECT_EQ(res.ranks, ranks);
        got[r] = to_json(res, false).dump();
      });
      for (int r = 0; r < ranks; ++r) {
        const auto i = static_cast<std::size_t>(r);
        ASSERT_FALSE(errors[i]);
        std::string expected = one;
        expected.replace(expected.find("\"ranks\":1"), 9, "\"ranks\":" + std::to_string(ranks));
        EXPECT_EQ(got[i], expected) << to_string(m) << ", " << ranks << " ranks, rank " << r;
        if (m != Method::halving) {
          for (std::size_t t : scored[i]) EXPECT_EQ(t % static_cast<std::size_t>(ranks), i) << "trial " << t;
        }
      }
      EXPECT_EQ(reported, std::vector<std::size_t>(static_cast<std::size_t>(ranks), reported[0]))
          << "every rank reports every scoring";
    }
  }
}

TEST(SearchRun, AScorerExceptionOnOneRankEndsEveryRank) {
  const Space s{{choice("x", {1, 2, 3, 4})}};
  Options o;
  o.trials = 4;
  const auto errors = on_ranks(3, [&](Communicator& comm) {
    Options mine = o;
    mine.comm = &comm;
    (void)run(s, mine, [](const Point&, std::size_t i, std::uint64_t) -> Score {
      if (i == 2) throw DataError("bad data in trial 2");
      return {};
    });
  });
  for (const auto& e : errors) {
    try {
      std::rethrow_exception(e);
    } catch (const RankError& re) {  // trial 2 was rank 2's: every rank ends with its error
      EXPECT_STREQ(re.what(), "bad data in trial 2");
      EXPECT_EQ(re.code(), ExitCode::data);
      EXPECT_EQ(re.rank(), 2);
    }
  }
  EXPECT_TRUE(errors[0] && errors[1] && errors[2]);
}

}  // namespace
}  // namespace mlp::search
