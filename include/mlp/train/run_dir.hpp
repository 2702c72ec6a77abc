// The run directory of a training run (`mlp train --out DIR`, config::train_run):
//   .mlp-run       the marker: written when a run starts in the directory (docs/cli.md)
//   config.toml    the resolved configuration (every default filled in, data paths relative to
//                  the directory: config::with_data_paths_relative_to)
//   model.mlp      the trained model (the best dev epoch's weights with early stopping)
//   metrics.jsonl  one JSON object per epoch;  metrics.csv  the same as a table
//   checkpoints/   ckpt-<step>.mlpck, the newest `train.keep_checkpoints` kept
//   report.html    learning curves, gradient norms and the diagnosis, self-contained
//   summary.json   the final result (the --json output of `mlp train`)
//   .lock          held (flock) while a run uses the directory
//
// mlp deletes files only in a directory that holds its marker, and only files of the names
// above (and their temporaries, `NAME.tmp.<pid>.<n>`): anything else in the directory or in
// checkpoints/ is the user's and stays. A directory with run files but no marker (written by an
// older mlp, or a user's own config.toml / checkpoints/) is recognised as holding a run; it can be
// resumed, but nothing in it is ever deleted and --force refuses it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mlp {

/// The marker's file name, `.mlp-run`.
inline constexpr const char* kRunMarkerName = ".mlp-run";

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

/// True when DIR holds the marker mlp writes into a run directory: a regular file (not a link)
/// `.mlp-run` whose first line is mlp's. ConfigError when DIR/.mlp-run exists but is not that
/// (mlp neither trusts nor overwrites it).
[[nodiscard]] bool is_marked_run(const std::filesystem::path& dir);

/// Writes the marker into DIR (atomically), making it a directory whose run files mlp may
/// delete; nothing when it is there already. IoError when it cannot be written.
void mark_run(const std::filesystem::path& dir);

/// The run files present in DIR: those of config.toml, model.mlp, metrics.jsonl and
/// checkpoints/ that exist (with or without the marker). Empty when DIR holds no run.
[[nodiscard]] std::vector<std::string> run_files_present(const std::filesystem::path& dir);

/// True when DIR holds the files of a previous run (run_files_present is not empty).
[[nodiscard]] bool holds_run(const std::filesystem::path& dir);

/// True when DIR is a marked run directory (is_marked_run) of a start that never trained: no
/// model.mlp, no checkpoint file in checkpoints/, and no epoch in metrics.jsonl (absent or
/// blank). What such a start left (the marker, config.toml, empty metrics files) is no run: a
/// new run may replace it without --force (clear_run). False for a directory without the marker.
[[nodiscard]] bool holds_untrained_start(const std::filesystem::path& dir);

/// Removes the files of a previous run from DIR (for --force): config.toml, model.mlp,
/// metrics.jsonl, metrics.csv, report.html, summary.json, the checkpoint files in checkpoints/
/// (and checkpoints/ itself when that leaves it empty), and their temporaries. Anything else in
/// DIR or in checkpoints/ stays. ConfigError (nothing removed) when DIR is not a marked run.
void clear_run(const std::filesystem::path& dir);

/// Removes the temporary files (`NAME.tmp.<pid>.<n>` for the run's file names and checkpoint
/// names) that a killed run left in DIR and DIR/checkpoints. Does nothing in a directory
/// without the marker. Call it while holding the RunLock: no other writer can be using them
/// then. Returns the number of files removed.
std::size_t remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace mlp
