// The commands as library functions (config/commands.hpp): a whole training run into a run
// directory (refusing to overwrite, interrupted and resumed), cross-validation, the gradient
// check and the diagnosis of a run, each from a configuration file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "mlp/config/commands.hpp"
#include "mlp/core/error.hpp"
#include "mlp/io/model.hpp"
#include "mlp/train/checkpoint.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A folder with iris.csv and iris.toml (a small classifier, 6 epochs, checkpoints every 2).
struct Workspace {
  fs::path dir;
  fs::path config;
  Workspace() {
    std::string tmpl = (fs::temp_directory_path() / "mlp-commands-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    fs::copy_file(fs::path(MLP_SOURCE_DIR) / "examples/data/iris.csv", dir / "iris.csv");
    config = dir / "iris.toml";
    std::ofstream(config) << "[data]\ntrain = \"iris.csv\"\ntarget = \"species\"\n[model]\nhidden = [6]\n"
                             "[train]\nlearning_rate = 0.01\nbatch_size = 16\nepochs = 6\nseed = 3\n"
                             "checkpoint_every = 2\nkeep_checkpoints = 2\nl2 = 0.01\n";
  }
  ~Workspace() { fs::remove_all(dir); }
  [[nodiscard]] config::TrainRunOptions options(const std::string& run) const {
    config::TrainRunOptions o;
    o.config = config;
    o.out = dir / run;
    return o;
  }
};

TEST(TrainRun, WritesTheWholeRunDirectory) {
  const Workspace ws;
  config::TrainRunOptions o = ws.options("run");
  int starts = 0;
  o.on_start = [&](const config::TrainRunStart& s) {
    ++starts;
    EXPECT_EQ(s.train_examples + s.dev_examples + s.test_examples, 150);
    EXPECT_EQ(s.features, 4);
    EXPECT_EQ(s.classes, std::optional<Index>(3));
    EXPECT_EQ(s.epochs, 6u);
    EXPECT_FALSE(s.resumed_from.has_value());
  };
  const auto r = config::train_run(o);
  EXPECT_EQ(starts, 1);
  EXPECT_FALSE(r.interrupted);
  EXPECT_EQ(r.training.epochs_run, 6u);
  EXPECT_EQ(r.model, ws.dir / "run" / "model.mlp");
  for (const char* f : {"config.toml", "model.mlp", "metrics.jsonl", "metrics.csv", "report.html", "summary.json"}) {
    EXPECT_TRUE(fs::exists(ws.dir / "run" / f)) << f;
  }
  // summary.json is the --json output, the model named relative to the run directory there.
  std::string summary = r.summary_json;
  const std::string given = nlohmann::json(r.model.string()).dump();
  ASSERT_NE(summary.find(given), std::string::npos) << summary;
  summary.replace(summary.find(given), given.size(), "\"model.mlp\"");
  EXPECT_EQ(read_text(ws.dir / "run" / "summary.json"), summary);
  EXPECT_NE(r.summary_json.find("\"epochs_run\": 6"), std::string::npos) << r.summary_json;
  EXPECT_TRUE(r.dev.has_value());
  EXPECT_TRUE(r.test.has_value());
  EXPECT_EQ(list_checkpoints(ws.dir / "run" / "checkpoints").size(), 2u);  // keep_checkpoints
  EXPECT_EQ(r.last_checkpoint.filename(), list_checkpoints(ws.dir / "run" / "checkpoints").front().filename());
}

// The final summary always has the training-set metrics, under their own key; a run with no
// dev or test set has nothing else, and a note says so before training.
TEST(TrainRun, SummaryHasTrainingSetMetrics) {
  const Workspace ws;
  config::TrainRunOptions o = ws.options("run");
  o.overrides = {"data.split=[1, 0, 0]"};
  std::vector<std::string> notes;
  o.on_note = [&](const std::string& n) { notes.push_back(n); };
  const auto r = config::train_run(o);
  ASSERT_TRUE(r.train.has_value());
  EXPECT_TRUE(r.train->accuracy.has_value());
  EXPECT_FALSE(r.dev.has_value());
  EXPECT_FALSE(r.test.has_value());
  EXPECT_NE(r.summary_json.find("\"train\": {"), std::string::npos) << r.summary_json;
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("no dev or test set"), std::string::npos) << notes[0];

