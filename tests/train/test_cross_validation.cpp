// K-fold cross-validation (train/cross_validation.hpp): every example is a dev example exactly
// once, each fold gets a fresh network from the caller's preparation, and the summary is the
// mean and the K−1 variance of the fold costs.
#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <set>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/data/split.hpp"
#include "mlp/train/cross_validation.hpp"
#include "thread_comm.hpp"

namespace mlp {
namespace {

/// Two Gaussian classes in features 1 and 2; feature 0 holds the example's index (to trace it)
/// or, without `ids`, zero.
data::Dataset two_blobs(Index m, bool ids = true) {
  Rng rng(7);
  data::Dataset d;
  d.task = data::Task::classification;
  d.X.resize(3, m);
  d.class_names = {"a", "b"};
  d.feature_names = {"id", "f1", "f2"};
  for (Index j = 0; j < m; ++j) {
    const auto c = static_cast<std::int32_t>(j % 2);
    d.labels.push_back(c);
    d.X(0, j) = ids ? static_cast<float>(j) : 0.0f;
    d.X(1, j) = static_cast<float>(rng.normal() + 3.0 * c);
    d.X(2, j) = static_cast<float>(rng.normal() - 3.0 * c);
  }
  return d;
}

CrossValidationFold fold_of(data::Dataset train, data::Dataset dev) {
  CrossValidationFold f;
  f.spec = ModelBuilder(3).hidden(4, Activation::tanh).output(2, Activation::softmax)
               .loss(Loss::cross_entropy).seed(1).build();
  f.options.epochs = 10;
  f.options.batch_size = 8;
  f.options.learning_rate = 0.05;
  f.train = std::move(train);
  f.dev = std::move(dev);
  return f;
}

TEST(CrossValidation, EveryExampleIsInExactlyOneDevPart) {
  const data::Dataset pool = two_blobs(23);
  std::multiset<float> dev_ids;
  std::vector<std::size_t> reported;
  const PrepareFold prepare = [&](data::Dataset train, data::Dataset dev) {
    EXPECT_EQ(train.size() + dev.size(), pool.size());
    for (Index j = 0; j < dev.size(); ++j) dev_ids.insert(dev.X(0, j));
    return fold_of(std::move(train), std::move(dev));
  };
  const auto r = cross_validate(pool, 4, 3, prepare, [&](std::size_t k, std::size_t K, const FoldResult& f) {
    EXPECT_EQ(K, 4u);
    EXPECT_EQ(f.train_examples + f.dev_examples, pool.size());
    reported.push_back(k);
  });
  ASSERT_EQ(r.folds.size(), 4u);
  EXPECT_EQ(reported, (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(r.examples, 23);
  ASSERT_EQ(dev_ids.size(), 23u);
  for (Index j = 0; j < 23; ++j) EXPECT_EQ(dev_ids.count(static_cast<float>(j)), 1u) << j;
  Index dev_total = 0;
  for (const auto& f : r.folds) {
    dev_total += f.dev_examples;
    EXPECT_EQ(f.epochs, 10u);
  }
  EXPECT_EQ(dev_total, 23);
}

TEST(CrossValidation, SummaryIsTheMeanAndTheKMinusOneVarianceOfTheFolds) {
  const auto r = cross_validate(two_blobs(40, false), 5, 11, fold_of);
  double mean = 0;
  for (const auto& f : r.folds) mean += f.dev.loss / 5.0;
  double var = 0;
  for (const auto& f : r.folds) var += (f.dev.loss - mean) * (f.dev.loss - mean) / 4.0;
  EXPECT_NEAR(r.mean, mean, 1e-12);
  EXPECT_NEAR(r.variance, var, 1e-12);
  EXPECT_GT(r.variance, 0.0);
  ASSERT_TRUE(r.mean_accuracy.has_value());
  EXPECT_GT(*r.mean_accuracy, 0.8);  // well separated classes
}

TEST(CrossValidation, SummarizeFoldsByHand) {
  CrossValidationResult r;
  for (const double loss : {1.0, 2.0, 3.0}) {
    FoldResult f;
    f.dev.loss = loss;
    f.dev.accuracy = loss / 10.0;
    r.folds.push_back(f);
  }
  summarize_folds(r);
  EXPECT_DOUBLE_EQ(r.mean, 2.0);
  EXPECT_DOUBLE_EQ(r.variance, 1.0);  // ((1)² + 0 + (1)²) / (3 − 1)
  EXPECT_DOUBLE_EQ(r.stddev(), 1.0);
  ASSERT_TRUE(r.mean_accuracy.has_value());
  EXPECT_NEAR(*r.mean_accuracy, 0.2, 1e-15);
  r.folds.resize(1);
  for (auto& f : r.folds) f.dev.accuracy.reset();
  summarize_folds(r);
  EXPECT_DOUBLE_EQ(r.variance, 0.0);
  EXPECT_FALSE(r.mean_accuracy.has_value());
}

TEST(CrossValidation, SameSeedSameResult) {
  const auto a = cross_validate(two_blobs(30), 3, 5, fold_of);
  const auto b = cross_validate(two_blobs(30), 3, 5, fold_of);
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.variance, b.variance);
}

/// Noisy, overlapping classes and a network that overfits them: early stopping matters.
CrossValidationFold early_stopping_fold(data::Dataset train, data::Dataset dev) {
  CrossValidationFold f = fold_of(std::move(train), std::move(dev));
  f.spec = ModelBuilder(3).hidden(32, Activation::relu).output(2, Activation::softmax)
               .loss(Loss::cross_entropy).seed(3).build();
  f.options.epochs = 60;
  f.options.learning_rate = 0.1;
  f.options.early_stopping.enabled = true;
  f.options.early_stopping.patience = 2;
  f.stopping_fraction = 0.25;
  return f;
}

data::Dataset noisy_blobs(Index m) {
  data::Dataset d = two_blobs(m);
  Rng rng(99);
  for (Index j = 0; j < m; ++j) {  // mostly noise: the blobs overlap
    d.X(0, j) = static_cast<float>(rng.normal());
    d.X(1, j) = static_cast<float>(0.3 * d.X(1, j) + 2.0 * rng.normal());
    d.X(2, j) = static_cast<float>(0.3 * d.X(2, j) + 2.0 * rng.normal());
  }
  return d;
}

TEST(CrossValidation, EarlyStoppingWatchesASetCarvedFromTheTrainingPartNeverTheScoredFold) {
  const data::Dataset pool = noisy_blobs(60);
  constexpr int K = 3;
  constexpr std::uint64_t seed = 8;
  const auto r = cross_validate(pool, K, seed, early_stopping_fold);

  // By hand: the same folds, the stopping set carved from each training part, the fold scored.
  const auto parts = data::kfold(pool, K, seed);
  ASSERT_EQ(r.folds.size(), parts.size());
  double leaky_mean = 0.0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    CrossValidationFold fold = early_stopping_fold(pool.select(parts[k].train), pool.select(parts[k].dev));
    const data::Split carved = data::split(fold.train, {0.75, 0.25, 0.0}, seed + k + 1);
    Network<float> net(fold.spec);
    Trainer(net, fold.options).fit(carved.train, &carved.dev);
    const Metrics by_hand = evaluate(net, fold.dev);
    EXPECT_EQ(r.folds[k].dev.loss, by_hand.loss) << "fold " << k;
    EXPECT_EQ(r.folds[k].train_examples, carved.train.size());
    EXPECT_EQ(r.folds[k].stopping_examples, carved.dev.size());
    EXPECT_GT(r.folds[k].stopping_examples, 0);
    EXPECT_EQ(r.folds[k].dev_examples, fold.dev.size());

    // The leaky estimate: the scored fold also decides when to stop.
    Network<float> leaky(fold.spec);
    Trainer(leaky, fold.options).fit(fold.train, &fold.dev);
    leaky_mean += evaluate(leaky, fold.dev).loss / K;
  }
  EXPECT_NE(r.mean, leaky_mean);
  EXPECT_LT(leaky_mean, r.mean) << "choosing the stopping epoch on the scored fold flatters it";
}

TEST(CrossValidation, WithoutEarlyStoppingTrainingSeesNoDevSet) {
  const auto r = cross_validate(two_blobs(30), 3, 5, fold_of);
  for (const auto& f : r.folds) EXPECT_EQ(f.stopping_examples, 0);
  EXPECT_FALSE(watches_dev_set(fold_of({}, {}).options));
  TrainOptions o;
  o.schedule.kind = optim::ScheduleKind::plateau;
  EXPECT_TRUE(watches_dev_set(o));
}

TEST(CrossValidation, MoreFoldsThanExamplesIsAConfigError) {
  EXPECT_THROW((void)cross_validate(two_blobs(3), 4, 1, fold_of), ConfigError);
  EXPECT_THROW((void)cross_validate(two_blobs(10), 1, 1, fold_of), ConfigError);
}

// ---- over ranks (docs/distributed.md): fold k on rank k mod N, results exchanged per round ----

/// The fields of every fold, as `mlp cv --json` prints them, to compare bit for bit.
std::vector<double> fields(const CrossValidationResult& r) {
  std::vector<double> v{r.mean, r.variance, r.mean_accuracy.value_or(-1.0), static_cast<double>(r.examples)};
  for (const auto& f : r.folds) {
    v.insert(v.end(), {f.dev.loss, f.dev.accuracy.value_or(-1.0), static_cast<double>(f.epochs),
                       static_cast<double>(f.train_examples), static_cast<double>(f.stopping_examples),
                       static_cast<double>(f.dev_examples)});
    for (const auto& row : f.dev.confusion) {
      for (const auto c : row) v.push_back(static_cast<double>(c));
    }
  }
  return v;
}

TEST(CrossValidation, OverRanksEveryRankGetsTheResultOfOneProcess) {
  const data::Dataset pool = noisy_blobs(60);
  const auto one = cross_validate(pool, 5, 8, early_stopping_fold);
  for (const int ranks : {1, 2, 3, 5, 7}) {  // 5 folds: uneven over 2 and 3 ranks; idle ranks at 7
    std::vector<CrossValidationResult> got(static_cast<std::size_t>(ranks));
    std::vector<std::vector<std::size_t>> reported(static_cast<std::size_t>(ranks));
    std::vector<int> prepared(static_cast<std::size_t>(ranks), 0);
    const auto errors = on_ranks(ranks, [&](Communicator& comm) {
      const auto r = static_cast<std::size_t>(comm.rank());
      const PrepareFold prepare = [&](data::Dataset train, data::Dataset dev) {
        ++prepared[r];
        return early_stopping_fold(std::move(train), std::move(dev));
      };
      got[r] = cross_validate(pool, 5, 8, prepare,
                              [&](std::size_t k, std::size_t, const FoldResult&) { reported[r].push_back(k); }, &comm);
    });
    for (int r = 0; r < ranks; ++r) {
      const auto i = static_cast<std::size_t>(r);
      ASSERT_FALSE(errors[i]) << ranks << " ranks, rank " << r;
      EXPECT_EQ(fields(got[i]), fields(one)) << ranks << " ranks, rank " << r;
      EXPECT_EQ(got[i].ranks, ranks);
      EXPECT_EQ(reported[i], (std::vector<std::size_t>{0, 1, 2, 3, 4})) << "every fold, in order";
      EXPECT_EQ(prepared[i], (5 - r + ranks - 1) / ranks) << "rank " << r << " trains folds r, r + N, ...";
    }
  }
}

TEST(CrossValidation, AFoldThatFailsOnOneRankEndsEveryRankWithItsError) {
  // 3 folds on 2 ranks: fold 1 fails on rank 1 in the first round; fold 2 (rank 0's second
  // round) is never started.
  std::atomic<int> prepared_on_rank0{0};
  const auto errors = on_ranks(2, [&](Communicator& comm) {
    const PrepareFold failing = [&](data::Dataset train, data::Dataset dev) {
      if (comm.rank() == 1) throw NumericError("non-finite cost in fold 2");
      ++prepared_on_rank0;
      return fold_of(std::move(train), std::move(dev));
    };
    (void)cross_validate(two_blobs(30), 3, 5, failing, {}, &comm);
  });
  ASSERT_TRUE(errors[0] && errors[1]);
  try {
    std::rethrow_exception(errors[0]);
  } catch (const RankError& e) {  // rank 0 reports it: another rank's error, its code and message
    EXPECT_STREQ(e.what(), "non-finite cost in fold 2");
    EXPECT_EQ(e.code(), ExitCode::runtime);
    EXPECT_EQ(e.rank(), 1);
  }
  EXPECT_THROW(std::rethrow_exception(errors[1]), RankError);
  EXPECT_EQ(prepared_on_rank0.load(), 1) << "the round after the failure is not started";
  // Rank 0's own failure reaches rank 0 as itself (its type kept).
  const auto own = on_ranks(3, [&](Communicator& comm) {
    const PrepareFold failing = [&](data::Dataset train, data::Dataset dev) {
      if (comm.rank() == 0 || comm.rank() == 2) throw ConfigError(comm.rank() == 0 ? "zero" : "two");
      return fold_of(std::move(train), std::move(dev));
    };
    (void)cross_validate(two_blobs(30), 3, 5, failing, {}, &comm);
  });
  EXPECT_THROW(std::rethrow_exception(own[0]), ConfigError);
  for (const int r : {1, 2}) {
    try {
      std::rethrow_exception(own[static_cast<std::size_t>(r)]);
    } catch (const RankError& e) {
      EXPECT_STREQ(e.what(), "zero") << "the lowest failed fold's error";
      EXPECT_EQ(e.code(), ExitCode::usage);
    }
  }
}

}  // namespace
}  // namespace mlp
