// Checkpoints: everything needed to continue training exactly where it stopped, in one file
// of the model format (docs/model-format.md) with extra entries:
//   tensors   optimizer.<buffer> [n_params] (F32) for each optimizer buffer ("V", "S"),
//             trainer.best_theta [n_params] when early stopping keeps the best weights;
//   metadata  mlp.checkpoint: JSON with the epoch/batch position, running sums, the optimizer
//             step, the shuffling and dropout generator states, the plateau schedule and
//             early-stopping state, the metrics history so far, and the divergence recoveries
//             (the learning-rate multiplier and the list of recoveries).
// A checkpoint is a loadable model too (`mlp eval run/checkpoints/ckpt-000003.mlpck`).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/io/model.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp {

struct Checkpoint {
  Model model;
  TrainerState state;
};

void save_checkpoint(const std::filesystem::path& path, const Model& model, const TrainerState& state,
                     const std::vector<std::string>& slice_names);
Checkpoint load_checkpoint(const std::filesystem::path& path);

/// True for the name of a checkpoint file mlp writes: `ckpt-` six or more digits `.mlpck`.
[[nodiscard]] bool is_checkpoint_file_name(std::string_view name);

/// Checkpoint files of a run directory, `ckpt-NNNNNN.mlpck`, newest (highest number) first.
std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& dir);

/// The newest checkpoint of `dir` that loads; files that fail to load are skipped (`skipped`
/// receives their names and reasons). nullopt when none. Deletes nothing: temporary files are
/// never checkpoint names, and removing stale ones is remove_stale_temporaries' job
/// (train/run_dir.hpp), which knows whether the directory is mlp's.
std::optional<Checkpoint> load_newest_checkpoint(const std::filesystem::path& dir,
                                                 std::vector<std::string>* skipped = nullptr,
                                                 std::filesystem::path* chosen = nullptr);

}  // namespace mlp