  config::TrainRunOptions held_out = ws.options("run2");
  notes.clear();
  held_out.on_note = o.on_note;
  const auto r2 = config::train_run(held_out);
  EXPECT_TRUE(r2.train.has_value() && r2.dev.has_value() && r2.test.has_value());
  EXPECT_TRUE(notes.empty());
  // The held-out sets' detailed scores agree with their metrics; none without held-out data.
  EXPECT_FALSE(r.dev_scores.has_value() || r.test_scores.has_value());
  ASSERT_TRUE(r2.dev_scores.has_value() && r2.test_scores.has_value());
  if (r2.test->accuracy) {
    ASSERT_TRUE(r2.test_scores->classification.has_value());
    EXPECT_DOUBLE_EQ(r2.test_scores->classification->accuracy, *r2.test->accuracy);
    EXPECT_EQ(r2.test_scores->classification->confusion, r2.test->confusion);
    EXPECT_NE(r2.summary_json.find("\"macro_avg\""), std::string::npos) << r2.summary_json;
  } else {
    ASSERT_FALSE(r2.test_scores->targets.empty());
    EXPECT_NEAR(r2.test_scores->targets[0].rmse, *r2.test->rmse, 1e-4 * *r2.test->rmse);
  }
  EXPECT_NE(r2.summary_json.find("\"scores\": {"), std::string::npos) << r2.summary_json;
}

TEST(TrainRun, RefusesAnExistingRunUnlessForced) {
  const Workspace ws;
  (void)config::train_run(ws.options("run"));
  EXPECT_THROW((void)config::train_run(ws.options("run")), ConfigError);
  config::TrainRunOptions o = ws.options("run");
  o.force = true;
  EXPECT_FALSE(config::train_run(o).interrupted);
}

TEST(TrainRun, WarnsAboutABatchLargerThanTheTrainingSet) {
  const Workspace ws;
  config::TrainRunOptions o = ws.options("run");
  o.overrides = {"train.batch_size=1000", "train.epochs=1"};
  std::vector<std::string> warnings;
  o.on_warning = [&](const std::string& w) { warnings.push_back(w); };
  (void)config::train_run(o);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("train.batch_size 1000 is larger than"), std::string::npos) << warnings[0];
}

TEST(TrainRun, StoppedRunResumesToTheUninterruptedResult) {
  const Workspace ws;
  (void)config::train_run(ws.options("ref"));
  config::TrainRunOptions o = ws.options("run");
  int batches = 0;
  o.stop_requested = [&] { return ++batches > 20; };  // within epoch 3
  const auto stopped = config::train_run(o);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_TRUE(stopped.summary_json.empty());
  EXPECT_FALSE(fs::exists(ws.dir / "run" / "model.mlp"));
  EXPECT_TRUE(fs::exists(stopped.last_checkpoint));
  EXPECT_THROW((void)config::train_run(ws.options("run")), ConfigError);  // holds a run now

  config::TrainRunOptions again;
  again.out = ws.dir / "run";
  again.resume = true;
  std::optional<fs::path> resumed;
  again.on_start = [&](const config::TrainRunStart& s) { resumed = s.resumed_from; };
  const auto done = config::train_run(again);
  EXPECT_FALSE(done.interrupted);
  EXPECT_EQ(resumed, std::optional<fs::path>(stopped.last_checkpoint));
  EXPECT_EQ(read_text(ws.dir / "run" / "model.mlp"), read_text(ws.dir / "ref" / "model.mlp"));
}

TEST(TrainRun, ResumeNeedsARun) {
  const Workspace ws;
  config::TrainRunOptions o = ws.options("empty");
  o.resume = true;
  EXPECT_THROW((void)config::train_run(o), ConfigError);
}

