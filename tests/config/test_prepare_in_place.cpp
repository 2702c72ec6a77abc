// prepare_data taking the loaded data over: the same sets as splitting copies of it, with the
// training part in the memory the training file was loaded into (the data held once).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <stdlib.h>

#include "mlp/config/commands.hpp"
#include "mlp/config/config.hpp"
#include "mlp/config/lint.hpp"
#include "mlp/config/run.hpp"
#include "mlp/data/split.hpp"

#include "realloc_may_move.hpp"

namespace mlp {
namespace {

const std::string kIris = (std::filesystem::path(MLP_SOURCE_DIR) / "examples/data/iris.csv").string();

RunConfig config(const std::string& data_lines) {
  return parse_config("[data]\ntrain = \"" + kIris + "\"\ntarget = \"species\"\n" + data_lines +
                          "[model]\nhidden = [4]\n[train]\nseed = 11\n",
                      "prepare.toml");
}

/// The split as it was made before prepare_data took the data over: copies of every part.
PreparedData split_copies(const RunConfig& cfg, const LoadedData& loaded) {
  PreparedData d;
  data::Split parts;
  if (!loaded.test && !loaded.dev) {
    const data::SplitFractions f = cfg.data.split
        ? data::SplitFractions{(*cfg.data.split)[0], (*cfg.data.split)[1], (*cfg.data.split)[2]}
        : data::default_split(loaded.train.size());
    parts = data::split(loaded.train, f, cfg.train.seed);
  } else {
    parts = data::split_with_files(loaded.train, loaded.dev, loaded.test ? *loaded.test : data::Dataset{},
                                   cfg.train.seed);
  }
  d.train = parts.train;
  d.dev = parts.dev;
  d.test = parts.test;
  standardize(cfg, d);
  return d;
}

void expect_same(const data::Dataset& a, const data::Dataset& b) {
  EXPECT_EQ(a.X, b.X);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_EQ(a.class_names, b.class_names);
}

TEST(PrepareData, TakingTheLoadedDataOverHoldsItOnce) {
  for (const std::string& lines : {std::string(), std::string("split = [0.7, 0.2, 0.1]\n"),
                                   "test = \"" + kIris + "\"\n",
                                   "test = \"" + kIris + "\"\ndev = \"" + kIris + "\"\n"}) {
    SCOPED_TRACE(lines);
    const RunConfig cfg = config(lines);
    const PreparedData expected = split_copies(cfg, load_data(cfg));
    const LoadedData kept = load_data(cfg);
    const PreparedData copied = prepare_data(cfg, kept);  // the const& overload
    LoadedData loaded = load_data(cfg);
    [[maybe_unused]] const float* before = loaded.train.X.data();
    const PreparedData taken = prepare_data(cfg, std::move(loaded));
    for (const PreparedData* d : {&copied, &taken}) {
      expect_same(d->train, expected.train);
      expect_same(d->dev, expected.dev);
      expect_same(d->test, expected.test);
    }
#ifndef MLP_REALLOC_MAY_MOVE
    EXPECT_EQ(taken.train.X.data(), before) << "the training examples were copied";
#endif
  }
}

void expect_same_preparation(const PreparedData& a, const PreparedData& b) {
  for (const auto& [x, y] : {std::pair{&a.train, &b.train}, std::pair{&a.dev, &b.dev}, std::pair{&a.test, &b.test}}) {
    expect_same(*x, *y);
    EXPECT_EQ(x->Y, y->Y);
    EXPECT_EQ(x->feature_names, y->feature_names);
  }
  EXPECT_EQ(a.standardized, b.standardized);
  EXPECT_EQ(a.normalization.features.mean(), b.normalization.features.mean());
  EXPECT_EQ(a.normalization.features.stddev(), b.normalization.features.stddev());
  ASSERT_EQ(a.normalization.targets.has_value(), b.normalization.targets.has_value());
  if (a.normalization.targets) {
    EXPECT_EQ(a.normalization.targets->mean(), b.normalization.targets->mean());
    EXPECT_EQ(a.normalization.targets->stddev(), b.normalization.targets->stddev());
  }
  EXPECT_EQ(a.categorical.width(), b.categorical.width());
  EXPECT_EQ(a.class_weights, b.class_weights);
  EXPECT_EQ(a.imputer.has_value(), b.imputer.has_value());
  EXPECT_EQ(a.warnings, b.warnings);
}

// `mlp train` trains on the split its lint checks ran on (the files read once): normalized,
// it is the split prepare_data() makes.
TEST(PrepareData, TheSplitLintCheckedNormalizesToTheTrainingSplit) {
  const std::filesystem::path examples = std::filesystem::path(MLP_SOURCE_DIR) / "examples";
  for (const auto& [file, overrides] :
       {std::pair{"iris.toml", std::vector<std::string>{}},
        std::pair{"subscriptions.toml", std::vector<std::string>{}},  // one-hot columns, class weights
        std::pair{"boston_housing.toml", std::vector<std::string>{"data.normalize_target=true"}},
        std::pair{"boston_housing.toml", std::vector<std::string>{"data.normalize=\"none\""}},
        std::pair{"iris.toml", std::vector<std::string>{"data.missing=\"mean\""}}}) {
    SCOPED_TRACE(file);
    RunConfig cfg = load_config(examples / file, overrides);
    resolve_data_paths(cfg, examples);
    std::optional<PreparedData> checked;
    (void)config::lint(cfg, {}, checked);
    ASSERT_TRUE(checked.has_value());
    normalize(cfg, *checked);
    expect_same_preparation(*checked, prepare_data(cfg));
  }
}

// The model `mlp train` trains after its checks (on their split) is the model it trains without
// them (--no-lint: the files read again), bit for bit.
TEST(PrepareData, TrainingOnTheCheckedSplitGivesTheSameModel) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "mlp-prepare-XXXXXX").string();
  const std::filesystem::path dir = ::mkdtemp(tmpl.data());
  const std::filesystem::path examples = std::filesystem::path(MLP_SOURCE_DIR) / "examples";
  for (const char* file : {"subscriptions.toml", "boston_housing.toml"}) {
    SCOPED_TRACE(file);
    std::vector<Vector<float>> theta;
    for (const bool lint : {true, false}) {
      config::TrainRunOptions o;
      o.config = examples / file;
      o.out = dir / (std::string(file) + (lint ? ".lint" : ".no-lint"));
      o.overrides = {"train.epochs=3"};
      o.lint = lint;
      const config::TrainRunResult r = config::train_run(o);
      theta.push_back(Model::load(r.model).network().params().theta());
    }
    EXPECT_EQ(theta[0], theta[1]);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mlp
