// `mlp search` as a library function (config/search.hpp): the [search] table read into a space
// (names resolved through the key table, distributions checked, errors at file:line:col), the
// table accepted by the other commands, and a search whose best trial is the lowest mean CV
// cost and equals `mlp cv` of the configuration it writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "mlp/config/commands.hpp"
#include "mlp/config/search.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/tensor.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBase =
    "[data]\ntrain = \"iris.csv\"\ntarget = \"species\"\n[model]\nhidden = [6]\n"
    "[train]\nlearning_rate = 0.01\nbatch_size = 32\nepochs = 5\nseed = 3\n";  // 10 lines

struct Workspace {
  fs::path dir;
  Workspace() {
    std::string tmpl = (fs::temp_directory_path() / "mlp-search-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    fs::copy_file(fs::path(MLP_SOURCE_DIR) / "examples/data/iris.csv", dir / "iris.csv");
  }
  ~Workspace() { fs::remove_all(dir); }
  /// The base configuration with `search` appended (its first line is line 11).
  fs::path config(const std::string& search, const std::string& name = "run.toml") const {
    std::ofstream(dir / name) << kBase << search;
    return dir / name;
  }
};

std::string error_of(const fs::path& config) {
  try {
    (void)config::read_search_space(config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SearchSpace, ShortDottedAndNestedNamesResolveThroughTheKeyTable) {
  const Workspace ws;
  const auto space = config::read_search_space(ws.config(
      "[search]\n"
      "learning_rate = {log_uniform = [1e-4, 1e-1]}\n"
      "hidden = {choice = [[64], [128, 64]]}\n"
      "\"train.l2\" = {uniform = [0.0, 0.01], steps = 3}\n"
      "early_stopping.patience = {choice = [2, 4]}\n"
      "batch_size = {log_uniform = [8, 64]}\n"
      "[search.model]\n"
      "keep_prob = {choice = [0.8, 1.0]}\n"));
  std::vector<std::string> names;
  for (const auto& d : space.dimensions) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"train.learning_rate", "model.hidden", "train.l2",
                                             "train.early_stopping.patience", "train.batch_size",
                                             "model.keep_prob"}));
  EXPECT_EQ(space.dimensions[0].distribution, search::Distribution::log_uniform);
  EXPECT_EQ(space.dimensions[0].lo, 1e-4);
  EXPECT_FALSE(space.dimensions[0].integer);
  EXPECT_EQ(space.dimensions[1].choices[1], (nlohmann::json{128, 64}));
  EXPECT_EQ(space.dimensions[2].steps, 3u);
  EXPECT_TRUE(space.dimensions[4].integer);  // batch_size: rounded
}

TEST(SearchSpace, ErrorsNameFileLineColumnTheEntryAndTheFix) {
  const Workspace ws;
  const auto expect = [&](const std::string& search, const std::string& part) {
    const std::string msg = error_of(ws.config("[search]\n" + search));
    EXPECT_NE(msg.find(part), std::string::npos) << "for " << search << "\ngot: " << msg;
  };
  expect("learning_rat = {choice = [0.1]}\n",
         "run.toml:12:1: error: unknown key search.learning_rat (did you mean 'learning_rate'?)");
  expect("patience = {choice = [1]}\n", "run.toml:12:1: error: search.patience is ambiguous: it could be "
                                        "train.schedule.patience or train.early_stopping.patience");
  expect("learning_rate = {log_uniform = [0.0, 0.1]}\n",
         "run.toml:12:32: error: search.learning_rate: log_uniform bounds must be > 0");
  expect("l2 = {uniform = [0.2, 0.1]}\n", "run.toml:12:17: error: search.l2: uniform bounds out of order");
  expect("hidden = {choice = []}\n", "run.toml:12:20: error: search.hidden: choice must be a non-empty list");
  expect("hidden = {uniform = [1, 2]}\n", "search.hidden: model.hidden is not a number");
  expect("l2 = {uniform = [0.0, 0.1], step = 2}\n", "unknown field step (did you mean 'steps'?)");
  expect("l2 = {choice = [0.1], uniform = [0.0, 0.1]}\n", "give exactly one of choice, uniform, log_uniform");
  expect("learning_rate = {choice = [0.1, -1.0]}\n",
         "run.toml:12:33: error: search.train.learning_rate: the value -1.0 is refused: "
         "train.learning_rate must be > 0 and finite (got -1)");
  expect("l2 = {choice = [0.1]}\n\"train.l2\" = {choice = [0.2]}\n", "run.toml:13:1: error: search.train.l2: train.l2 is already searched (");
  expect("l2 = 0.1\n", "run.toml:12:6: error: search.l2 must be a table");
  expect("", "empty [search] table");
  EXPECT_NE(error_of(ws.config("")).find("run.toml: error: no [search] table"), std::string::npos);
  // Every problem at once, in the order written.
  const std::string both = error_of(ws.config("[search]\nl2 = {uniform = [0.2, 0.1]}\nhidden = {choice = []}\n"));
  EXPECT_LT(both.find("run.toml:12:"), both.find("run.toml:13:")) << both;
}

