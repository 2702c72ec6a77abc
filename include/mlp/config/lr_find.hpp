// `mlp lr-find`: the learning-rate range test (train/lr_finder.hpp) on the network and
// training data a configuration describes, and writing its suggestion into a copy of the
// configuration. Nothing here prints; nothing of a run directory is read or written.
//
//   config::LrFindReport r = config::lr_find("examples/digits.toml", {});
//   config::apply_learning_rate("examples/digits.toml", "digits-tuned.toml",
//                               r.result.suggestion.learning_rate, /*force=*/false);
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mlp/train/lr_finder.hpp"

namespace mlp::config {

struct LrFindReport {
  LrFinderResult result;
  std::string optimizer;             ///< train.optimizer
  double configured_learning_rate = 0;  ///< train.learning_rate of the configuration
  Index train_examples = 0;          ///< the training split the test ran on
};

/// Reads the configuration at `path` with `overrides`, prepares its data as `mlp train` does
/// (split, standardization) and runs find_learning_rate on the training split with a fresh
/// network of the configured architecture and the configured optimizer, batch size, penalties,
/// clipping and dropout. Throws as load_config/prepare_data, ConfigError for bad options.
LrFindReport lr_find(const std::filesystem::path& path, const std::vector<std::string>& overrides,
                     const LrFinderOptions& options = {});

/// Writes to `target` the text of the configuration at `source` with train.learning_rate set to
/// `learning_rate`: every other byte (comments, order, formatting) stays as it is; the key is
/// added under [train] (or a new [train] table) when absent. When `target` lies in another
/// directory, relative data paths (data.train, dev, test and their labels) are rewritten so
/// that they still name the same files. The result is checked to parse back with that rate.
/// Throws ConfigError when `target` exists and `force` is false, or is the source file itself
/// (the user's configuration is never overwritten); IoError when it cannot be written (written
/// atomically: nothing half-written under the name).
void apply_learning_rate(const std::filesystem::path& source, const std::filesystem::path& target,
                         double learning_rate, bool force);

}  // namespace mlp::config
