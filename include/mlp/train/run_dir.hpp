// The run directory of a training run (`mlp train --out DIR`, config::train_run):
//   config.toml    the resolved configuration (every default filled in, absolute data paths)
//   model.mlp      the trained model (the best dev epoch's weights with early stopping)
//   metrics.jsonl  one JSON object per epoch;  metrics.csv  the same as a table
//   checkpoints/   ckpt-<step>.mlpck, the newest `train.keep_checkpoints` kept
//   report.html    learning curves, gradient norms and the diagnosis, self-contained
//   summary.json   the final result (the --json output of `mlp train`)
//   .lock          held (flock) while a run uses the directory
#pragma once

#include <filesystem>

namespace mlp {

/// An exclusive lock on DIR/.lock for the lifetime of the object (ConfigError when another
/// process holds it, IoError when the lock file cannot be opened).
class RunLock {
 public:
  explicit RunLock(const std::filesystem::path& dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

/// Creates DIR (and parents) and checks that files can be created in it (IoError otherwise).
void prepare_writable_dir(const std::filesystem::path& dir);

/// True when DIR holds the files of a previous run (config.toml, model.mlp, metrics.jsonl or
/// checkpoints/).
[[nodiscard]] bool holds_run(const std::filesystem::path& dir);

/// Removes the files of a previous run from DIR (for --force): the files listed above and
/// checkpoints/; anything else in DIR stays.
void clear_run(const std::filesystem::path& dir);

/// Removes temporary files (`NAME.tmp.<pid>.<n>`) that a killed run left in DIR. Call it while
/// holding the RunLock: no other writer can be using them then.
void remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace mlp
