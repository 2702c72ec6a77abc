// Splits, k-fold, standardization (C12) and mini-batches.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "helpers.hpp"
#include "mlp/data/batcher.hpp"
#include "mlp/data/split.hpp"
#include "mlp/data/standardizer.hpp"
#include "mlp/core/random.hpp"

namespace mlp::data {
namespace {

using test::error_of;

/// m examples, 2 features (x0 = index, x1 = noise), class = index % n_classes (or a
/// regression target 3 x0 + 1 when n_classes == 0).
Dataset synthetic(Index m, int n_classes, std::uint64_t seed = 1) {
  Rng rng(seed);
  Dataset d;
  d.source = "synthetic";
  d.feature_names = {"x0", "x1"};
  d.X.resize(2, m);
  for (Index i = 0; i < m; ++i) {
    d.X(0, i) = static_cast<float>(i);
    d.X(1, i) = static_cast<float>(rng.normal(5.0, 2.0));
  }
  if (n_classes > 0) {
    d.task = Task::classification;
    d.target_names = {"y"};
    for (int c = 0; c < n_classes; ++c) d.class_names.push_back(std::to_string(c));
    for (Index i = 0; i < m; ++i) d.labels.push_back(static_cast<std::int32_t>(i % n_classes));
  } else {
    d.task = Task::regression;
    d.target_names = {"y"};
    d.Y = (3.0f * d.X.row(0).array() + 1.0f).matrix();
  }
  return d;
}

TEST(Split, DefaultRule) {
  const auto at = [](Index m) { return default_split(m); };
  EXPECT_DOUBLE_EQ(at(100).dev, 0.20);
  EXPECT_DOUBLE_EQ(at(10'000).train, 0.60);
  EXPECT_DOUBLE_EQ(at(10'000).dev, 0.20);
  EXPECT_DOUBLE_EQ(at(10'000).test, 0.20);
  EXPECT_NEAR(at(100'000).dev, 0.11, 1e-12);  // halfway in log10(m): (0.20 + 0.02) / 2
  EXPECT_NEAR(at(100'000).test, 0.11, 1e-12);
  EXPECT_NEAR(at(100'000).train, 0.78, 1e-12);
  EXPECT_NEAR(at(1'000'000).dev, 0.02, 1e-12);
  EXPECT_NEAR(at(1'000'000).train, 0.96, 1e-12);
  EXPECT_NEAR(at(50'000'000).test, 0.02, 1e-12);
  // Monotone in between.
  double prev = 0.2;
  for (Index m = 10'000; m <= 1'000'000; m += 9'900) {
    const auto f = at(m);
    EXPECT_LE(f.dev, prev + 1e-15);
    EXPECT_NEAR(f.train + f.dev + f.test, 1.0, 1e-12);
    prev = f.dev;
  }
}

TEST(Split, PartitionsStratifiedAndSeeded) {
  const auto d = synthetic(1000, 3);
  const auto idx = split_indices(d, default_split(d.size()), 42);
  EXPECT_EQ(idx.train.size(), 600u);
  EXPECT_EQ(idx.dev.size(), 200u);
  EXPECT_EQ(idx.test.size(), 200u);
  std::vector<Index> all;
  for (const auto* part : {&idx.train, &idx.dev, &idx.test}) all.insert(all.end(), part->begin(), part->end());
  std::sort(all.begin(), all.end());
  std::vector<Index> expect(1000);
  std::iota(expect.begin(), expect.end(), Index{0});
  EXPECT_EQ(all, expect);  // a partition: every example exactly once
  // Stratified: each class's share within one example of 20 %.
  for (const auto* part : {&idx.dev, &idx.test}) {
    std::vector<int> per(3, 0);
    for (const Index i : *part) ++per[static_cast<std::size_t>(d.labels[static_cast<std::size_t>(i)])];
    for (int c = 0; c < 3; ++c) {
      const double share = (c == 0 ? 334 : 333) * 0.2;
      EXPECT_LE(std::abs(per[static_cast<std::size_t>(c)] - share), 1.0) << c;
    }
  }
  EXPECT_EQ(split_indices(d, default_split(d.size()), 42).dev, idx.dev);
  EXPECT_NE(split_indices(d, default_split(d.size()), 43).dev, idx.dev);
  const auto s = split(d, {0.5, 0.25, 0.25}, 7);
  EXPECT_EQ(s.train.size() + s.dev.size() + s.test.size(), 1000);
  EXPECT_EQ(s.dev.class_names, d.class_names);
  // The selected rows carry their labels.
  for (Index j = 0; j < s.dev.size(); ++j) {
    const auto i = static_cast<Index>(s.dev.X(0, j));
    EXPECT_EQ(s.dev.labels[static_cast<std::size_t>(j)], d.labels[static_cast<std::size_t>(i)]);
  }
}

TEST(Split, ExplicitFractionsValidated) {
  const auto d = synthetic(100, 0);
  EXPECT_THROW((void)split(d, {0.8, 0.3, 0.1}, 1), ConfigError);
  EXPECT_THROW((void)split(d, {0.8, -0.1, 0.1}, 1), ConfigError);
  EXPECT_THROW((void)split(d, {0.0, 0.5, 0.5}, 1), ConfigError);
  EXPECT_THROW((void)split(d, {NAN, 0.1, 0.1}, 1), ConfigError);
  const auto s = split(d, {0.5, 0.1, 0.1}, 1);  // sum < 1: the rest unused
  EXPECT_EQ(s.train.size(), 50);
  EXPECT_EQ(s.dev.size(), 10);
  EXPECT_EQ(s.test.size(), 10);
  const auto r = split(d, {0.7, 0.3, 0.0}, 1);
  EXPECT_EQ(r.test.size(), 0);
  EXPECT_EQ(r.train.size(), 70);
}

TEST(Split, SeparateTestFile) {
  const auto train = synthetic(900, 3);
  const auto test = synthetic(100, 3, 9);
  const auto s = split_with_files(train, std::nullopt, test, 5);
  EXPECT_EQ(s.test.size(), 100);
  EXPECT_EQ(s.dev.size(), 225);  // dev share 0.2 / 0.8 of the training file
  EXPECT_EQ(s.train.size(), 675);
  auto other = test;
  other.class_names = {"a", "b", "c"};
  EXPECT_NE(error_of<DataError>([&] { (void)split_with_files(train, std::nullopt, other, 5); })
                .find("class names differ"),
            std::string::npos);
}

TEST(KFold, EveryExampleInOneDevFoldStratified) {
  const auto d = synthetic(103, 4);
  const auto folds = kfold(d, 5, 3);
  ASSERT_EQ(folds.size(), 5u);
  std::vector<int> seen(103, 0);
  for (const auto& f : folds) {
    EXPECT_EQ(f.train.size() + f.dev.size(), 103u);
    EXPECT_GE(f.dev.size(), 20u);
    EXPECT_LE(f.dev.size(), 21u);
    std::vector<int> per(4, 0);
    for (const Index i : f.dev) {
      ++seen[static_cast<std::size_t>(i)];
      ++per[static_cast<std::size_t>(d.labels[static_cast<std::size_t>(i)])];
    }
    for (const int c : per) EXPECT_TRUE(c == 5 || c == 6) << c;
    std::set<Index> train(f.train.begin(), f.train.end());
    for (const Index i : f.dev) EXPECT_EQ(train.count(i), 0u);
  }
  for (const int s : seen) EXPECT_EQ(s, 1);
  EXPECT_EQ(kfold(d, 5, 3)[2].dev, folds[2].dev);
  EXPECT_THROW((void)kfold(d, 1, 0), ConfigError);
  EXPECT_THROW((void)kfold(d, 104, 0), ConfigError);
  EXPECT_EQ(kfold(synthetic(10, 0), 10, 1).size(), 10u);
}

TEST(Standardizer, TrainingStatisticsAppliedToDevAndTest) {
  auto d = synthetic(500, 0);
  auto s = split(d, {0.6, 0.2, 0.2}, 11);
  const auto norm = Normalization::fit(s.train);
  const MatrixF dev_raw = s.dev.X;
  norm.apply(s.train);
  norm.apply(s.dev);
  norm.apply(s.test);
  for (Index j = 0; j < 2; ++j) {
    const double mean = s.train.X.row(j).cast<double>().mean();
    const double var = (s.train.X.row(j).cast<double>().array() - mean).square().mean();
    EXPECT_NEAR(mean, 0.0, 1e-5);
    EXPECT_NEAR(std::sqrt(var), 1.0, 1e-5);
    // dev uses the training statistics, not its own.
    const float mu = norm.features.mean()[static_cast<std::size_t>(j)];
    const float sd = norm.features.stddev()[static_cast<std::size_t>(j)];
    for (Index i = 0; i < s.dev.size(); ++i) {
      EXPECT_FLOAT_EQ(s.dev.X(j, i), (dev_raw(j, i) - mu) / sd);
    }
  }
  // Population form: mu and sigma of {1, 2, 3, 4} are 2.5 and sqrt(1.25).
  Standardizer st;
  MatrixF x(1, 4);
  x << 1, 2, 3, 4;
  st.fit(x);
  EXPECT_FLOAT_EQ(st.mean()[0], 2.5f);
  EXPECT_FLOAT_EQ(st.stddev()[0], std::sqrt(1.25f));
  // Regression targets standardized, and back.
  ASSERT_TRUE(norm.targets.has_value());
  EXPECT_NEAR(s.train.Y.cast<double>().mean(), 0.0, 1e-5);
  MatrixF y = s.dev.Y;
  norm.invert_targets(y);
  for (Index i = 0; i < y.cols(); ++i) EXPECT_NEAR(y(0, i), 3.0f * dev_raw(0, i) + 1.0f, 1e-2f);
  EXPECT_FALSE(Normalization::fit(synthetic(10, 0), false).targets.has_value());
  EXPECT_FALSE(Normalization::fit(synthetic(10, 2)).targets.has_value());
}

// Several regression targets: each target row has its own μ and σ (a target in thousands and
// one in thousandths both become mean 0, deviation 1), and invert_targets undoes each.
TEST(Standardizer, SeveralTargetsAreStandardizedPerTarget) {
  Dataset d;
  d.task = Task::regression;
  d.X.resize(1, 4);
  d.X << 1, 2, 3, 4;
  d.Y.resize(2, 4);
  d.Y << 1000, 2000, 3000, 4000,  //
      0.001f, 0.003f, 0.001f, 0.003f;
  const MatrixF raw = d.Y;
  const auto norm = Normalization::fit(d);
  ASSERT_TRUE(norm.targets.has_value());
  ASSERT_EQ(norm.targets->size(), 2);
  EXPECT_FLOAT_EQ(norm.targets->mean()[0], 2500.0f);
  EXPECT_FLOAT_EQ(norm.targets->mean()[1], 0.002f);
  EXPECT_FLOAT_EQ(norm.targets->stddev()[0], std::sqrt(1.25e6f));
  EXPECT_FLOAT_EQ(norm.targets->stddev()[1], 0.001f);
  norm.apply(d);
  for (Index t = 0; t < 2; ++t) {
    const Eigen::ArrayXd y = d.Y.row(t).cast<double>().transpose().array();
    EXPECT_NEAR(y.mean(), 0.0, 1e-6) << t;
    EXPECT_NEAR(std::sqrt((y - y.mean()).square().mean()), 1.0, 1e-5) << t;
  }
  MatrixF back = d.Y;
  norm.invert_targets(back);
  EXPECT_TRUE(back.isApprox(raw, 1e-6f));
}

// C12
TEST(Standardizer, ConstantFeatureSingleRowSingleFeatureStayFinite) {
  MatrixF x(2, 5);
  x << 7, 7, 7, 7, 7,  //
      1, 2, 3, 4, 5;
  Standardizer s;
  s.fit(x);
  EXPECT_EQ(s.stddev()[0], 0.0f);
  EXPECT_EQ(s.scale(0), 1.0f);
  s.transform(x);
  EXPECT_TRUE(x.allFinite());
  EXPECT_TRUE((x.row(0).array() == 0.0f).all());  // centred, divided by 1
  MatrixF one(3, 1);
  one << 1, -2, 1e30f;
  Standardizer s1;
  s1.fit(one);
  s1.transform(one);
  EXPECT_TRUE(one.allFinite());
  EXPECT_TRUE(one.isZero());
  MatrixF single(1, 3);
  single << 1, 1, 4;
  Standardizer s2;
  s2.fit(single);
  s2.transform(single);
  EXPECT_TRUE(single.allFinite());
  // Restored from saved values, and checked.
  const Standardizer r(s.mean(), s.stddev());
  MatrixF z(2, 1);
  z << 7, 3;
  r.transform(z);
  EXPECT_EQ(z(0, 0), 0.0f);
  EXPECT_THROW(Standardizer({1.0f}, {-1.0f}), DataError);
  EXPECT_THROW(Standardizer({NAN}, {1.0f}), DataError);
  EXPECT_THROW(Standardizer({1.0f, 2.0f}, {1.0f}), DataError);
  MatrixF wrong(3, 2);
  EXPECT_THROW(r.transform(wrong), ShapeError);
  EXPECT_THROW(Standardizer().fit(MatrixF(2, 0)), ShapeError);
}

TEST(Standardizer, FiniteInputsNearFloatMaxStayFinite) {
  // x - mu exceeds FLT_MAX in float (3e38 + 1.5e38), but (x - mu) / s fits: the result must be
  // the finite value, not inf (which the network turns into NaN).
  MatrixF x(2, 4);
  x << 3e38f, 3e38f, 3e38f, -3e38f,  //
      1, 2, 3, 4;
  Standardizer s;
  s.fit(x);
  ASSERT_TRUE(std::isfinite(s.mean()[0]));
  ASSERT_TRUE(std::isfinite(s.stddev()[0]));
  s.transform(x);
  EXPECT_TRUE(x.allFinite()) << x;
  EXPECT_NEAR(x(0, 3), -std::sqrt(3.0f), 1e-5f);  // mu = 1.5e38, sigma = 1.5e38 sqrt(3)
  EXPECT_NEAR(x(0, 0), 1.0f / std::sqrt(3.0f), 1e-5f);
  // Saved statistics: mu = -1e38, s = 2e38; x = 3e38 -> 2 (x - mu = 4e38 > FLT_MAX).
  const Standardizer r({-1e38f}, {2e38f});
  MatrixF y(1, 2);
  y << 3e38f, -3e38f;
  r.transform(y);
  EXPECT_FLOAT_EQ(y(0, 0), 2.0f);
  EXPECT_FLOAT_EQ(y(0, 1), -1.0f);
  // The way back: x' s = 6e38 overflows float, x' s + mu = 3e38 does not.
  const Standardizer back({-3e38f}, {3e38f});
  MatrixF p(1, 1);
  p << 2.0f;
  back.inverse_transform(p);
  EXPECT_FLOAT_EQ(p(0, 0), 3e38f);
}

TEST(Imputer, MeansOfTheFiniteTrainingValuesFillNaN) {
  MatrixF train(2, 4);
  train << 1, NAN, 3, 5,  //
      10, 20, NAN, NAN;
  Imputer imp;
  imp.fit(train, {"a", "b"});
  ASSERT_EQ(imp.size(), 2);
  EXPECT_FLOAT_EQ(imp.means()[0], 3.0f);   // (1 + 3 + 5) / 3
  EXPECT_FLOAT_EQ(imp.means()[1], 15.0f);  // (10 + 20) / 2
  MatrixF dev(2, 2);
  dev << NAN, 7,  //
      NAN, 8;
  EXPECT_EQ(imp.transform(dev), 2u);
  EXPECT_FLOAT_EQ(dev(0, 0), 3.0f);
  EXPECT_FLOAT_EQ(dev(1, 0), 15.0f);
  EXPECT_FLOAT_EQ(dev(0, 1), 7.0f);  // present values untouched
  EXPECT_EQ(imp.transform(dev), 0u);
  // A feature with no value in the training split is named.
  MatrixF empty(2, 2);
  empty << 1, 2,  //
      NAN, NAN;
  try {
    Imputer().fit(empty, {"a", "b"});
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("column \"b\": no value in the training split"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Imputer({1.0f, NAN}), DataError);
  MatrixF one_row = empty.topRows(1);
  EXPECT_THROW(imp.transform(one_row), ShapeError);
}

TEST(Batcher, EveryExampleOncePerEpochAndReproducible) {
  const auto d = synthetic(10, 3);
  Batcher b(d, 4, false, 99);
  EXPECT_EQ(b.batches_per_epoch(), 3);
  Batch batch;
  std::vector<Index> first_epoch;
  for (int epoch = 0; epoch < 3; ++epoch) {
    b.start_epoch();
    std::vector<Index> sizes, seen;
    while (b.next(batch)) {
      sizes.push_back(batch.size());
      for (Index j = 0; j < batch.size(); ++j) {
        const Index i = batch.indices()[static_cast<std::size_t>(j)];
        seen.push_back(i);
        EXPECT_EQ(batch.X()(0, j), d.X(0, i));
        EXPECT_EQ(batch.labels()[static_cast<std::size_t>(j)], d.labels[static_cast<std::size_t>(i)]);
        EXPECT_EQ(batch.Y()(d.labels[static_cast<std::size_t>(i)], j), 1.0f);
        EXPECT_EQ(batch.Y().col(j).sum(), 1.0f);
      }
    }
    EXPECT_EQ(sizes, (std::vector<Index>{4, 4, 2}));  // last partial batch kept
    auto sorted = seen;
    std::sort(sorted.begin(), sorted.end());
    std::vector<Index> all(10);
    std::iota(all.begin(), all.end(), Index{0});
    EXPECT_EQ(sorted, all);
    if (epoch == 0) first_epoch = seen;
    else EXPECT_NE(seen, first_epoch);  // a fresh shuffle each epoch
  }
  Batcher again(d, 4, false, 99);
  again.start_epoch();
  EXPECT_EQ(std::vector<Index>(again.permutation().begin(), again.permutation().end()), first_epoch);
  Batcher other(d, 4, false, 100);
  other.start_epoch();
  EXPECT_NE(std::vector<Index>(other.permutation().begin(), other.permutation().end()), first_epoch);
}

RC_GTEST_PROP(BatcherProperty, ShufflesArePermutations, ()) {
  const auto m = *rc::gen::inRange<Index>(1, 200);
  const auto bs = *rc::gen::inRange<Index>(1, 250);
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const bool drop = *rc::gen::arbitrary<bool>();
  const auto d = synthetic(m, 0);
  Batcher b(d, bs, drop, seed);
  RC_ASSERT(b.batch_size() == std::min(bs, m));  // clamped to m
  b.start_epoch();
  auto perm = b.permutation();
  std::sort(perm.begin(), perm.end());
  for (Index i = 0; i < m; ++i) RC_ASSERT(perm[static_cast<std::size_t>(i)] == i);
  Batch batch;
  Index total = 0, count = 0;
  while (b.next(batch)) {
    total += batch.size();
    ++count;
    RC_ASSERT(batch.X().cols() == batch.size());
  }
  RC_ASSERT(count == b.batches_per_epoch());
  RC_ASSERT(total == (drop ? (m / b.batch_size()) * b.batch_size() : m));
}

TEST(Batcher, DropLastClampAndErrors) {
  const auto d = synthetic(10, 0);
  Batcher b(d, 4, true, 1);
  EXPECT_EQ(b.batches_per_epoch(), 2);
  b.start_epoch();
  Batch batch;
  int n = 0;
  while (b.next(batch)) {
    EXPECT_EQ(batch.size(), 4);
    EXPECT_EQ(batch.Y()(0, 0), 3.0f * batch.X()(0, 0) + 1.0f);
    ++n;
  }
  EXPECT_EQ(n, 2);
  Batcher big(d, 1000, false, 1);
  EXPECT_EQ(big.batch_size(), 10);
  EXPECT_EQ(big.batches_per_epoch(), 1);
  EXPECT_THROW(Batcher(d, 0, false, 1), ConfigError);
  EXPECT_THROW(Batcher(Dataset{}, 1, false, 1), ConfigError);
}

TEST(Batcher, BuffersReusedWithoutReallocation) {
  const auto d = synthetic(10, 2);
  Batcher b(d, 4, false, 3);
  Batch batch;
  b.start_epoch();
  ASSERT_TRUE(b.next(batch));
  const float* x = batch.X().data();
  const float* y = batch.Y().data();
  for (int epoch = 0; epoch < 3; ++epoch) {
    if (epoch > 0) b.start_epoch();
    while (b.next(batch)) {
      EXPECT_EQ(batch.X().data(), x);
      EXPECT_EQ(batch.Y().data(), y);
    }
  }
}

TEST(Batcher, StateSavedAndRestoredMidEpoch) {
  const auto d = synthetic(23, 0);
  Batcher ref(d, 5, false, 1234);
  Batch batch;
  std::vector<Index> reference;
  Batcher::State saved;
  for (int epoch = 0; epoch < 3; ++epoch) {
    ref.start_epoch();
    int k = 0;
    while (ref.next(batch)) {
      if (epoch == 1 && k == 2) saved = ref.state();
      if (epoch >= 1 && !(epoch == 1 && k < 3)) {
        for (const Index i : batch.indices()) reference.push_back(i);
      }
      ++k;
    }
  }
  // A new batcher (other seed even) resumed from the state continues identically.
  Batcher resumed(d, 5, false, 1);
  resumed.restore(saved);
  EXPECT_EQ(resumed.epoch(), 2u);
  std::vector<Index> got;
  for (int epoch = 1; epoch < 3; ++epoch) {
    if (epoch > 1) resumed.start_epoch();
    while (resumed.next(batch)) {
      for (const Index i : batch.indices()) got.push_back(i);
    }
  }
  EXPECT_EQ(got, reference);
  Batcher wrong(d, 6, false, 1);
  EXPECT_THROW(wrong.restore(saved), ConfigError);
}

TEST(Dataset, SelectAndOneHot) {
  const auto d = synthetic(6, 3);
  const std::vector<Index> idx{5, 0, 5};
  const auto s = d.select(idx);
  EXPECT_EQ(s.size(), 3);
  EXPECT_EQ(s.X(0, 0), 5.0f);
  EXPECT_EQ(s.labels, (std::vector<std::int32_t>{2, 0, 2}));
  const std::vector<Index> bad{6};
  EXPECT_THROW((void)d.select(bad), ConfigError);
  const auto y = one_hot(s.labels, 3);
  EXPECT_EQ(y.rows(), 3);
  EXPECT_EQ(y(2, 0), 1.0f);
  EXPECT_EQ(y.sum(), 3.0f);
  const std::vector<std::int32_t> out_of_range{3};
  EXPECT_THROW((void)one_hot(out_of_range, 3), DataError);
}

}  // namespace
}  // namespace mlp::data
