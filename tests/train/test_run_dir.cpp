// The run directory (train/run_dir.hpp) and checkpoint rotation (train/checkpoint_rotation.hpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

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

TEST(RunDir, ClearRunRemovesTheRunsFilesOnly) {
  const TempDir tmp;
  for (const char* f : {"config.toml", "model.mlp", "metrics.jsonl", "metrics.csv", "report.html",
                        "summary.json", "notes.txt"}) {
    tmp.touch(f);
  }
  fs::create_directory(tmp.path / "checkpoints");
  tmp.touch("checkpoints/ckpt-000001.mlpck");
  clear_run(tmp.path);
  EXPECT_FALSE(holds_run(tmp.path));
  EXPECT_FALSE(fs::exists(tmp.path / "summary.json"));
  EXPECT_FALSE(fs::exists(tmp.path / "checkpoints"));
  EXPECT_TRUE(fs::exists(tmp.path / "notes.txt"));
}

TEST(RunDir, StaleTemporariesAreRemoved) {
  const TempDir tmp;
  tmp.touch("model.mlp.tmp.123.0");
  tmp.touch("metrics.jsonl.tmp.9.4");
  tmp.touch("model.mlp");
  remove_stale_temporaries(tmp.path);
  EXPECT_FALSE(fs::exists(tmp.path / "model.mlp.tmp.123.0"));
  EXPECT_FALSE(fs::exists(tmp.path / "metrics.jsonl.tmp.9.4"));
  EXPECT_TRUE(fs::exists(tmp.path / "model.mlp"));
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
