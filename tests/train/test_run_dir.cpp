// The run directory (train/run_dir.hpp) and checkpoint rotation (train/checkpoint_rotation.hpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/train/checkpoint.hpp"
#include "mlp/train/checkpoint_rotation.hpp"
#include "mlp/train/run_dir.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mlp-rundir-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
  void touch(const std::string& name) const { std::ofstream(path / name) << "x"; }
  [[nodiscard]] bool has(const std::string& name) const { return fs::exists(fs::symlink_status(path / name)); }
};

TEST(RunDir, PrepareCreatesParentsAndRejectsAFile) {
  const TempDir tmp;
  prepare_writable_dir(tmp.path / "a" / "b");
  EXPECT_TRUE(fs::is_directory(tmp.path / "a" / "b"));
  EXPECT_TRUE(fs::is_empty(tmp.path / "a" / "b"));  // the write probe is removed
  tmp.touch("file");
  EXPECT_THROW(prepare_writable_dir(tmp.path / "file"), IoError);
  EXPECT_THROW(prepare_writable_dir(tmp.path / "file" / "run"), IoError);
}

TEST(RunDir, TheWriteProbeNeverTouchesAnExistingFile) {
  const TempDir tmp;
  const std::string pid = std::to_string(::getpid());
  for (const std::string& name : {".write-test." + pid, ".write-test." + pid + ".0"}) {
    std::ofstream(tmp.path / name) << "mine";
  }
  prepare_writable_dir(tmp.path);
  for (const std::string& name : {".write-test." + pid, ".write-test." + pid + ".0"}) {
    std::ifstream in(tmp.path / name);
    std::string content;
    std::getline(in, content);
    EXPECT_EQ(content, "mine") << name;
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path), fs::directory_iterator()), 2);
}

TEST(RunDir, LockIsExclusiveUntilReleased) {
  const TempDir tmp;
  {
    const RunLock first(tmp.path);
    EXPECT_THROW(RunLock second(tmp.path), ConfigError);
  }
  EXPECT_NO_THROW(RunLock again(tmp.path));
}

TEST(RunDir, HoldsRunWhenAnyRunFileIsPresent) {
  for (const char* name : {"config.toml", "model.mlp", "metrics.jsonl"}) {
    const TempDir tmp;
    tmp.touch("notes.txt");
    EXPECT_FALSE(holds_run(tmp.path)) << name;
    tmp.touch(name);
    EXPECT_TRUE(holds_run(tmp.path)) << name;
  }
  const TempDir tmp;
  fs::create_directory(tmp.path / "checkpoints");
  EXPECT_TRUE(holds_run(tmp.path));
}

TEST(RunDir, AStartThatNeverTrainedIsNoRun) {
  // What a start that failed before its first epoch leaves: the marker, config.toml, empty
  // metrics files, an empty checkpoints/ — and the user's notes, which change nothing.
  const auto untrained = [] {
    auto tmp = std::make_unique<TempDir>();
    mark_run(tmp->path);
    tmp->touch("config.toml");
    tmp->touch("notes.txt");
    std::ofstream(tmp->path / "metrics.jsonl") << "\n";
    std::ofstream(tmp->path / "metrics.csv") << "epoch,lr\n";
    fs::create_directory(tmp->path / "checkpoints");
    return tmp;
  };
  {
    const auto tmp = untrained();
    EXPECT_TRUE(holds_run(tmp->path));
    EXPECT_TRUE(holds_untrained_start(tmp->path));
    fs::remove(tmp->path / "metrics.jsonl");
    EXPECT_TRUE(holds_untrained_start(tmp->path));
  }
  // Any trace of training makes it a run: an epoch, a model, a checkpoint.
  {
    const auto tmp = untrained();
    std::ofstream(tmp->path / "metrics.jsonl") << "{\"epoch\": 1}\n";
    EXPECT_FALSE(holds_untrained_start(tmp->path));
  }
  {
    const auto tmp = untrained();
    tmp->touch("model.mlp");
    EXPECT_FALSE(holds_untrained_start(tmp->path));
  }
  {
    const auto tmp = untrained();
    tmp->touch("checkpoints/ckpt-000001.mlpck");
    EXPECT_FALSE(holds_untrained_start(tmp->path));
  }
  // Without the marker the files may be the user's: never "untrained".
  {
    const TempDir tmp;
    tmp.touch("config.toml");
    EXPECT_FALSE(holds_untrained_start(tmp.path));
  }
}

