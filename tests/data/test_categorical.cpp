// Categorical columns (data/categorical.hpp, docs/data.md "Categorical columns") and sample
// weight columns of the CSV loader. The one-hot encoding is checked against scikit-learn's
// OneHotEncoder(handle_unknown="ignore") (tests/reference/gen_categorical.py writes
// tests/fixtures/data/categorical_*.csv and categorical_onehot.json).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "helpers.hpp"
#include "mlp/core/error.hpp"
#include "mlp/data/categorical.hpp"
#include "mlp/data/csv.hpp"

namespace mlp::data {
namespace {

using test::error_of;

std::string fixture(const std::string& name) { return std::string(MLP_TEST_DATA_DIR) + "/data/" + name; }

CsvOptions auto_with_zip() {
  CsvOptions o;
  o.targets = {"y"};
  o.categorical = CsvOptions::Categorical::automatic;
  o.categorical_columns = {"zip"};  // integer codes, listed explicitly
  return o;
}

TEST(Categorical, OneHotMatchesScikitLearnOnTrainAndTestWithUnseenCategories) {
  std::ifstream in(fixture("categorical_onehot.json"));
  const auto ref = nlohmann::json::parse(in);
  Dataset train = load_csv(fixture("categorical_train.csv"), auto_with_zip());
  ASSERT_EQ(train.categorical.size(), 2u);
  EXPECT_EQ(train.categorical[0].name, "color");  // file order
  EXPECT_EQ(train.categorical[1].name, "zip");
  EXPECT_EQ(train.feature_names, std::vector<std::string>{"size"});
  OneHotEncoder enc;
  enc.fit(train);
  ASSERT_EQ(enc.features().size(), 2u);
  for (std::size_t c = 0; c < 2; ++c) {
    EXPECT_EQ(enc.features()[c].categories, ref.at("categories")[c].get<std::vector<std::string>>());
  }
  // The test file read with the training file's columns, as a dev/test file or mlp eval is.
  CsvSchema schema;
  schema.task = train.task;
  schema.feature_names = {"size"};
  schema.target_names = train.target_names;
  schema.class_names = train.class_names;
  schema.categorical_names = {"color", "zip"};
  Dataset test = load_csv(fixture("categorical_test.csv"), schema);
  EXPECT_TRUE(enc.transform(train).empty());
  const auto unseen = enc.transform(test);
  for (const auto& [ds, key] : {std::pair<const Dataset*, const char*>{&train, "train"}, {&test, "test"}}) {
    SCOPED_TRACE(key);
    const auto& rows = ref.at(key);
    ASSERT_EQ(ds->X.cols(), static_cast<Index>(rows.size()));
    ASSERT_EQ(ds->X.rows(), 1 + static_cast<Index>(rows[0].size()));
    for (Index j = 0; j < ds->X.cols(); ++j) {
      for (Index k = 0; k + 1 < ds->X.rows(); ++k) {
        EXPECT_EQ(ds->X(k + 1, j), rows[static_cast<std::size_t>(j)][static_cast<std::size_t>(k)].get<float>())
            << "example " << j << " one-hot input " << k;
      }
    }
    EXPECT_TRUE(ds->categorical.empty());
  }
  EXPECT_EQ(test.X(0, 1), 2.0f);  // the numeric feature stays first, as read
  EXPECT_EQ(test.feature_names[1], "color=");  // the empty cell is a category of its own
  EXPECT_EQ(test.feature_names[5], "color=dark, red");
  EXPECT_EQ(test.feature_names.back(), "zip=9");
  ASSERT_EQ(unseen.size(), 2u);
  EXPECT_EQ(unseen[0].column, "color");
  EXPECT_EQ(unseen[0].rows, 1u);
  EXPECT_NE(unseen[0].message().find("column 'color': 1 row with categories not seen in training (e.g. 'purple')"),
            std::string::npos) << unseen[0].message();
  EXPECT_EQ(unseen[1].column, "zip");
  EXPECT_EQ(unseen[1].first, "99");
}

TEST(Categorical, AnUnseenCategoryIsAnErrorAtItsCellWhenAsked) {
  Dataset train = load_csv(fixture("categorical_train.csv"), auto_with_zip());
  OneHotEncoder enc;
  enc.fit(train);
  enc.set_unknown(UnknownCategory::error);
  CsvSchema schema;
  schema.task = train.task;
  schema.feature_names = {"size"};
  schema.class_names = train.class_names;
  schema.categorical_names = {"color", "zip"};
  Dataset test = parse_csv("zip,size,color\n8001,1,blue\n10115,2,purple\n", "in.csv", schema);
  const std::string msg = error_of<DataError>([&] { (void)enc.transform(test); });
  EXPECT_NE(msg.find("in.csv:3:9: error: column 'color': category 'purple' was not seen in training; "
                     "known categories: "),
            std::string::npos) << msg;
}

TEST(Categorical, CategoriesAreTextAsWrittenCommasQuotesAndUtf8Included) {
  CsvOptions o;
  o.categorical = CsvOptions::Categorical::automatic;
  const Dataset d = parse_csv("x,c,y\n1,\"a,b\",0\n2,\"say \"\"hi\"\"\",1\n3,grün,0\n4,,1\n", "t.csv", o);
  ASSERT_EQ(d.categorical.size(), 1u);
  EXPECT_EQ(d.categorical[0].values, (std::vector<std::string>{"a,b", "say \"hi\"", "grün", ""}));
  EXPECT_EQ(d.categorical[0].where[1].line, 3u);
  EXPECT_EQ(d.categorical[0].where[1].col, 3u);
  // Bytes that are not UTF-8 are refused at their cell.
  const std::string bad = error_of<DataError>(
      [&] { (void)parse_csv("x,c,y\n1,ok,0\n2,\xff\xfe,1\n", "t.csv", o); });
  EXPECT_NE(bad.find("t.csv:3:3: error: column 2 'c': category"), std::string::npos) << bad;
}

TEST(Categorical, TooManyDistinctValuesSaysToDropTheColumnOrRaiseTheLimit) {
  std::string text = "id,x,y\n";
  for (int i = 0; i < 100000; ++i) text += "u" + std::to_string(i) + "," + std::to_string(i % 7) + "," + std::to_string(i % 2) + "\n";
  CsvOptions o;
  o.categorical = CsvOptions::Categorical::automatic;
  o.task = Task::classification;
  const Dataset d = parse_csv(text, "users.csv", o);
  OneHotEncoder enc;
  const std::string msg = error_of<DataError>([&] { enc.fit(d); });
  EXPECT_NE(msg.find("users.csv: error: categorical column 'id' has more than 1000 distinct values"),
            std::string::npos) << msg;
  EXPECT_NE(msg.find("data.drop = [\"id\"]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("raise data.max_categories"), std::string::npos) << msg;
  OneHotEncoder wide;
  wide.fit(d, 100000);
  EXPECT_EQ(wide.width(), 100000);
}

TEST(Categorical, AutoDecidesOnTheFirstRowAndLaterTextNamesTheFix) {
  CsvOptions o;
  o.categorical = CsvOptions::Categorical::automatic;
  const std::string msg = error_of<DataError>(
      [&] { (void)parse_csv("x,c,y\n1,red,0\n2,blue,1\nabc,red,0\n", "t.csv", o); });
  EXPECT_NE(msg.find("t.csv:4:1: error: column 1 'x': expected a number, found 'abc'; 'x' holds a "
                     "number in its first row (line 2)"),
            std::string::npos) << msg;
  EXPECT_NE(msg.find("data.categorical = [\"x\"]"), std::string::npos) << msg;
  // Numbers in a categorical column are categories (text as written).
  const Dataset d = parse_csv("x,c,y\n1,red,0\n2,7,1\n", "t.csv", o);
  EXPECT_EQ(d.categorical[0].values[1], "7");
}

TEST(Categorical, ErrorModeKeepsTheNumericFeatureErrorAndNamesTheCategoricalOption) {
  const std::string msg = error_of<DataError>([] { (void)parse_csv("a,colour,y\n1,red,0\n", "t.csv"); });
  EXPECT_NE(msg.find("t.csv:2:3: error: column 2 'colour': expected a number"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data.categorical = \"auto\""), std::string::npos) << msg;
}

TEST(SampleWeights, TheWeightColumnIsReadAndIsNotAFeature) {
  CsvOptions o;
  o.weight = "w";
  const Dataset d = parse_csv("x,w,y\n1,0.5,0\n2,2,1\n3,0,0\n", "t.csv", o);
  EXPECT_EQ(d.feature_names, std::vector<std::string>{"x"});
  EXPECT_EQ(d.weights, (std::vector<float>{0.5f, 2.0f, 0.0f}));
  const Dataset sub = d.select(std::vector<Index>{2, 0});
  EXPECT_EQ(sub.weights, (std::vector<float>{0.0f, 0.5f}));
}

TEST(SampleWeights, NanNegativeEmptyAndAllZeroWeightsAreErrorsAtTheirCell) {
  CsvOptions o;
  o.weight = "w";
  const auto err = [&](const std::string& text) {
    return error_of<DataError>([&] { (void)parse_csv(text, "t.csv", o); });
  };
  EXPECT_NE(err("x,w,y\n1,1,0\n2,nan,1\n").find("t.csv:3:3: error: column 2 'w': weight 'nan' is not a finite number >= 0"),
            std::string::npos);
  EXPECT_NE(err("x,w,y\n1,-1,0\n").find("t.csv:2:3: error: column 2 'w': weight '-1'"), std::string::npos);
  EXPECT_NE(err("x,w,y\n1,,0\n").find("t.csv:2:3: error: column 2 'w': weight (empty)"), std::string::npos);
  EXPECT_NE(err("x,w,y\n1,inf,0\n").find("t.csv:2:3:"), std::string::npos);
  const std::string zero = err("x,w,y\n1,0,0\n2,0,1\n");
  EXPECT_NE(zero.find("t.csv:1:3: error: column 2 'w': every weight is 0"), std::string::npos) << zero;
  // missing = drop_row does not apply to weights: a weight is never missing.
  o.missing = CsvOptions::Missing::drop_row;
  EXPECT_NE(err("x,w,y\n1,,0\n2,1,1\n").find("t.csv:2:3:"), std::string::npos);
  // The weight column must exist and be no target.
  CsvOptions unknown;
  unknown.weight = "weight";
  EXPECT_THROW((void)parse_csv("x,y\n1,0\n", "t.csv", unknown), ConfigError);
  CsvOptions target;
  target.weight = "y";
  EXPECT_THROW((void)parse_csv("x,y\n1,0\n", "t.csv", target), ConfigError);
}

}  // namespace
}  // namespace mlp::data
