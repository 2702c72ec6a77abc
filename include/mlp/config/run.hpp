// From a run configuration (config.hpp) to the objects of the library: the data sets (loaded,
// split, standardized on the training part only), the model description and the training
// options. Both the `mlp` command and C++ users go through these, so that a configuration means
// the same thing everywhere.
#pragma once

#include <filesystem>
#include <optional>

#include "mlp/config/config.hpp"
#include "mlp/data/categorical.hpp"
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
  /// Categorical columns (data.categorical): the training split's categories; train, dev and
  /// test hold their one-hot rows after the numeric features.
  data::OneHotEncoder categorical;
  /// train.class_weight: the weight of each class (class index order); empty = none.
  std::vector<double> class_weights;
  /// What the preparation warns about: dev/test rows with categories not seen in training.
  std::vector<std::string> warnings;
  /// model.init_from: the saved model's preprocessing; standardize() then uses its input (and
  /// regression target) statistics instead of fitting them on the training split.
  std::optional<Preprocessing> kept;
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
/// What prepare_data() does beyond the configuration.
struct PrepareOptions {
  /// model.init_from: standardize with this saved model's statistics (PreparedData::kept).
  const Preprocessing* kept = nullptr;
  /// train.refit: the dev split joined to the training split (train, then dev: the same split
  /// as without it), every statistic then fitted on the union; `dev` comes back empty.
  bool join_dev = false;
};
PreparedData prepare_data(const RunConfig& cfg, const LoadedData& loaded,
                          const PrepareOptions& options = {});
/// The same, taking `loaded` over: its data is held once (the training part keeps the training
/// file's memory; nothing is copied but the dev and test parts carved out of it), so preparing
/// needs little more memory than loading. Prefer it where `loaded` is not needed afterwards.
PreparedData prepare_data(const RunConfig& cfg, LoadedData&& loaded, const PrepareOptions& options = {});
inline PreparedData prepare_data(const RunConfig& cfg) { return prepare_data(cfg, load_data(cfg)); }

/// Prepares the split data sets as `cfg` asks, every statistic from `train` only: one-hot
/// encodes the categorical columns (data::OneHotEncoder; unseen categories of dev/test go to
/// d.warnings or, with data.unknown_category = "error", throw DataError), weights the training
/// examples by class (train.class_weight; ConfigError at the key for a regression or a label
/// that is not a class), then fits normalization (the one-hot inputs keep mean 0, std 1: they
/// stay 0/1) and applies it to train, dev and test.
void standardize(const RunConfig& cfg, PreparedData& d);

/// The last step of standardize(): fits the normalization `cfg` asks for on d.train (or takes
/// d.kept's statistics) and applies it to train, dev and test. For sets prepared with
/// data.normalize = "none" and data.normalize_target = false (as `mlp lint` checks them), it
/// gives the sets prepare_data(cfg) gives, without reading the files again.
void normalize(const RunConfig& cfg, PreparedData& d);

/// The class weights of train.class_weight for `train` (a classification split), in class
/// index order: "balanced" w_c = n/(k·n_c) (scikit-learn's compute_class_weight; a class
/// absent from the split gets 1, as it weighs nothing), a table its weights (unlisted classes
/// 1), "none" empty. Throws ConfigError at the key for a regression, or a label of the table
/// that is not a class (naming the classes).
std::vector<double> class_weights(const RunConfig& cfg, const data::Dataset& train);

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