TEST(RunDir, MarkerIsWrittenOnceAndRecognised) {
  const TempDir tmp;
  EXPECT_FALSE(is_marked_run(tmp.path));
  mark_run(tmp.path);
  EXPECT_TRUE(is_marked_run(tmp.path));
  std::ifstream in(tmp.path / kRunMarkerName);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "mlp run directory");
  mark_run(tmp.path);  // already there: unchanged
  EXPECT_TRUE(is_marked_run(tmp.path));
  EXPECT_FALSE(holds_run(tmp.path));  // a marker alone is no run
}

TEST(RunDir, AMarkerNameMlpDidNotWriteIsNeitherTrustedNorReplaced) {
  {
    const TempDir tmp;
    std::ofstream(tmp.path / kRunMarkerName) << "my notes\n";
    EXPECT_THROW((void)is_marked_run(tmp.path), ConfigError);
    EXPECT_THROW(mark_run(tmp.path), ConfigError);
    std::ifstream in(tmp.path / kRunMarkerName);
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first, "my notes");
  }
  {
    const TempDir tmp;  // a link to a real marker elsewhere does not make this directory mlp's
    fs::create_directory(tmp.path / "real");
    mark_run(tmp.path / "real");
    fs::create_symlink(tmp.path / "real" / kRunMarkerName, tmp.path / kRunMarkerName);
    EXPECT_THROW((void)is_marked_run(tmp.path), ConfigError);
  }
}

TEST(RunDir, ClearRunRemovesTheRunsFilesOnly) {
  const TempDir tmp;
  mark_run(tmp.path);
  for (const char* f : {"config.toml", "model.mlp", "metrics.jsonl", "metrics.csv", "report.html",
                        "summary.json", "notes.txt", "thesis.tmp.docx", "model.mlp.tmp.7.1"}) {
    tmp.touch(f);
  }
  fs::create_directory(tmp.path / "checkpoints");
  tmp.touch("checkpoints/ckpt-000001.mlpck");
  tmp.touch("checkpoints/ckpt-000002.mlpck.tmp.7.2");
  tmp.touch("checkpoints/weights.pt");
  tmp.touch("checkpoints/ckpt-1.mlpck");  // not one of mlp's names (six digits at least)
  clear_run(tmp.path);
  for (const char* gone : {"config.toml", "model.mlp", "metrics.jsonl", "metrics.csv", "report.html", "summary.json",
                           "model.mlp.tmp.7.1", "checkpoints/ckpt-000001.mlpck", "checkpoints/ckpt-000002.mlpck.tmp.7.2"}) {
    EXPECT_FALSE(tmp.has(gone)) << gone;
  }
  for (const char* kept : {"notes.txt", "thesis.tmp.docx", "checkpoints/weights.pt", "checkpoints/ckpt-1.mlpck",
                           kRunMarkerName}) {
    EXPECT_TRUE(tmp.has(kept)) << kept;
  }
  // checkpoints/ goes when mlp's files were all it held.
  fs::remove(tmp.path / "checkpoints" / "weights.pt");
  fs::remove(tmp.path / "checkpoints" / "ckpt-1.mlpck");
  tmp.touch("checkpoints/ckpt-000003.mlpck");
  clear_run(tmp.path);
  EXPECT_FALSE(tmp.has("checkpoints"));
  EXPECT_FALSE(holds_run(tmp.path));
}

TEST(RunDir, ClearRunRemovesNothingWithoutTheMarker) {
  const TempDir tmp;
  for (const char* f : {"config.toml", "model.mlp", "model.mlp.tmp.7.1"}) tmp.touch(f);
  fs::create_directory(tmp.path / "checkpoints");
  tmp.touch("checkpoints/ckpt-000001.mlpck");
  EXPECT_TRUE(holds_run(tmp.path));  // recognised by its files ...
  EXPECT_EQ(run_files_present(tmp.path), (std::vector<std::string>{"config.toml", "model.mlp", "checkpoints"}));
  EXPECT_THROW(clear_run(tmp.path), ConfigError);  // ... but nothing is deleted
  EXPECT_EQ(remove_stale_temporaries(tmp.path), 0u);
  for (const char* kept : {"config.toml", "model.mlp", "model.mlp.tmp.7.1", "checkpoints/ckpt-000001.mlpck"}) {
    EXPECT_TRUE(tmp.has(kept)) << kept;
  }
}

