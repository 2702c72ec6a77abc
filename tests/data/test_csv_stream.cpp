// data::stream_csv: a prediction input read in blocks gives the rows load_csv gives, in order,
// block by block, with the same errors; memory holds one block at a time.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "helpers.hpp"
#include "mlp/data/csv.hpp"

namespace mlp::data {
namespace {

using test::error_of;

CsvSchema iris_schema() {
  CsvSchema s;
  s.task = Task::classification;
  s.feature_names = {"a", "b"};
  s.target_names = {"y"};
  s.class_names = {"no", "yes"};
  return s;
}

std::string rows_text(int rows, bool with_target) {
  std::string text = with_target ? "b,y,a,extra\n" : "b,a\n";
  for (int i = 0; i < rows; ++i) {
    text += std::to_string(i) + ".5,";
    if (with_target) text += (i % 3 == 0 ? "yes," : "no,");
    text += std::to_string(-i) + (with_target ? ",x\n" : "\n");
  }
  return text;
}

TEST(CsvStream, BlocksConcatenateToTheLoadedRows) {
  for (const bool with_target : {true, false}) {
    for (const std::size_t block : {1u, 3u, 7u, 10u, 1000u}) {
      const std::string text = rows_text(10, with_target);
      const Dataset all = parse_csv(text, "in.csv", iris_schema());
      std::vector<std::size_t> firsts;
      MatrixF X(2, 0);
      std::vector<std::int32_t> labels;
      stream_csv(text, "in.csv", iris_schema(), {}, block,
                 [&](const Dataset& b, std::size_t first) {
                   EXPECT_LE(static_cast<std::size_t>(b.size()), block);
                   EXPECT_GT(b.size(), 0);
                   EXPECT_EQ(first, static_cast<std::size_t>(X.cols()));
                   EXPECT_EQ(b.source, "in.csv");
                   EXPECT_EQ(b.feature_names, all.feature_names);
                   firsts.push_back(first);
                   X.conservativeResize(2, X.cols() + b.size());
                   X.rightCols(b.size()) = b.X;
                   labels.insert(labels.end(), b.labels.begin(), b.labels.end());
                 });
      EXPECT_EQ(firsts.size(), (10 + block - 1) / block) << block;
      EXPECT_EQ(X, all.X) << block;
      EXPECT_EQ(labels, all.labels) << block;
    }
  }
}

TEST(CsvStream, ErrorsAreLoadCsvErrors) {
  const auto same = [](const std::string& text) {
    const std::string loaded =
        error_of<DataError>([&] { (void)parse_csv(text, "in.csv", iris_schema()); });
    const std::string streamed = error_of<DataError>([&] {
      stream_csv(text, "in.csv", iris_schema(), {}, 2, [](const Dataset&, std::size_t) {});
    });
    EXPECT_EQ(streamed, loaded) << text;
  };
  same("");
  same("a,b\n");
  same("a,b,y\n1,2,maybe\n");
  same("a,b\n1,2\n3,x\n");
  same("a\n1\n");
  // A bad row after the first block: the rows before it were handed over, then the error.
  std::size_t handed = 0;
  const std::string err = error_of<DataError>([&] {
    stream_csv("a,b\n1,2\n3,4\n5,oops\n", "in.csv", iris_schema(), {}, 2,
               [&](const Dataset& b, std::size_t) { handed += static_cast<std::size_t>(b.size()); });
  });
  EXPECT_EQ(handed, 2u);
  EXPECT_NE(err.find("in.csv:4:"), std::string::npos) << err;
  EXPECT_THROW(stream_csv("a,b\n1,2\n", "in.csv", iris_schema(), {}, 0,
                          [](const Dataset&, std::size_t) {}),
               ConfigError);
}

}  // namespace
}  // namespace mlp::data
