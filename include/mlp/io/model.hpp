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
// and fails with the tensor named, before the model is used (RELIABILITY M5). The metadata JSON
// is read with mlp::parse_json (depth <= kMaxJsonDepth, no duplicate keys), and the header must
// fit the network: a known task, one feature name per input (or none), one target name per
// regression output (or none), one class name per class, no name twice, statistics of the
// network's sizes (docs/model-format.md, "Model metadata"). The constructor enforces the same
// for a model built in memory.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/data/categorical.hpp"
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
  /// Categorical input columns (data.categorical): their training categories; the network's
  /// last categorical.width() inputs are their one-hot rows (named "column=value" at the end
  /// of feature_names). Empty: none.
  data::OneHotEncoder categorical;
  /// How to read a CSV input for this model: the numeric feature columns (feature_names
  /// without the one-hot inputs) and the categorical columns, by name.
  [[nodiscard]] data::CsvSchema csv_schema() const;
  /// A data set read with csv_schema() made into network inputs: its categorical columns
  /// one-hot encoded (no-op without). Returns the columns with categories not seen in training
  /// (encoded as zeros), or throws DataError at the first with unknown_category = "error".
  std::vector<data::UnseenCategories> encode(data::Dataset& data) const;
  /// How to read a CSV input for this model: with an imputer, missing features are kept (as
  /// NaN) for apply() to fill in; without one they are an error.
  [[nodiscard]] data::CsvOptions csv_options() const;
  /// Fills in missing values (NaN, with an imputer) and standardizes X in place (no-op
  /// without either).
  void apply(MatrixF& X) const;
};

class Model {
 public:
  /// Throws ShapeError when a name list or statistic does not fit the network (feature names
  /// vs inputs, target names vs outputs, class names vs the output layer) and DataError when a
  /// list names something twice.
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

  /// Receives the outputs of a block of input rows: P [n_out x b] as predict() gives them, and
  /// how many rows came before the block.
  using PredictionSink = std::function<void(const MatrixF& P, std::size_t first_row)>;
  /// Receives a warning about the input (after the last block): one per categorical column
  /// with categories not seen in training (data::UnseenCategories::message()).
  using WarningSink = std::function<void(const std::string& warning)>;
  /// Predictions for a CSV input (`input` "-" = standard input) with this model's columns
  /// (data::stream_csv with the model's schema and csv_options()), read while it arrives and
  /// predicted in blocks of `block_rows` rows: memory does not grow with the input, and the
  /// first block's outputs come as soon as its rows are read. Throws what stream_csv throws
  /// and DataError `FILE: row N: the model's output is not finite (inputs too large?)` when an
  /// output is not finite (inputs near +-FLT_MAX that overflow standardization or a layer).
  void predict_csv(const std::filesystem::path& input, std::size_t block_rows,
                   const PredictionSink& sink, const WarningSink& on_warning = {});
  /// Predictions for an input file in either format a model is trained from: IDX images when
  /// data::detect_format says so (a name ending in -ubyte / -ubyte.gz, or the IDX or gzip magic
  /// bytes), one example per image, whose pixel count must be the model's input width (pixels
  /// scaled to [0, 1] as for training); otherwise a CSV, as predict_csv. The outputs go to
  /// `sink` in blocks of `block_rows` examples. Throws what predict_csv and
  /// data::load_idx_images throw, and DataError when the images' pixel count does not fit.
  void predict_file(const std::filesystem::path& input, std::size_t block_rows,
                    const PredictionSink& sink, const WarningSink& on_warning = {});
  /// The same on text in memory; `source_name` stands for the file name in messages.
  void predict_csv_text(std::string_view text, std::string_view source_name,
                        std::size_t block_rows, const PredictionSink& sink,
                        const WarningSink& on_warning = {});

  /// The container of this model (for checkpoints that add their own entries).
  [[nodiscard]] io::Container to_container() const;
  static Model from_container(const io::Container& c, std::string_view source_name);

  void save(const std::filesystem::path& path) const;
  static Model load(const std::filesystem::path& path);

  /// DataError naming the first example (first_row + column + 1) of P, outputs of predict(), with
  /// a non-finite output (finite inputs far outside the training range can overflow); `unit`
  /// names an example ("row", "image").
  static void check_finite_outputs(const MatrixF& P, const std::string& source,
                                   std::size_t first_row, std::string_view unit = "row");

 private:
  Network<float> network_;
  Preprocessing pre_;
  std::map<std::string, std::string> info_;
  int format_version_ = io::kFormatVersion;
};

}  // namespace mlp
