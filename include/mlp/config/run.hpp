// From a run configuration (config.hpp) to the objects of the library: the data sets (loaded,
// split, standardized on the training part only), the model description and the training
// options. Both the `mlp` command and C++ users go through these, so that a configuration means
// the same thing everywhere.
#pragma once

#include <filesystem>
#include <optional>

#include "mlp/config/config.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/standardizer.hpp"
#include "mlp/io/model.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp {

struct PreparedData {
  data::Dataset train, dev, test;  ///< standardized; dev/test may be empty (size 0)
  data::Normalization normalization;
  bool standardized = false;
  std::optional<data::Imputer> imputer;  ///< data.missing = "mean": the training means
  [[nodiscard]] const data::Dataset* dev_or_null() const { return dev.size() ? &dev : nullptr; }
  [[nodiscard]] const data::Standardizer* target_scaler() const {
    return normalization.targets ? &*normalization.targets : nullptr;
  }
};

/// Loads every data set of `cfg` (before the split, unstandardized).
struct LoadedData {
  data::Dataset train;
  std::optional<data::Dataset> dev, test;
};
LoadedData load_data(const RunConfig& cfg);

/// Splits and standardizes (statistics from the training part only).
PreparedData prepare_data(const RunConfig& cfg, const LoadedData& loaded);
inline PreparedData prepare_data(const RunConfig& cfg) { return prepare_data(cfg, load_data(cfg)); }

/// Fits normalization on `train` as `cfg` asks and applies it to train, dev and test.
void standardize(const RunConfig& cfg, PreparedData& d);

/// The network described by cfg.model for data like `train` (input width, classes/targets).
/// Errors cite the configuration key (config.toml:LINE:COL).
ModelSpec model_spec(const RunConfig& cfg, const data::Dataset& train);

/// The training options of cfg.train.
TrainOptions train_options(const RunConfig& cfg);

/// Refuses (ConfigError at model.hidden, naming the estimate and the limit) a configuration
/// whose training would take more than train.max_memory MiB (0: 75 % of the memory available):
/// the estimate of train/memory.hpp for inputs of width n_in, n_out outputs and `examples`
/// training examples (the batch is at most that many). Before the data is read, n_in = n_out =
/// 1 and examples = 0 (unknown) give a lower bound.
void check_training_memory(const RunConfig& cfg, Index n_in, Index n_out, Index examples);

/// The preprocessing a model must carry for `d` (names, labels, standardization).
Preprocessing preprocessing_of(const PreparedData& d);

}  // namespace mlp

namespace mlp {
/// Makes the data paths of `cfg` absolute, resolving relative ones against `base` (the
/// directory of the configuration file), without symbolic links (weakly canonical): the file
/// the operating system would open.
void resolve_data_paths(RunConfig& cfg, const std::filesystem::path& base);

/// `cfg` as a run directory `dir` stores it (its config.toml, the provenance of its model and
/// checkpoints): each data path of the resolved `cfg` written relative to `dir`, so that the run
/// names no absolute path of the machine that trained it and still finds its data from any
/// working directory (resolve_data_paths(cfg, dir) reads it back) — unless the data and `dir`
/// share no folder but the root (`/data/train.csv` for a run in `/home/me/runs/a`), where the
/// absolute path is the portable one and stays. `-` (standard input) stays.
RunConfig with_data_paths_relative_to(RunConfig cfg, const std::filesystem::path& dir);
}  // namespace mlp
