// Data-parallel training (docs/distributed.md) without MPI: N trainers on N threads of this
// process, joined by an in-process Communicator. N ranks with global batch B train the weights
// one trainer trains with batch B; the batcher's shards tile each batch; a stop on one rank stops
// all. (tests/cli_scripts/distributed.sh runs the same under Open MPI.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>

#include "mlp/core/error.hpp"
#include "mlp/train/distributed.hpp"
#include "mlp/train/trainer.hpp"
#include "thread_comm.hpp"

namespace mlp {
namespace {

data::Dataset blobs(Index m, std::uint64_t seed) {
  Rng rng(seed);
  data::Dataset d;
  d.task = data::Task::classification;
  d.X.resize(6, m);
  d.class_names = {"a", "b", "c"};
  d.feature_names = {"f0", "f1", "f2", "f3", "f4", "f5"};
  d.source = "blobs";
  for (Index j = 0; j < m; ++j) {
    const auto c = static_cast<std::int32_t>(rng.below(3));
    d.labels.push_back(c);
    for (Index i = 0; i < 6; ++i) d.X(i, j) = static_cast<float>(rng.normal() + (i == c ? 2.0 : 0.0));
  }
  return d;
}

ModelSpec spec() {
  return ModelBuilder(6).hidden(16).hidden(8).output(3, Activation::softmax).loss(Loss::cross_entropy).seed(7).build();
}

TrainOptions options() {
  TrainOptions o;
  o.epochs = 4;
  o.batch_size = 25;  // 203 examples: 8 batches of 25 and one of 3 (fewer rows than 4 ranks)
  o.learning_rate = 0.01;
  o.optimizer.name = "adam";
  o.l2 = 0.1;
  o.clip_norm = 5.0;
  return o;
}

struct RankRun {
  Vector<float> theta;
  TrainResult result;
  double allreduce_seconds = 0;
};

/// Trains on `ranks` threads; `callbacks(rank)` adds callbacks to one rank's fit.
std::vector<RankRun> train_ranks(int ranks, const data::Dataset& d, const data::Dataset* dev,
                                 TrainOptions o,
                                 const std::function<std::vector<Callback*>(int)>& callbacks = {}) {
  Group g(ranks);
  std::vector<RankRun> out(static_cast<std::size_t>(ranks));
  std::vector<std::thread> threads;
  std::mutex error_mutex;
  std::string error;
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      try {
        ThreadComm comm(g, r);
        Network<float> net(spec());
        TrainOptions mine = o;
        mine.comm = &comm;
        auto& run = out[static_cast<std::size_t>(r)];
        run.result = Trainer(net, mine).fit(d, dev, callbacks ? callbacks(r) : std::vector<Callback*>{});
        run.theta = net.params().theta();
        run.allreduce_seconds = comm.seconds();
      } catch (const std::exception& e) {
        const std::lock_guard lock(error_mutex);
        error = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (!error.empty()) throw std::runtime_error(error);
  return out;
}

double relative_difference(const Vector<float>& a, const Vector<float>& b) {
  return static_cast<double>((a - b).cwiseAbs().maxCoeff() / a.cwiseAbs().maxCoeff());
}

TEST(Distributed, ShardsTileEachBatchAndDifferByAtMostOneRow) {
  for (const Index b : {1, 3, 25, 64, 1000}) {
    for (const int n : {1, 2, 3, 4, 7}) {
      Index next = 0, smallest = b, largest = 0;
      for (int r = 0; r < n; ++r) {
        const auto [first, rows] = shard_range(b, r, n);
        EXPECT_EQ(first, next) << "b " << b << " n " << n << " rank " << r;
        next = first + rows;
        smallest = std::min(smallest, rows);
        largest = std::max(largest, rows);
      }
      EXPECT_EQ(next, b);
      EXPECT_LE(largest - smallest, 1);
    }
  }
}

TEST(Distributed, TheShardedBatcherHandsOutEachRanksRowsOfTheSameBatches) {
  const auto d = blobs(103, 1);
  data::Batcher whole(d, 10, false, 9);
  std::vector<data::Batcher> shards;
  for (int r = 0; r < 3; ++r) {
    shards.emplace_back(d, 10, false, 9);
    shards.back().set_shard(r, 3);
  }
  for (int epoch = 0; epoch < 2; ++epoch) {
    whole.start_epoch();
    for (auto& s : shards) s.start_epoch();
    data::Batch all, part;
    while (whole.next(all)) {
      std::vector<Index> joined;
      for (auto& s : shards) {
        ASSERT_TRUE(s.next(part));
        EXPECT_EQ(part.full_size(), all.size());
        joined.insert(joined.end(), part.indices().begin(), part.indices().end());
      }
      EXPECT_EQ(joined, std::vector<Index>(all.indices().begin(), all.indices().end()));
    }
    for (auto& s : shards) EXPECT_FALSE(s.next(part));
  }
  EXPECT_EQ(shards[1].state().position, whole.state().position);
  EXPECT_THROW(shards[0].set_shard(3, 3), ConfigError);
}

TEST(Distributed, NRanksTrainTheWeightsOfOneProcessWithTheSameGlobalBatch) {
  const auto d = blobs(203, 2);
  const auto dev = blobs(60, 3);
  Network<float> net(spec());
  const TrainResult one = Trainer(net, options()).fit(d, &dev);
  for (const int n : {1, 2, 3, 4}) {
    const auto runs = train_ranks(n, d, &dev, options());
    for (int r = 0; r < n; ++r) {
      const auto& run = runs[static_cast<std::size_t>(r)];
      EXPECT_EQ(run.theta, runs[0].theta) << n << " ranks: rank " << r << " holds other weights";
      const double rel = relative_difference(net.params().theta(), run.theta);
      EXPECT_LE(rel, 1e-6) << n << " ranks, rank " << r;
      // The running training cost is reduced over the ranks; dev is evaluated whole by each.
      ASSERT_EQ(run.result.history.size(), one.history.size());
      for (std::size_t e = 0; e < one.history.size(); ++e) {
        EXPECT_NEAR(run.result.history[e].train.loss, one.history[e].train.loss, 1e-5);
        EXPECT_EQ(*run.result.history[e].train.accuracy, *one.history[e].train.accuracy);
        EXPECT_NEAR(run.result.history[e].dev->loss, one.history[e].dev->loss, 1e-5);
      }
    }
  }
}

TEST(Distributed, EarlyStoppingStopsEveryRankAtTheEpochOneProcessStopsAt) {
  const auto d = blobs(203, 2);
  const auto dev = blobs(60, 3);
  TrainOptions o = options();
  o.epochs = 60;
  o.learning_rate = 0.05;
  o.early_stopping.enabled = true;
  o.early_stopping.patience = 2;
  Network<float> net(spec());
  const TrainResult one = Trainer(net, o).fit(d, &dev);
  ASSERT_EQ(one.reason, StopReason::early_stopping) << "the test needs a run that stops early";
  for (const auto& run : train_ranks(3, d, &dev, o)) {
    EXPECT_EQ(run.result.reason, StopReason::early_stopping);
    EXPECT_EQ(run.result.epochs_run, one.epochs_run);
    EXPECT_EQ(run.result.best_epoch, one.best_epoch);
    EXPECT_LE(relative_difference(net.params().theta(), run.theta), 1e-6);
  }
}

/// Asks to stop after `at` batches, on one rank only (as a signal to one process would).
class StopAfter : public Callback {
 public:
  explicit StopAfter(std::uint64_t at) : at_(at) {}
  bool on_batch_end(const BatchInfo&) override { return ++seen_ < at_; }

 private:
  std::uint64_t at_, seen_ = 0;
};

TEST(Distributed, AStopOnOneRankStopsEveryRankAfterTheSameBatch) {
  const auto d = blobs(203, 2);
  StopAfter stop(11);
  const auto runs = train_ranks(3, d, nullptr, options(), [&](int r) {
    return r == 2 ? std::vector<Callback*>{&stop} : std::vector<Callback*>{};
  });
  for (const auto& run : runs) {
    EXPECT_EQ(run.result.reason, StopReason::callback);
    EXPECT_EQ(run.theta, runs[0].theta);
    EXPECT_GT(run.allreduce_seconds, 0.0);
  }
}

TEST(Distributed, DropoutMasksDifferPerRankSoTheRunDiffersFromOneProcess) {
  const auto d = blobs(203, 2);
  ModelSpec s = spec();
  for (auto& l : s.layers) l.keep_prob = 0.8;
  s.layers.back().keep_prob = 1.0;
  Network<float> net(s);
  (void)Trainer(net, options()).fit(d, nullptr);
  Group g(2);
  std::vector<Vector<float>> theta(2);
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      ThreadComm comm(g, r);
      Network<float> mine(s);
      TrainOptions o = options();
      o.comm = &comm;
      (void)Trainer(mine, o).fit(d, nullptr);
      theta[static_cast<std::size_t>(r)] = mine.params().theta();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(theta[0], theta[1]);  // the ranks agree with each other
  EXPECT_GT(relative_difference(net.params().theta(), theta[0]), 1e-4);
}

TEST(Distributed, TheLineSearchRefusesSeveralRanks) {
  Group g(2);
  ThreadComm comm(g, 0);
  TrainOptions o = options();
  o.optimizer.name = "gd";
  o.line_search = true;
  o.comm = &comm;
  Network<float> net(spec());
  EXPECT_THROW(Trainer(net, o), ConfigError);
}


// ---- work dealt over ranks: owns, gather_dealt, agree_on_failure -----------------------------

TEST(Distributed, GatherDealtHandsEveryRankEveryRecordBitForBit) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::vector<double>> all{{1.5, -0.0}, {}, {inf, -inf, 1e-310}, {0.1 + 0.2}, {-7.0}};
  for (const int ranks : {1, 2, 3, 6}) {
    std::vector<std::vector<std::vector<double>>> got(static_cast<std::size_t>(ranks));
    const auto errors = on_ranks(ranks, [&](Communicator& comm) {
      std::vector<std::vector<double>> records(all.size(), std::vector<double>{99.0});  // ignored
      for (std::size_t k = 0; k < all.size(); ++k) {
        if (owns(&comm, k)) records[k] = all[k];
      }
      gather_dealt(comm, records);
      got[static_cast<std::size_t>(comm.rank())] = records;
    });
    for (int r = 0; r < ranks; ++r) {
      ASSERT_FALSE(errors[static_cast<std::size_t>(r)]);
      const auto& g = got[static_cast<std::size_t>(r)];
      ASSERT_EQ(g.size(), all.size());
      for (std::size_t k = 0; k < all.size(); ++k) {
        ASSERT_EQ(g[k].size(), all[k].size()) << k;
        for (std::size_t i = 0; i < all[k].size(); ++i) {
          EXPECT_EQ(std::signbit(g[k][i]), std::signbit(all[k][i])) << "−0.0 stays −0.0";
          EXPECT_EQ(g[k][i], all[k][i]);
        }
      }
    }
  }
  EXPECT_TRUE(owns(nullptr, 5));
}

TEST(Distributed, AgreeOnFailureReturnsWhenNoRankFailed) {
  const auto errors = on_ranks(3, [](Communicator& comm) {
    agree_on_failure(&comm, static_cast<std::size_t>(comm.rank()), nullptr);
  });
  for (const auto& e : errors) EXPECT_FALSE(e);
  EXPECT_NO_THROW(agree_on_failure(nullptr, 0, nullptr));
  EXPECT_THROW(agree_on_failure(nullptr, 0, std::make_exception_ptr(IoError("x"))), IoError);
}

}  // namespace
}  // namespace mlp
