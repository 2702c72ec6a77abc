// The metrics files of `mlp train` (config::train_run): one line appended per epoch, never a
// rewrite; --resume cuts them back to the checkpoint's epochs, dropping a partial last line and
// duplicating nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "mlp/config/commands.hpp"
#include "mlp/core/error.hpp"
#include "mlp/train/checkpoint.hpp"
#include "mlp/train/metrics_log.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

/// The first `n` lines of `text`.
std::string head(const std::string& text, std::size_t n) {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < n; ++i) pos = text.find('\n', pos) + 1;
  return text.substr(0, pos);
}

struct Workspace {
  fs::path dir;
  fs::path config;
  Workspace() {
    std::string tmpl = (fs::temp_directory_path() / "mlp-metrics-files-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    fs::copy_file(fs::path(MLP_SOURCE_DIR) / "examples/data/iris.csv", dir / "iris.csv");
    config = dir / "iris.toml";
    std::ofstream(config) << "[data]\ntrain = \"iris.csv\"\ntarget = \"species\"\n[model]\nhidden = [6]\n"
                             "[train]\nlearning_rate = 0.01\nbatch_size = 16\nepochs = 6\nseed = 3\n"
                             "checkpoint_every = 2\nkeep_checkpoints = 0\n";
  }
  ~Workspace() { fs::remove_all(dir); }
  [[nodiscard]] config::TrainRunOptions options(const std::string& run) const {
    config::TrainRunOptions o;
    o.config = config;
    o.out = dir / run;
    return o;
  }
};

/// At each epoch's end (after the run's own callback): the inode and line count of both files.
struct Watch : Callback {
  fs::path dir;
  std::vector<ino_t> inodes;
  std::vector<std::size_t> jsonl_lines, csv_lines;
  bool on_epoch_end(const EpochMetrics&) override {
    struct stat a {}, b {};
    ::stat((dir / "metrics.jsonl").c_str(), &a);
    ::stat((dir / "metrics.csv").c_str(), &b);
    inodes.push_back(a.st_ino);
    inodes.push_back(b.st_ino);
    jsonl_lines.push_back(lines(read_text(dir / "metrics.jsonl")));
    csv_lines.push_back(lines(read_text(dir / "metrics.csv")));
    return true;
  }
};

TEST(TrainRunMetrics, EachEpochAppendsOneLineToTheSameFiles) {
  const Workspace ws;
  config::TrainRunOptions o = ws.options("run");
  Watch watch;
  watch.dir = ws.dir / "run";
  o.callbacks = {&watch};
  (void)config::train_run(o);
  ASSERT_EQ(watch.jsonl_lines.size(), 6u);
  for (std::size_t e = 0; e < 6; ++e) {
    EXPECT_EQ(watch.jsonl_lines[e], e + 1);
    EXPECT_EQ(watch.csv_lines[e], e + 2);  // the header, then one row per epoch
    // Appended in place: an atomic rewrite would give each epoch a new file (a new inode).
    EXPECT_EQ(watch.inodes[2 * e], watch.inodes[0]) << "metrics.jsonl replaced at epoch " << e + 1;
    EXPECT_EQ(watch.inodes[2 * e + 1], watch.inodes[1]) << "metrics.csv replaced at epoch " << e + 1;
  }
  const auto log = read_metrics_jsonl(ws.dir / "run" / "metrics.jsonl");
  ASSERT_EQ(log.history.size(), 6u);
  EXPECT_EQ(log.history[0].train_cost, TrainCost::running_mean);
  EXPECT_NE(read_text(ws.dir / "run" / "metrics.csv").find("objective,train_cost,train_loss"), std::string::npos);
}

TEST(TrainRunMetrics, ResumeCutsTheFilesBackToTheCheckpointWithoutDuplicates) {
  const Workspace ws;
  (void)config::train_run(ws.options("run"));
  const fs::path run = ws.dir / "run";
  const std::string jsonl = read_text(run / "metrics.jsonl"), csv = read_text(run / "metrics.csv");
  // As if killed while writing epoch 6's lines, after the checkpoint of epoch 4: the checkpoint of
  // epoch 6 never made it, both files end in a partial line, and the user keeps a file of their own.
  const auto ckpts = list_checkpoints(run / "checkpoints");  // newest first
  ASSERT_EQ(ckpts.size(), 3u);
  fs::remove(ckpts[0]);
  std::ofstream(run / "metrics.jsonl", std::ios::binary) << head(jsonl, 5) << "{\"epoch\":6,\"learning_ra";
  std::ofstream(run / "metrics.csv", std::ios::binary) << head(csv, 6) << "6,0.01,0.3";
  std::ofstream(run / "notes.txt") << "mine\n";

  config::TrainRunOptions again;
  again.out = run;
  again.resume = true;
  std::vector<std::size_t> at_start;
  again.on_start = [&](const config::TrainRunStart&) {
    at_start = {lines(read_text(run / "metrics.jsonl")), lines(read_text(run / "metrics.csv"))};
  };
  (void)config::train_run(again);
  EXPECT_EQ(at_start, (std::vector<std::size_t>{4, 5}));  // the checkpoint's 4 epochs
  const std::string jsonl2 = read_text(run / "metrics.jsonl"), csv2 = read_text(run / "metrics.csv");
  EXPECT_EQ(lines(jsonl2), 6u);
  EXPECT_EQ(lines(csv2), 7u);
  EXPECT_EQ(head(jsonl2, 4), head(jsonl, 4));  // the checkpoint's epochs, byte for byte
  EXPECT_EQ(head(csv2, 5), head(csv, 5));
  const auto log = read_metrics_jsonl(run / "metrics.jsonl");
  ASSERT_EQ(log.history.size(), 6u);
  const auto ref = parse_metrics_jsonl(jsonl);
  for (std::size_t e = 0; e < 6; ++e) {
    EXPECT_EQ(log.history[e].epoch, e + 1);
    EXPECT_EQ(log.history[e].train.loss, ref.history[e].train.loss) << "epoch " << e + 1;
  }
  EXPECT_EQ(read_text(run / "notes.txt"), "mine\n");
}

TEST(TrainRunMetrics, AResumeInsideAnEpochReportsTheSameRunningMean) {
  const Workspace ws;
  (void)config::train_run(ws.options("ref"));
  config::TrainRunOptions o = ws.options("run");
  int batches = 0;
  o.stop_requested = [&] { return ++batches > 24; };  // inside epoch 3 (10 batches per epoch)
  ASSERT_TRUE(config::train_run(o).interrupted);
  config::TrainRunOptions again;
  again.out = ws.dir / "run";
  again.resume = true;
  (void)config::train_run(again);
  const auto a = read_metrics_jsonl(ws.dir / "ref" / "metrics.jsonl");
  const auto b = read_metrics_jsonl(ws.dir / "run" / "metrics.jsonl");
  ASSERT_EQ(b.history.size(), 6u);
  for (std::size_t e = 0; e < 6; ++e) {
    EXPECT_EQ(b.history[e].train.loss, a.history[e].train.loss) << "epoch " << e + 1;
    EXPECT_EQ(b.history[e].train.accuracy, a.history[e].train.accuracy) << "epoch " << e + 1;
  }
}

TEST(TrainRunMetrics, ADeletedRunDirectoryIsAnOutputError) {
  const Workspace ws;
  config::TrainRunOptions o = ws.options("run");
  struct Remove : Callback {
    fs::path dir;
    bool on_batch_end(const BatchInfo& b) override {
      if (b.epoch == 2 && b.batch == 1) fs::remove_all(dir);
      return true;
    }
  } remove;
  remove.dir = ws.dir / "run";
  o.callbacks = {&remove};
  try {
    (void)config::train_run(o);
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(ws.dir / "run"));
}

}  // namespace
}  // namespace mlp
