// Model::predict_csv: predictions of a CSV input read block by block are those of one
// Model::predict over all rows, and a row whose output is not finite (inputs near FLT_MAX) is a
// DataError naming the row, never NaN in the output.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/io/model.hpp"

namespace mlp {
namespace {

Model classifier() {
  Network<float> net(ModelBuilder(3).hidden(4, Activation::relu).hidden(3, Activation::tanh)
                         .output(3, Activation::softmax).loss(Loss::cross_entropy).seed(1).build());
  Preprocessing pre;
  pre.task = data::Task::classification;
  pre.feature_names = {"a", "b", "c"};
  pre.class_names = {"setosa", "versicolor", "virginica"};
  pre.features = data::Standardizer({1.0f, -2.0f, 0.5f}, {2.0f, 0.5f, 1.0f});
  return Model(std::move(net), std::move(pre));
}

Model regressor(float mean, float stddev) {
  Network<float> net(ModelBuilder(1).hidden(4, Activation::tanh).output(1, Activation::identity)
                         .loss(Loss::mse).seed(2).build());
  Preprocessing pre;
  pre.task = data::Task::regression;
  pre.feature_names = {"x"};
  pre.target_names = {"y"};
  pre.features = data::Standardizer({mean}, {stddev});
  return Model(std::move(net), std::move(pre));
}

TEST(PredictCsv, BlocksGiveTheOutputsOfOnePredict) {
  Model m = classifier();
  std::string text = "c,a,b\n";
  MatrixF X(3, 11);
  for (Index j = 0; j < X.cols(); ++j) {
    X(0, j) = static_cast<float>(j) * 0.5f - 2.0f;
    X(1, j) = static_cast<float>(j % 4) - 1.0f;
    X(2, j) = 3.0f - static_cast<float>(j) * 0.25f;
    text += fmt::format("{},{},{}\n", X(2, j), X(0, j), X(1, j));
  }
  const MatrixF want = m.predict(X);
  for (const std::size_t block : {1u, 4u, 11u, 64u}) {
    MatrixF got(3, 0);
    m.predict_csv_text(text, "in.csv", block, [&](const MatrixF& P, std::size_t first) {
      EXPECT_EQ(first, static_cast<std::size_t>(got.cols()));
      got.conservativeResize(3, got.cols() + P.cols());
      got.rightCols(P.cols()) = P;
    });
    // One block: the very same computation. Smaller blocks: the same values up to rounding
    // (a product with fewer columns may sum in another order).
    if (block >= 11) {
      EXPECT_EQ(got, want) << block;
    } else {
      EXPECT_TRUE(got.isApprox(want, 1e-5f)) << block;
    }
  }
}

TEST(PredictCsv, NonFiniteOutputNamesTheRow) {
  // (3e38 + 2) / 0.5 does not fit in float: the standardized input is inf, and the first layer
  // makes NaN of it (inf - inf). The row is named; the rows before it were delivered.
  Model m = classifier();
  std::vector<std::size_t> delivered;
  try {
    m.predict_csv_text("a,b,c\n1,2,3\n3e38,3e38,3e38\n4,5,6\n", "big.csv", 1,
                       [&](const MatrixF& P, std::size_t first) {
                         EXPECT_TRUE(P.allFinite());
                         delivered.push_back(first);
                       });
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "big.csv: row 2: the model's output is not finite (inputs too large?); "
                           "check the row's values against the training data's range");
  }
  EXPECT_EQ(delivered, std::vector<std::size_t>{0});
}

TEST(PredictCsv, InputsNearFloatMaxStandardizeToFiniteOutputs) {
  // Trained on values of order 1e38: x - mu = 4e38 exceeds FLT_MAX, (x - mu) / s = 2 does not.
  Model m = regressor(-1e38f, 2e38f);
  MatrixF got;
  m.predict_csv_text("x\n3e38\n-3e38\n", "huge.csv", 16,
                     [&](const MatrixF& P, std::size_t) { got = P; });
  ASSERT_EQ(got.cols(), 2);
  EXPECT_TRUE(got.allFinite()) << got;
}

}  // namespace
}  // namespace mlp
