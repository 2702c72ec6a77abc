// C14: the shipped CSV data sets load with the right shapes.
#include <gtest/gtest.h>

#include <string>

#include "mlp/data/csv.hpp"
#include "mlp/data/split.hpp"

namespace mlp::data {
namespace {

const std::string kDir = std::string(MLP_SOURCE_DIR) + "/examples/data/";

TEST(Datasets, Iris) {
  CsvOptions o;
  o.targets = {"species"};
  const auto d = load_csv(kDir + "iris.csv", o);
  EXPECT_EQ(d.task, Task::classification);
  EXPECT_EQ(d.size(), 150);
  EXPECT_EQ(d.n_features(), 4);
  EXPECT_EQ(d.feature_names,
            (std::vector<std::string>{"sepal_length_cm", "sepal_width_cm", "petal_length_cm",
                                      "petal_width_cm"}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(d.labels.front(), 0);
  EXPECT_EQ(d.labels.back(), 2);
  EXPECT_FLOAT_EQ(d.X(0, 0), 5.1f);
  const auto s = split(d, default_split(d.size()), 1);
  EXPECT_EQ(s.train.size(), 90);
  EXPECT_EQ(s.test.size(), 30);
}

TEST(Datasets, Digits) {
  CsvOptions o;
  o.targets = {"digit"};
  o.task = Task::classification;
  const auto d = load_csv(kDir + "digits_8x8.csv", o);
  EXPECT_EQ(d.size(), 1797);
  EXPECT_EQ(d.n_features(), 64);
  EXPECT_EQ(d.n_classes(), 10);
  EXPECT_EQ(d.feature_names.front(), "p0");
  EXPECT_EQ(d.feature_names.back(), "p63");
  for (int k = 0; k < 10; ++k) EXPECT_EQ(d.class_names[static_cast<std::size_t>(k)], std::to_string(k));
  EXPECT_EQ(d.labels[0], 0);  // the first row is a 0
  EXPECT_LE(d.X.maxCoeff(), 16.0f);
  // Without the task the digit column, 10 distinct integers, is read as class labels too.
  CsvOptions r;
  r.targets = {"digit"};
  const auto automatic = load_csv(kDir + "digits_8x8.csv", r);
  EXPECT_EQ(automatic.task, Task::classification);
  EXPECT_EQ(automatic.class_names, d.class_names);
  EXPECT_EQ(automatic.labels, d.labels);
  EXPECT_NE(automatic.task_decision.find("10 distinct integers (0 … 9)"), std::string::npos);
}

TEST(Datasets, BostonHousing) {
  CsvOptions o;
  o.targets = {"MEDV"};
  const auto d = load_csv(kDir + "boston_housing.csv", o);
  EXPECT_EQ(d.task, Task::regression);
  EXPECT_EQ(d.size(), 506);
  EXPECT_EQ(d.n_features(), 13);
  EXPECT_EQ(d.feature_names,
            (std::vector<std::string>{"CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS",
                                      "RAD", "TAX", "PTRATIO", "B", "LSTAT"}));
  EXPECT_FLOAT_EQ(d.Y(0, 0), 24.0f);
  o.drop = {"B"};
  const auto dropped = load_csv(kDir + "boston_housing.csv", o);
  EXPECT_EQ(dropped.n_features(), 12);
  EXPECT_EQ(dropped.feature_names[11], "LSTAT");
}

}  // namespace
}  // namespace mlp::data