/// The message of the ConfigError `f` throws ("(no error)" when it returns).
template <class F>
std::string config_error(F f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TrainRun, ResumeRefusesEveryChangedSettingButTheResumeSafeOnes) {
  const Workspace ws;
  config::TrainRunOptions o = ws.options("run");
  int batches = 0;
  o.stop_requested = [&] { return ++batches > 20; };  // within epoch 3, after the checkpoint of epoch 2
  ASSERT_TRUE(config::train_run(o).interrupted);
  const fs::path run = ws.dir / "run";
  const std::string saved = read_text(run / "config.toml");
  const std::string data = "../iris.csv";  // as config.toml records it: relative to the run
  config::TrainRunOptions again;
  again.out = run;
  again.resume = true;

  // --set: every changed key on its own line with both values; train.epochs may change.
  again.overrides = {"train.learning_rate=0.5", "data.train=other.csv", "train.epochs=8"};
  std::string msg = config_error([&] { (void)config::train_run(again); });
  EXPECT_NE(msg.find("--set train.learning_rate=0.5: error: train.learning_rate = 0.5, but the run was trained with "
                     "train.learning_rate = 0.01\n"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("--set data.train=other.csv: error: data.train = \"other.csv\", but the run was trained with "
                     "data.train = \"" + data + "\"\n"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("train.epochs ="), std::string::npos) << msg;
  EXPECT_NE(msg.find(run.string() + ": error: --resume: 2 settings differ from the run's (recorded in " +
                     (run / "checkpoints").string()),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("only train.epochs, train.on_divergence, train.max_recoveries, train.checkpoint_every, "
                     "train.keep_checkpoints may change"),
            std::string::npos);
  EXPECT_EQ(read_text(run / "config.toml"), saved);
  EXPECT_FALSE(fs::exists(run / "model.mlp"));

  // An edited config.toml: the run's own record of what it was trained with is the checkpoint.
  std::string edited = saved;
  const auto at = edited.find("l2 = 0.01");
  ASSERT_NE(at, std::string::npos) << saved;
  edited.replace(at, 9, "l2 = 0.1");
  std::ofstream(run / "config.toml") << edited;
  again.overrides = {};
  msg = config_error([&] { (void)config::train_run(again); });
  EXPECT_NE(msg.find((run / "config.toml").string() + ":"), std::string::npos) << msg;
  EXPECT_NE(msg.find("error: train.l2 = 0.1, but the run was trained with train.l2 = 0.01"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1 setting differs"), std::string::npos) << msg;
  std::ofstream(run / "config.toml") << saved;

  // CONFIG with --out: compared the same way, each change at its line in CONFIG.
  const fs::path other = ws.dir / "other.toml";
  std::ofstream(other) << "[data]\ntrain = \"iris.csv\"\ntarget = \"species\"\n[model]\nhidden = [7]\n"
                          "[train]\nlearning_rate = 0.01\nbatch_size = 16\nepochs = 6\nseed = 3\n"
                          "checkpoint_every = 2\nkeep_checkpoints = 2\nl2 = 0.01\n";
  config::TrainRunOptions with_config = again;
  with_config.config = other;
  msg = config_error([&] { (void)config::train_run(with_config); });
  EXPECT_NE(msg.find(other.string() + ":5:10: error: model.hidden = [7], but the run was trained with model.hidden = [6]"),
            std::string::npos)
      << msg;

  // The resume-safe keys: training longer, with config.toml and the model's record updated.
  again.overrides = {"train.epochs=8", "train.keep_checkpoints=1"};
  const auto r = config::train_run(again);
  EXPECT_EQ(r.training.epochs_run, 8u);
  const std::string now = read_text(run / "config.toml");
  EXPECT_NE(now.find("epochs = 8\n"), std::string::npos) << now;
  EXPECT_EQ(Model::load(r.model).info().at("config"), now);
  EXPECT_EQ(list_checkpoints(run / "checkpoints").size(), 1u);
}

TEST(CrossValidateCommand, FoldsOverAllLabelledData) {
  const Workspace ws;
  std::size_t calls = 0;
  const auto r = config::cross_validate(ws.config, {"train.epochs=2"}, 3,
                                        [&](std::size_t, std::size_t, const FoldResult&) { ++calls; });
  EXPECT_EQ(calls, 3u);
  ASSERT_EQ(r.folds.size(), 3u);
  EXPECT_EQ(r.examples, 150);
  for (const auto& f : r.folds) EXPECT_EQ(f.dev_examples, 50);
  EXPECT_TRUE(r.mean_accuracy.has_value());
  try {
    (void)config::cross_validate(ws.config, {}, 151);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "--folds 151: only 150 examples to share");
  }
}

TEST(GradientCheckCommand, ChecksTheConfiguredNetworkWithItsPenalties) {
  const Workspace ws;
  const auto r = config::gradient_check(ws.config, {}, 8, 1e-7, 1e-6);
  EXPECT_TRUE(r.check.result.passed) << r.check.result.relative_error;
  EXPECT_TRUE(r.l2);
  EXPECT_FALSE(r.l1);
  EXPECT_EQ(r.check.examples, 8);
  EXPECT_EQ(r.check.parameters, std::size_t{4 * 6 + 6 + 6 * 3 + 3});
  EXPECT_FALSE(config::gradient_check(ws.config, {"train.l2=0"}, 8, 1e-7, 1e-6).l2);
}

TEST(GradientCheckCommand, RefusesNonFiniteOrOutOfRangeParameters) {
  const Workspace ws;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(config_error([&] { (void)config::gradient_check(ws.config, {}, 8, nan, 1e-6); }),
            "gradient check: epsilon must be > 0 and finite (got nan)");
  EXPECT_EQ(config_error([&] { (void)config::gradient_check(ws.config, {}, 8, 1e-7, nan); }),
            "gradient check: threshold must be > 0 and finite (got nan)");
  EXPECT_EQ(config_error([&] { (void)config::gradient_check(ws.config, {}, 8, inf, 1e-6); }),
            "gradient check: epsilon must be > 0 and finite (got inf)");
  EXPECT_EQ(config_error([&] { (void)config::gradient_check(ws.config, {}, 0, 1e-7, 1e-6); }),
            "gradient check: examples must be an integer in [1, 100000] (got 0)");
  EXPECT_EQ(config_error([&] { (void)config::cross_validate(ws.config, {}, 1); }),
            "cross-validation: folds must be an integer in [2, 1000] (got 1)");
  report::DiagnosisOptions d;
  d.baseline_error = -inf;
  EXPECT_EQ(config_error([&] { (void)config::diagnose_run(ws.dir, d); }),
            "diagnosis: baseline error must be >= 0 and finite (got -inf)");
}

TEST(RunSettings, CopiesWhatTheRunAlreadyDoes) {
  const RunConfig cfg = parse_config(
      "[data]\ntrain = \"t.csv\"\ntarget = \"y\"\n[model]\nhidden = [4, 4]\nkeep_prob = [0.8, 0.6]\n"
      "[train]\nlearning_rate = 0.02\nl2 = 0.5\nepochs = 9\n[train.early_stopping]\npatience = 4\n",
      "cfg.toml");
  const report::RunSettings s = config::run_settings(cfg);
  EXPECT_EQ(s.optimizer, "adam");
  EXPECT_EQ(s.learning_rate, 0.02);
  EXPECT_EQ(s.l2, 0.5);
  EXPECT_EQ(s.min_keep_prob, 0.6);
  EXPECT_TRUE(s.early_stopping);
  EXPECT_EQ(s.patience, 4);
  EXPECT_EQ(s.epochs, 9);
  EXPECT_EQ(s.schedule, "constant");
  EXPECT_EQ(s.clip_norm, 0.0);
}

TEST(RunSettings, CopiesScheduleClippingArchitectureAndInitialization) {
  const RunConfig cfg = parse_config(
      "[data]\ntrain = \"t.csv\"\ntarget = \"y\"\n[model]\nhidden = [8, 6]\nactivation = [\"tanh\", \"relu\"]\n"
      "init = \"normal\"\ninit_scale = 0.5\n"
      "[train]\nclip_norm = 1.0\n[train.schedule]\ntype = \"exponential\"\n",
      "cfg.toml");
  const report::RunSettings s = config::run_settings(cfg);
  EXPECT_EQ(s.schedule, "exponential");
  EXPECT_EQ(s.clip_norm, 1.0);
  EXPECT_EQ(s.hidden, (std::vector<std::int64_t>{8, 6}));
  EXPECT_EQ(s.activation, (std::vector<std::string>{"tanh", "relu"}));
  EXPECT_EQ(s.init, "normal");
  EXPECT_EQ(s.init_scale, 0.5);
  EXPECT_EQ(s.init_gain, 1.0);
}

TEST(DiagnoseRun, ReadsTheRunDirectory) {
  const Workspace ws;
  (void)config::train_run(ws.options("run"));
  const report::Diagnosis d = config::diagnose_run(ws.dir / "run");
  EXPECT_FALSE(report::to_text(d).empty());
  EXPECT_THROW((void)config::diagnose_run(ws.dir / "nowhere"), InputError);
}

}  // namespace
}  // namespace mlp