TEST(RunDir, StaleTemporariesAreRemoved) {
  const TempDir tmp;
  mark_run(tmp.path);
  fs::create_directory(tmp.path / "checkpoints");
  for (const char* f : {"model.mlp.tmp.123.0", "metrics.jsonl.tmp.9.4", ".mlp-run.tmp.9.5", "model.mlp",
                        "checkpoints/ckpt-000004.mlpck.tmp.9.6", "thesis.tmp.docx", "notes.tmp.1.2",
                        "checkpoints/notes.tmp.txt", "checkpoints/weights.pt.tmp.1.2"}) {
    tmp.touch(f);
  }
  EXPECT_EQ(remove_stale_temporaries(tmp.path), 4u);
  for (const char* gone : {"model.mlp.tmp.123.0", "metrics.jsonl.tmp.9.4", ".mlp-run.tmp.9.5",
                           "checkpoints/ckpt-000004.mlpck.tmp.9.6"}) {
    EXPECT_FALSE(tmp.has(gone)) << gone;
  }
  for (const char* kept : {"model.mlp", "thesis.tmp.docx", "notes.tmp.1.2", "checkpoints/notes.tmp.txt",
                           "checkpoints/weights.pt.tmp.1.2"}) {
    EXPECT_TRUE(tmp.has(kept)) << kept;
  }
}

TEST(RunDir, LoadingTheNewestCheckpointDeletesNothing) {
  const TempDir tmp;
  tmp.touch("ckpt-000001.mlpck.tmp.5.0");
  tmp.touch("notes.tmp.txt");
  EXPECT_FALSE(load_newest_checkpoint(tmp.path).has_value());
  EXPECT_TRUE(tmp.has("ckpt-000001.mlpck.tmp.5.0"));
  EXPECT_TRUE(tmp.has("notes.tmp.txt"));
}

Model tiny_model() {
  Network<float> net(ModelBuilder(2).hidden(3, Activation::tanh).output(1, Activation::identity)
                         .loss(Loss::mse).seed(2).build());
  Preprocessing pre;
  pre.feature_names = {"x", "y"};
  pre.target_names = {"z"};
  return Model(std::move(net), std::move(pre));
}

std::vector<std::string> slice_names(const Model& m) {
  std::vector<std::string> names;
  for (const auto& s : m.network().params().slices()) names.push_back(s.name);
  return names;
}

TEST(CheckpointRotation, FileNameHasTheStepInSixDigits) {
  EXPECT_EQ(checkpoint_file_name(42), "ckpt-000042.mlpck");
  EXPECT_EQ(checkpoint_file_name(1234567), "ckpt-1234567.mlpck");
  EXPECT_TRUE(is_checkpoint_file_name(checkpoint_file_name(42)));
  EXPECT_TRUE(is_checkpoint_file_name(checkpoint_file_name(1234567)));
  for (const char* other : {"ckpt-42.mlpck", "ckpt-000042.mlpck.tmp.1.2", "ckpt-000042.mlpckx", "weights.pt"}) {
    EXPECT_FALSE(is_checkpoint_file_name(other)) << other;
  }
}

TEST(CheckpointRotation, KeepsTheNewestAndReturnsThePathWritten) {
  const TempDir tmp;
  const Model model = tiny_model();
  TrainerState state;
  const fs::path dir = tmp.path / "checkpoints";
  for (std::uint64_t step : {3, 6, 9, 12}) {
    state.optimizer.step = step;
    state.epoch = step / 3;
    const fs::path written = save_rotating_checkpoint(dir, model, state, slice_names(model), 2);
    EXPECT_EQ(written, dir / checkpoint_file_name(step));
  }
  const auto left = list_checkpoints(dir);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].filename(), "ckpt-000012.mlpck");
  EXPECT_EQ(left[1].filename(), "ckpt-000009.mlpck");
  EXPECT_EQ(load_checkpoint(left[0]).state.epoch, 4u);
}

TEST(CheckpointRotation, KeepZeroKeepsAll) {
  const TempDir tmp;
  const Model model = tiny_model();
  TrainerState state;
  for (std::uint64_t step = 1; step <= 4; ++step) {
    state.optimizer.step = step;
    (void)save_rotating_checkpoint(tmp.path / "checkpoints", model, state, slice_names(model), 0);
  }
  EXPECT_EQ(list_checkpoints(tmp.path / "checkpoints").size(), 4u);
}

TEST(CheckpointRotation, AMissingRunDirectoryIsNotRecreated) {
  const TempDir tmp;
  const Model model = tiny_model();
  EXPECT_THROW((void)save_rotating_checkpoint(tmp.path / "deleted-run" / "checkpoints", model, TrainerState{},
                                              slice_names(model), 3),
               IoError);
  EXPECT_FALSE(fs::exists(tmp.path / "deleted-run"));
}

}  // namespace
}  // namespace mlp
