// Splits that take the data set over (Dataset::retain, split(Dataset&&), split_with_files(Dataset&&)):
// the same parts as the copying split, with the training part in the data set's own memory.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "mlp/core/random.hpp"
#include "mlp/data/split.hpp"

#include "realloc_may_move.hpp"

namespace mlp::data {
namespace {

using test::error_of;

/// m examples of 3 features (x0 = index), weights, a categorical column with cell positions,
/// and class labels (n_classes > 0) or two regression targets.
Dataset rich(Index m, int n_classes, std::uint64_t seed = 1) {
  Rng rng(seed);
  Dataset d;
  d.source = "rich.csv";
  d.feature_names = {"x0", "x1", "x2"};
  d.task_decision = "decided";
  d.X.resize(3, m);
  for (Index i = 0; i < m; ++i) {
    d.X(0, i) = static_cast<float>(i);
    d.X(1, i) = static_cast<float>(rng.normal(0.0, 1.0));
    d.X(2, i) = static_cast<float>(rng.uniform());
    d.weights.push_back(static_cast<float>(1 + i % 4));
  }
  CategoricalColumn c;
  c.name = "colour";
  for (Index i = 0; i < m; ++i) {
    c.values.push_back(i % 3 == 0 ? "red" : "a rather long colour name " + std::to_string(i));
    c.where.push_back({static_cast<std::size_t>(i + 2), 4});
  }
  d.categorical.push_back(c);
  if (n_classes > 0) {
    d.task = Task::classification;
    d.target_names = {"y"};
    for (int k = 0; k < n_classes; ++k) d.class_names.push_back("c" + std::to_string(k));
    for (Index i = 0; i < m; ++i) d.labels.push_back(static_cast<std::int32_t>((i * 7) % n_classes));
  } else {
    d.task = Task::regression;
    d.target_names = {"y0", "y1"};
    d.Y.resize(2, m);
    for (Index i = 0; i < m; ++i) {
      d.Y(0, i) = static_cast<float>(2 * i);
      d.Y(1, i) = static_cast<float>(rng.normal(3.0, 1.0));
    }
  }
  return d;
}

void expect_same(const Dataset& a, const Dataset& b) {
  EXPECT_EQ(a.task, b.task);
  EXPECT_EQ(a.X, b.X);
  EXPECT_EQ(a.Y.rows(), b.Y.rows());
  EXPECT_EQ(a.Y.cols(), b.Y.cols());
  if (a.Y.size() == b.Y.size()) {
    EXPECT_EQ(a.Y, b.Y);
  }
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.weights, b.weights);
  ASSERT_EQ(a.categorical.size(), b.categorical.size());
  for (std::size_t c = 0; c < a.categorical.size(); ++c) {
    EXPECT_EQ(a.categorical[c].name, b.categorical[c].name);
    EXPECT_EQ(a.categorical[c].values, b.categorical[c].values);
    ASSERT_EQ(a.categorical[c].where.size(), b.categorical[c].where.size());
    for (std::size_t j = 0; j < a.categorical[c].where.size(); ++j) {
      EXPECT_EQ(a.categorical[c].where[j].line, b.categorical[c].where[j].line);
      EXPECT_EQ(a.categorical[c].where[j].col, b.categorical[c].where[j].col);
    }
  }
  EXPECT_EQ(a.feature_names, b.feature_names);
  EXPECT_EQ(a.target_names, b.target_names);
  EXPECT_EQ(a.class_names, b.class_names);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.task_decision, b.task_decision);
}

void expect_same(const Split& a, const Split& b) {
  expect_same(a.train, b.train);
  expect_same(a.dev, b.dev);
  expect_same(a.test, b.test);
}

/// The training part lies in the memory the data set had (no copy of it was made).
void expect_in_place([[maybe_unused]] const float* before, [[maybe_unused]] const Dataset& train) {
#ifndef MLP_REALLOC_MAY_MOVE
  EXPECT_EQ(train.X.data(), before) << "the training part was copied";
#endif
}

TEST(Dataset, RetainIsSelectInPlace) {
  for (const int classes : {0, 3}) {
    Dataset d = rich(50, classes);
    const std::vector<Index> keep{0, 1, 4, 9, 10, 33, 49};
    const Dataset expected = d.select(keep);
    const float* before = d.X.data();
    d.retain(keep);
    expect_same(d, expected);
    expect_in_place(before, d);
  }
  Dataset none = rich(5, 2);
  none.retain({});
  EXPECT_EQ(none.size(), 0);
  EXPECT_TRUE(none.labels.empty());
  EXPECT_EQ(none.X.rows(), 3);
}

TEST(Dataset, RetainRefusesBadIndicesAndChangesNothing) {
  Dataset d = rich(10, 2);
  const Dataset original = d;
  const std::vector<Index> out_of_range{1, 10};
  EXPECT_NE(error_of<ConfigError>([&] { d.retain(out_of_range); }).find("out of range [0, 10)"), std::string::npos);
  const std::vector<Index> unordered{3, 2};
  EXPECT_NE(error_of<ConfigError>([&] { d.retain(unordered); }).find("ascending"), std::string::npos);
  const std::vector<Index> repeated{2, 2};
  EXPECT_NE(error_of<ConfigError>([&] { d.retain(repeated); }).find("ascending"), std::string::npos);
  expect_same(d, original);
}

TEST(Split, TakingTheDataOverGivesTheSameSplitInItsMemory) {
  for (const int classes : {0, 4}) {
    for (const SplitFractions f : {SplitFractions{0.6, 0.2, 0.2}, SplitFractions{0.5, 0.1, 0.1},
                                   SplitFractions{0.9, 0.1, 0.0}, SplitFractions{1.0, 0.0, 0.0}}) {
      const Dataset d = rich(1000, classes);
      const Split copied = split(d, f, 17);
      Dataset moved = d;
      const float* before = moved.X.data();
      const Split taken = split(std::move(moved), f, 17);
      expect_same(taken, copied);
      expect_in_place(before, taken.train);
    }
  }
}

TEST(Split, SeparateFilesTakingTheTrainingFileOver) {
  const Dataset train = rich(900, 3);
  const Dataset test = rich(100, 3, 9);
  const Dataset dev = rich(50, 3, 8);
  for (const bool with_dev : {false, true}) {
    const std::optional<Dataset> dev_file = with_dev ? std::optional<Dataset>(dev) : std::nullopt;
    const Split copied = split_with_files(train, dev_file, test, 5);
    Dataset moved = train;
    const float* before = moved.X.data();
    const Split taken = split_with_files(std::move(moved), dev_file, test, 5);
    expect_same(taken, copied);
    expect_in_place(before, taken.train);
  }
  Dataset other = test;
  other.class_names = {"a", "b", "c"};
  EXPECT_NE(error_of<DataError>([&] { (void)split_with_files(Dataset(train), std::nullopt, other, 5); })
                .find("class names differ"),
            std::string::npos);
}

}  // namespace
}  // namespace mlp::data
