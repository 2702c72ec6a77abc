// A trained model as users ship it: the network, how raw inputs are prepared (feature names,
// standardization statistics, class labels) and where it came from — saved to and loaded from
// one file (docs/model-format.md): a safetensors container with
//   tensors   layers.{k}.W [n_out, n_in] and layers.{k}.b [n_out] (F32, row-major),
//             normalization.mean / normalization.std [n_features] (when standardized),
//             target_normalization.mean / .std [n_targets] (regression, when standardized);
//   metadata  mlp.model (the ModelSpec JSON), mlp.preprocessing (task, names, labels),
//             mlp.info (provenance: version, creation time, training summary),
//             plus the container's mlp.format_version and mlp.crc32.
// Loading checks every tensor against the architecture (name, shape, dtype, finite values)
// and fails with the tensor named, before the model is used (RELIABILITY M5).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mlp/data/csv.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/standardizer.hpp"
#include "mlp/io/safetensors.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {

struct Preprocessing {
  data::Task task = data::Task::regression;
  std::vector<std::string> feature_names;
  std::vector<std::string> target_names;
  std::vector<std::string> class_names;  ///< classification: index -> label
  std::optional<data::Standardizer> features;
  std::optional<data::Standardizer> targets;
  /// data.missing = "mean": NaN inputs take these training means (before standardization).
  std::optional<data::Imputer> imputer;
  /// How to read a CSV input for this model: with an imputer, missing features are kept (as
  /// NaN) for apply() to fill in; without one they are an error.
  [[nodiscard]] data::CsvOptions csv_options() const;
  /// Fills in missing values (NaN, with an imputer) and standardizes X in place (no-op
  /// without either).
  void apply(MatrixF& X) const;
};

class Model {
 public:
  Model(Network<float> network, Preprocessing preprocessing,
        std::map<std::string, std::string> info = {});

  Network<float>& network() { return network_; }
  const Network<float>& network() const { return network_; }
  const Preprocessing& preprocessing() const { return pre_; }
  std::map<std::string, std::string>& info() { return info_; }
  const std::map<std::string, std::string>& info() const { return info_; }
  /// The format version of the file the model was read from (io::kFormatVersion for a model
  /// built in memory; saving always writes io::kFormatVersion).
  [[nodiscard]] int format_version() const { return format_version_; }

  /// Outputs for raw inputs X [n_features x m]: class probabilities [n_classes x m] for
  /// classifiers (a single sigmoid unit gives [P(class 0); P(class 1)]), values in the
  /// original units [n_targets x m] for regression.
  MatrixF predict(const MatrixF& X);
  /// Class indices for raw inputs (classifiers only).
  std::vector<std::int32_t> predict_labels(const MatrixF& X);

  /// The container of this model (for checkpoints that add their own entries).
  [[nodiscard]] io::Container to_container() const;
  static Model from_container(const io::Container& c, std::string_view source_name);

  void save(const std::filesystem::path& path) const;
  static Model load(const std::filesystem::path& path);

 private:
  Network<float> network_;
  Preprocessing pre_;
  std::map<std::string, std::string> info_;
  int format_version_ = io::kFormatVersion;
};

}  // namespace mlp
