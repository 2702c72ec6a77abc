// Checkpoints of a running training: each save writes DIR/ckpt-<optimizer step>.mlpck
// (checkpoint.hpp) and keeps only the newest N, so a long run holds a bounded number of files
// and a resume always finds recent ones (list_checkpoints, load_newest_checkpoint).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mlp/io/model.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp {

/// "ckpt-000042.mlpck": the file name of the checkpoint taken after optimizer step `step`.
[[nodiscard]] std::string checkpoint_file_name(std::uint64_t step);

/// Saves `model` with `state` as DIR/checkpoint_file_name(state.optimizer.step), then removes
/// all but the newest `keep` checkpoints of DIR (keep <= 0: all are kept). DIR itself is
/// created when missing, its parents are not: a run directory deleted mid-training is an
/// IoError, not silently recreated. Returns the path written.
std::filesystem::path save_rotating_checkpoint(const std::filesystem::path& dir, const Model& model,
                                               const TrainerState& state,
                                               const std::vector<std::string>& slice_names,
                                               std::int64_t keep);

}  // namespace mlp