TEST(SearchSpace, OtherCommandsReadTheFileWithTheTableAndSayWhereItIs) {
  const Workspace ws;
  const RunConfig cfg = load_config(ws.config("\n[search]\nl2 = {choice = [0.1]}\n"));
  EXPECT_EQ(cfg.search_table, (ws.dir / "run.toml").string() + ":12:1");
  EXPECT_TRUE(load_config(ws.config("")).search_table.empty());
  try {
    std::ofstream(ws.dir / "flat.toml") << "search = 3\n" << kBase;
    (void)load_config(ws.dir / "flat.toml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("search must be a table"), std::string::npos) << e.what();
  }
  try {
    (void)load_config(ws.config("[serach]\n", "typo.toml"));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'search'"), std::string::npos) << e.what();
  }
}

TEST(SearchRun, BestTrialIsTheLowestMeanAndMatchesCrossValidationOfItsConfig) {
  const Workspace ws;
  config::SearchRunOptions o;
  o.config = ws.config("[search]\nlearning_rate = {log_uniform = [1e-3, 1e-1]}\nhidden = {choice = [[4], [8]]}\n");
  o.trials = 5;
  o.folds = 3;
  o.threads = 2;
  o.out = ws.dir / "out";
  const int threads_before = threads();
  const config::SearchRunResult r = config::search_run(o);
  EXPECT_EQ(threads(), threads_before);  // the kernel threads are given back
  ASSERT_TRUE(r.search.best);
  const auto& best = r.search.trials[*r.search.best];
  for (const auto& t : r.search.trials) EXPECT_LE(best.score.mean, t.score.mean);
  EXPECT_TRUE(fs::exists(r.config));
  EXPECT_TRUE(fs::exists(r.json));
  EXPECT_TRUE(fs::exists(r.report));

  // The written configuration, cross-validated as `mlp cv` does (one kernel thread, like the
  // trials), gives the best trial's mean and variance exactly.
  const CrossValidationResult cv = config::cross_validate(r.config, {"train.threads=1"}, o.folds);
  EXPECT_EQ(cv.mean, best.score.mean);
  EXPECT_EQ(cv.variance, best.score.variance);

  // The same search on one thread: the same JSON apart from the timings.
  o.threads = 1;
  o.out = ws.dir / "out1";
  const config::SearchRunResult one = config::search_run(o);
  EXPECT_EQ(search::to_json(one.search, false), search::to_json(r.search, false));

  // A second search into the same directory is refused; the first one's files stay.
  o.out = ws.dir / "out";
  EXPECT_THROW((void)config::search_run(o), ConfigError);
  EXPECT_TRUE(fs::exists(r.json));
}

TEST(SearchRun, OptionsAreCheckedBeforeTheDirectoryIsTouched) {
  const Workspace ws;
  config::SearchRunOptions o;
  o.config = ws.config("[search]\nhidden = {choice = [[4], [8]]}\nl2 = {uniform = [0.0, 0.1]}\n");
  o.out = ws.dir / "out";
  o.folds = 3;
  o.trials = 0;
  EXPECT_THROW((void)config::search_run(o), ConfigError);  // random needs trials
  o.method = search::Method::grid;
  try {
    (void)config::search_run(o);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("run.toml:13:1: error: search.train.l2: a grid search needs `steps`"),
              std::string::npos) << e.what();
  }
  o.config = ws.config("[search]\nhidden = {choice = [[4], [8]]}\nepochs = {choice = [2, 3]}\n");
  o.trials = 5;
  try {
    (void)config::search_run(o);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--trials 5 is more than the 4 points"), std::string::npos) << e.what();
  }
  o.method = search::Method::halving;
  try {
    (void)config::search_run(o);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("search.train.epochs: successive halving sets the epochs"),
              std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(o.out));
}

}  // namespace
}  // namespace mlp
