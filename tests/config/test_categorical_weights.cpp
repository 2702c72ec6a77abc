// data.categorical, data.unknown_category, data.max_categories, data.weight and
// train.class_weight: parsing, their errors, and what prepare_data does with them (one-hot
// inputs left unstandardized, class weights as scikit-learn's compute_class_weight).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "mlp/config/config.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/error.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

const std::string kBase = "[model]\nhidden = [4]\n[data]\ntrain = \"train.csv\"\ntarget = \"label\"\n";

std::string error_of(const std::string& text) {
  try {
    (void)parse_config(text, "cfg.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CategoricalConfig, DefaultsAndValuesRoundTrip) {
  const RunConfig d = parse_config(kBase, "cfg.toml");
  EXPECT_EQ(d.data.categorical, "auto");
  EXPECT_EQ(d.data.unknown_category, "ignore");
  EXPECT_EQ(d.data.max_categories, 1000);
  EXPECT_FALSE(d.data.weight);
  EXPECT_EQ(d.train.class_weight, "none");
  const RunConfig c = parse_config(kBase + "categorical = [\"zip\", \"color\"]\nunknown_category = \"error\"\n"
                                           "max_categories = 50\nweight = \"w\"\n[train]\n"
                                           "class_weight = {yes = 5, \"no way\" = 0.5}\n",
                                   "cfg.toml");
  EXPECT_EQ(c.data.categorical, "list");
  EXPECT_EQ(c.data.categorical_columns, (std::vector<std::string>{"zip", "color"}));
  EXPECT_EQ(c.data.unknown_category, "error");
  EXPECT_EQ(c.data.max_categories, 50);
  EXPECT_EQ(*c.data.weight, "w");
  EXPECT_EQ(c.train.class_weight, "table");
  EXPECT_EQ(c.train.class_weights.at("yes"), 5.0);
  EXPECT_EQ(c.train.class_weights.at("no way"), 0.5);
  EXPECT_EQ(parse_config(to_toml(c), "again.toml"), c);
  EXPECT_EQ(parse_config(kBase + "categorical = \"error\"\n", "cfg.toml").data.categorical, "error");
  EXPECT_EQ(parse_config(kBase, "cfg.toml", {"train.class_weight=\"balanced\""}).train.class_weight, "balanced");
}

TEST(CategoricalConfig, WrongValuesNameTheKeyAndTheFix) {
  EXPECT_NE(error_of(kBase + "categorical = \"zip\"\n").find("data.categorical must be \"auto\", \"error\" or a list"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + "categorical = [\"label\"]\n").find("data.categorical lists the column \"label\", which is a target"),
            std::string::npos) << error_of(kBase + "categorical = [\"label\"]\n");
  EXPECT_NE(error_of(kBase + "weight = \"label\"\n").find("data.weight names the column \"label\", which is a target"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + "unknown_category = \"zero\"\n").find("data.unknown_category must be one of"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + "[train]\nclass_weight = \"inverse\"\n").find("train.class_weight must be \"none\", \"balanced\" or an inline table"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + "[train]\nclass_weight = {yes = -1}\n").find("train.class_weight.yes"),
            std::string::npos);
  // Regression known from the configuration: class weights make no sense.
  const std::string reg = error_of(kBase + "task = \"regression\"\n[train]\nclass_weight = \"balanced\"\n");
  EXPECT_NE(reg.find("cfg.toml:8:16: error: train.class_weight weights classes, but this run is a regression"),
            std::string::npos) << reg;
}

struct TempCsv {
  fs::path dir;
  explicit TempCsv(const std::string& text) {
    std::string tmpl = (fs::temp_directory_path() / "mlp-cw-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    std::ofstream(dir / "train.csv") << text;
  }
  ~TempCsv() { fs::remove_all(dir); }
  RunConfig config(const std::string& extra_data, const std::string& extra_train = "") const {
    RunConfig c = parse_config(kBase + "split = [1.0, 0.0, 0.0]\n" + extra_data + "[train]\n" + extra_train, "cfg.toml");
    c.data.train = (dir / "train.csv").string();
    c.data.split = std::array<double, 3>{1.0, 0.0, 0.0};
    return c;
  }
};

TEST(ClassWeights, BalancedIsScikitLearnsComputeClassWeight) {
  // compute_class_weight("balanced", classes=["a","b","c"], y=[a a a a b b c ...]):
  // n/(k·n_c) = 7/(3·4), 7/(3·2), 7/(3·1).
  TempCsv csv("x,label\n1,a\n2,a\n3,a\n4,a\n5,b\n6,b\n7,c\n");
  RunConfig c = csv.config("", "class_weight = \"balanced\"\n");
  const data::Dataset train = load_data(c).train;
  const std::vector<double> w = class_weights(c, train);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w[0], 7.0 / 12.0);
  EXPECT_DOUBLE_EQ(w[1], 7.0 / 6.0);
  EXPECT_DOUBLE_EQ(w[2], 7.0 / 3.0);
}

TEST(ClassWeights, ATableLabelThatIsNoClassIsAnErrorListingTheClasses) {
  TempCsv csv("x,label\n1,no\n2,yes\n3,no\n");
  RunConfig c = parse_config(kBase + "[train]\nclass_weight = {yes = 4, maybe = 2}\n", "cfg.toml");
  c.data.train = (csv.dir / "train.csv").string();
  const data::Dataset train = load_data(c).train;
  try {
    (void)class_weights(c, train);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cfg.toml:7:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("names the class 'maybe', which is not a class of"), std::string::npos) << msg;
    EXPECT_NE(msg.find("its classes are: no, yes"), std::string::npos) << msg;
  }
  // A regression target decided from the data.
  TempCsv numbers("x,label\n1,0.5\n2,1.5\n3,2.25\n4,3.125\n");
  RunConfig r = parse_config(kBase + "[train]\nclass_weight = \"balanced\"\n", "cfg.toml");
  r.data.train = (numbers.dir / "train.csv").string();
  EXPECT_THROW((void)class_weights(r, load_data(r).train), ConfigError);
}

TEST(ClassWeights, PreparedTrainingExamplesCarrySampleTimesClassWeights) {
  TempCsv csv("x,w,label\n1,1,no\n2,2,no\n3,0.5,yes\n4,1,no\n");
  RunConfig c = parse_config(kBase + "weight = \"w\"\nsplit = [1.0, 0.0, 0.0]\n[train]\nclass_weight = {yes = 4}\n",
                             "cfg.toml");
  c.data.train = (csv.dir / "train.csv").string();
  c.data.split = std::array<double, 3>{1.0, 0.0, 0.0};
  try {
    const PreparedData d = prepare_data(c);
    ASSERT_EQ(d.train.weights.size(), 4u);
    float total = 0;
    for (const float v : d.train.weights) total += v;
    EXPECT_FLOAT_EQ(total, 1 + 2 + 0.5f * 4 + 1);  // the split permutes, the sum stays
    EXPECT_EQ(d.train.feature_names, std::vector<std::string>{"x"});
  } catch (const Error& e) {
    FAIL() << e.what();
  }
}

TEST(CategoricalPrepare, OneHotInputsAreNotStandardizedAndTheModelNamesThem) {
  TempCsv csv("x,color,label\n1,red,no\n2,blue,yes\n3,red,no\n5,green,yes\n");
  RunConfig c = csv.config("");
  const PreparedData d = prepare_data(c);
  EXPECT_EQ(d.train.feature_names, (std::vector<std::string>{"x", "color=blue", "color=green", "color=red"}));
  const auto& mean = d.normalization.features.mean();
  const auto& sd = d.normalization.features.stddev();
  ASSERT_EQ(mean.size(), 4u);
  EXPECT_NE(sd[0], 1.0f);  // x is standardized
  for (std::size_t j = 1; j < 4; ++j) {
    EXPECT_EQ(mean[j], 0.0f);
    EXPECT_EQ(sd[j], 1.0f);
  }
  for (Index j = 0; j < d.train.size(); ++j) {
    float row_sum = 0;
    for (Index k = 1; k < 4; ++k) row_sum += d.train.X(k, j);
    EXPECT_EQ(row_sum, 1.0f);  // still 0/1 after standardization
  }
  const Preprocessing p = preprocessing_of(d);
  EXPECT_EQ(p.categorical.width(), 3);
  EXPECT_EQ(p.feature_names, d.train.feature_names);
}

}  // namespace
}  // namespace mlp
