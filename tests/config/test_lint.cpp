// The checks of `mlp lint` (config/lint.hpp): each on a tiny data set or configuration that
// triggers it and one that does not; the whole linter on files; `mlp train` refusing an
// error-level finding before it writes anything, and the switch to skip it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "mlp/config/commands.hpp"
#include "mlp/config/lint.hpp"
#include "mlp/core/error.hpp"

namespace mlp {
namespace {

using config::Finding;
using config::Severity;
namespace lc = config::lint_checks;
namespace fs = std::filesystem;

/// A data set from rows of features (one example per row) with class labels or a regression target.
data::Dataset classes(const std::vector<std::vector<float>>& rows, const std::vector<int>& labels, int n_classes) {
  data::Dataset d;
  d.task = data::Task::classification;
  d.X.resize(static_cast<Index>(rows[0].size()), static_cast<Index>(rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t j = 0; j < rows[i].size(); ++j) d.X(static_cast<Index>(j), static_cast<Index>(i)) = rows[i][j];
  }
  for (int l : labels) d.labels.push_back(l);
  for (int k = 0; k < n_classes; ++k) d.class_names.push_back("c" + std::to_string(k));
  for (std::size_t j = 0; j < rows[0].size(); ++j) d.feature_names.push_back("x" + std::to_string(j));
  d.source = "t.csv";
  return d;
}

data::Dataset regression(const std::vector<std::vector<float>>& rows, const std::vector<float>& y) {
  data::Dataset d = classes(rows, {}, 0);
  d.task = data::Task::regression;
  d.class_names.clear();
  d.Y.resize(1, static_cast<Index>(y.size()));
  for (std::size_t i = 0; i < y.size(); ++i) d.Y(0, static_cast<Index>(i)) = y[i];
  d.target_names = {"y"};
  return d;
}

std::vector<std::string> codes(const std::vector<Finding>& f) {
  std::vector<std::string> c;
  for (const auto& x : f) c.push_back(x.code);
  return c;
}

/// A configuration with `data` added to [data] and `rest` after [model] hidden = [8].
RunConfig cfg_of(const std::string& rest, const std::string& data = "") {
  return parse_config("[data]\ntrain = \"t.csv\"\ntarget = \"y\"\n" + data + "[model]\nhidden = [8]\n" + rest, "t.toml");
}

ModelSpec spec_of(std::vector<LayerSpec> layers, Init init = Init::he_normal) {
  ModelSpec s;
  s.inputs = 4;
  s.layers = std::move(layers);
  s.init = init;
  return s;
}

TEST(Lint, DuplicatedTestRowsInASeparateFileAreAnError) {
  const auto train = classes({{1, 2}, {3, 4}, {5, 6}}, {0, 1, 0}, 2);
  const auto test = classes({{3, 4}, {7, 8}}, {1, 0}, 2);
  std::vector<Finding> f;
  lc::duplicates(train, test, "test", true, f);
  ASSERT_EQ(codes(f), std::vector<std::string>{"test-leak"});
  EXPECT_EQ(f[0].severity, Severity::error);
  EXPECT_EQ(f[0].exit, ExitCode::data);
  EXPECT_NE(f[0].message.find("1 of the 2 test examples"), std::string::npos) << f[0].message;
  f.clear();
  lc::duplicates(train, test, "dev", true, f);
  EXPECT_EQ(codes(f), std::vector<std::string>{"dev-leak"});
  f.clear();
  lc::duplicates(train, test, "test", false, f);
  EXPECT_EQ(codes(f), std::vector<std::string>{"split-duplicates"});
  // The same features with another label, or other features: no copy.
  f.clear();
  lc::duplicates(train, classes({{3, 4}, {7, 8}}, {0, 0}, 2), "test", true, f);
  EXPECT_TRUE(f.empty());
}

TEST(Lint, ConstantAndMissingColumns) {
  std::vector<Finding> f;
  lc::columns(classes({{1, NAN, 0}, {1, NAN, 2}, {1, NAN, 5}}, {0, 1, 0}, 2), f);
  EXPECT_EQ(codes(f), (std::vector<std::string>{"constant-column", "missing-column"}));
  EXPECT_EQ(f[1].severity, Severity::error);
  f.clear();
  lc::columns(classes({{1, 3}, {2, NAN}, {1, 4}}, {0, 1, 0}, 2), f);
  EXPECT_TRUE(f.empty());
}

TEST(Lint, AFeatureThatIsTheLabelLeaks) {
  std::vector<Finding> f;
  // Neither column maps one-to-one to the classes; then both do (an encoded label).
  lc::target_leak(classes({{0, 7}, {1, 9}, {0, 7}, {1, 9}}, {0, 1, 0, 0}, 2), f);
  EXPECT_TRUE(f.empty());
  lc::target_leak(classes({{0, 7}, {1, 9}, {0, 7}, {1, 9}}, {0, 1, 0, 1}, 2), f);
  ASSERT_EQ(codes(f), (std::vector<std::string>{"target-leak", "target-leak"}));
  EXPECT_NE(f[0].message.find("\"x0\""), std::string::npos);
  EXPECT_EQ(f[0].severity, Severity::error);
  f.clear();
  lc::target_leak(regression({{1, 5}, {2, 3}, {3, 8}}, {3, 5, 7}), f);  // x0 = (y − 1)/2
  ASSERT_EQ(codes(f), std::vector<std::string>{"target-leak"});
  EXPECT_NE(f[0].message.find("\"x0\""), std::string::npos);
  f.clear();
  lc::target_leak(regression({{1, 5}, {2, 3}, {3, 8}}, {3, 5, 6}), f);
  EXPECT_TRUE(f.empty());
}

TEST(Lint, ExtremeClassImbalance) {
  std::vector<std::vector<float>> rows(43, {1.0f});
  std::vector<int> labels(43, 0);
  labels[0] = 1;
  labels[1] = 1;  // 41 : 2 = 20.5
  std::vector<Finding> f;
  lc::class_imbalance(classes(rows, labels, 2), f);
  ASSERT_EQ(codes(f), std::vector<std::string>{"class-imbalance"});
  EXPECT_NE(f[0].fix.find("oversample"), std::string::npos);
  f.clear();
  labels[2] = 1;  // 40 : 3
  lc::class_imbalance(classes(rows, labels, 2), f);
  EXPECT_TRUE(f.empty());
}

TEST(Lint, UnnormalizedFeaturesOfVeryDifferentScales) {
  const auto d = classes({{0.001f, 1000}, {0.002f, 3000}, {0.003f, 2000}}, {0, 1, 0}, 2);
  std::vector<Finding> f;
  lc::feature_scales(cfg_of("", "normalize = \"none\"\n"), d, f);
  EXPECT_EQ(codes(f), std::vector<std::string>{"feature-scales"});
  f.clear();
  lc::feature_scales(cfg_of(""), d, f);  // standardized
  lc::feature_scales(cfg_of("", "normalize = \"none\"\n"), classes({{1, 10}, {2, 30}, {3, 20}}, {0, 1, 0}, 2), f);
  EXPECT_TRUE(f.empty());
}

TEST(Lint, BatchLargerThanTheTrainingSet) {
  std::vector<Finding> f;
  lc::batch_size(cfg_of("[train]\nbatch_size = 64\n"), 50, f);
  EXPECT_EQ(codes(f), std::vector<std::string>{"batch-size"});
  f.clear();
  lc::batch_size(cfg_of("[train]\nbatch_size = 64\n"), 64, f);
  EXPECT_TRUE(f.empty());
}

TEST(Lint, ManyParametersWithoutRegularization) {
  const ModelSpec big = spec_of({{100, Activation::relu, 1.0}, {3, Activation::softmax, 1.0}});  // 803 parameters
  std::vector<Finding> f;
  lc::parameters(cfg_of(""), big, 50, f);
  EXPECT_EQ(codes(f), std::vector<std::string>{"too-many-parameters"});
  f.clear();
  lc::parameters(cfg_of("[train]\nl2 = 0.01\n"), big, 50, f);
  lc::parameters(cfg_of(""), big, 100, f);
  EXPECT_TRUE(f.empty());
}

TEST(Lint, LearningRateOutsideTheOptimizersRange) {
  std::vector<Finding> f;
  lc::learning_rate(cfg_of("[train]\noptimizer = \"adam\"\nlearning_rate = 0.5\n"), f);
  EXPECT_EQ(codes(f), std::vector<std::string>{"learning-rate"});
  f.clear();
  lc::learning_rate(cfg_of("[train]\noptimizer = \"gd\"\nlearning_rate = 0.5\n"), f);
  lc::learning_rate(cfg_of("[train]\noptimizer = \"adam\"\nlearning_rate = 0.001\n"), f);
  EXPECT_TRUE(f.empty());
}

TEST(Lint, SigmoidOrTanhInADeepStack) {
  std::vector<Finding> f;
  std::vector<LayerSpec> deep(4, LayerSpec{8, Activation::tanh, 1.0});
  deep.push_back({3, Activation::softmax, 1.0});
  lc::saturating_depth(spec_of(deep), f);
  EXPECT_EQ(codes(f), std::vector<std::string>{"saturating-depth"});
  f.clear();
  for (std::size_t k = 0; k < 4; ++k) deep[k].activation = Activation::relu;
  lc::saturating_depth(spec_of(deep), f);
  lc::saturating_depth(spec_of({{8, Activation::sigmoid, 1.0}, {3, Activation::softmax, 1.0}}), f);
  EXPECT_TRUE(f.empty());
}

TEST(Lint, ZeroInitWithHiddenLayers) {
  std::vector<Finding> f;
  lc::zero_init(spec_of({{8, Activation::tanh, 1.0}, {3, Activation::softmax, 1.0}}, Init::zeros), f);
  ASSERT_EQ(codes(f), std::vector<std::string>{"zero-init"});
  EXPECT_EQ(f[0].severity, Severity::error);
  EXPECT_EQ(f[0].exit, ExitCode::usage);
  f.clear();
  lc::zero_init(spec_of({{3, Activation::softmax, 1.0}}, Init::zeros), f);  // logistic regression: fine
  lc::zero_init(spec_of({{8, Activation::tanh, 1.0}, {3, Activation::softmax, 1.0}}), f);
  EXPECT_TRUE(f.empty());
}

TEST(Lint, DropoutOnTheOutputLayer) {
  std::vector<Finding> f;
  lc::output_dropout(spec_of({{8, Activation::relu, 0.5}, {3, Activation::softmax, 0.5}}), f);
  EXPECT_EQ(codes(f), std::vector<std::string>{"output-dropout"});
  f.clear();
  lc::output_dropout(spec_of({{8, Activation::relu, 0.5}, {3, Activation::softmax, 1.0}}), f);
  EXPECT_TRUE(f.empty());
}

/// A folder with train.csv/test.csv where the test file repeats a training row, and leak.toml.
struct Files {
  fs::path dir = fs::temp_directory_path() / ("mlp-lint-" + std::to_string(::getpid()));
  Files() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "train.csv") << "a,b,y\n0,1,0\n1,3,1\n2,2,0\n3,5,1\n4,1,0\n5,0,1\n6,2,0\n7,3,1\n";
    std::ofstream(dir / "test.csv") << "a,b,y\n1,3,1\n9,9,0\n";
    std::ofstream(dir / "leak.toml") << "[data]\ntrain = \"train.csv\"\ntest = \"test.csv\"\ntarget = \"y\"\n"
                                        "task = \"classification\"\n[model]\nhidden = [4]\n[train]\nepochs = 1\n"
                                        "batch_size = 4\nl2 = 0.1\n";
  }
  ~Files() { fs::remove_all(dir); }
};

TEST(Lint, TheWholeLinterOnFilesAndTrainRefusing) {
  Files w;
  const auto f = config::lint(w.dir / "leak.toml", {});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].code, "test-leak");  // errors first
  EXPECT_TRUE(config::lint(w.dir / "leak.toml", {}, {"test-leak"}).empty() ||
              config::lint(w.dir / "leak.toml", {}, {"test-leak"})[0].severity != Severity::error);
  EXPECT_THROW(config::lint(w.dir / "leak.toml", {}, {"no-such-code"}), ConfigError);

  config::TrainRunOptions o;
  o.config = w.dir / "leak.toml";
  o.out = w.dir / "run";
  try {
    (void)config::train_run(o);
    FAIL() << "trained despite the leak";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("--lint-ignore test-leak"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(w.dir / "run"));  // refused before anything was written
  o.lint_ignore = {"test-leak"};
  EXPECT_NO_THROW((void)config::train_run(o));
  o.force = true;
  o.lint_ignore.clear();
  o.lint = false;
  EXPECT_NO_THROW((void)config::train_run(o));
}

}  // namespace
}  // namespace mlp
