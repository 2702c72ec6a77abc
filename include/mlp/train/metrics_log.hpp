// Per-epoch metrics files of a training run: `metrics.jsonl` (one JSON object per epoch, the
// machine-readable history that `mlp diagnose` and `mlp report` read back) and `metrics.csv`
// (the same numbers as a table for spreadsheets and plotting tools). Formats: docs/diagnosis.md.
//
// JSONL line (keys in this order; slice names in slot order):
//   {"epoch":3,"learning_rate":0.001,"objective":0.41,
//    "train":{"loss":0.40,"accuracy":0.88},            // or {"loss","rmse","mae","r2"}
//    "dev":{"loss":0.45,"accuracy":0.86},              // or null (no dev evaluation)
//    "seconds":0.8,"samples_per_second":75000,
//    "grad_norms":{"layers.0.W":0.12,"layers.0.b":0.01,...},
//    "weight_norms":{"layers.0.W":5.1,...}}
// Non-finite numbers are written as null (JSON has no NaN); they read back as NaN.
// Confusion matrices are not part of the per-epoch files.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/train/trainer.hpp"

namespace mlp {

/// Which per-epoch quality metrics a Metrics record carries.
enum class MetricsKind {
  loss_only,       ///< neither accuracy nor RMSE/MAE/R²
  classification,  ///< accuracy
  regression,      ///< rmse, mae, r2
};

[[nodiscard]] MetricsKind metrics_kind(const Metrics& m);

/// One line of metrics.jsonl, WITHOUT the trailing newline (unlike the CSV functions). `slice_names` name the entries of
/// grad_norms / weight_norms in slot order; a size mismatch is a ShapeError.
[[nodiscard]] std::string metrics_jsonl_line(const EpochMetrics& epoch,
                                             const std::vector<std::string>& slice_names);

/// The columns of metrics.csv, fixed when the file is created.
struct CsvLayout {
  MetricsKind kind = MetricsKind::loss_only;
  bool dev = false;  ///< dev_* columns (empty fields in epochs without a dev evaluation)
  std::vector<std::string> slice_names;

  /// The layout of a run whose first epoch is `first` (kind from first.train; dev columns when
  /// `has_dev`).
  static CsvLayout from(const EpochMetrics& first, bool has_dev,
                        std::vector<std::string> slice_names);
};

/// `epoch,learning_rate,objective,train_loss,train_accuracy[,dev_loss,dev_accuracy],seconds,
/// samples_per_second,grad_norm.layers.0.W,...` (regression: train_rmse,train_mae,train_r2).
/// A complete line: ends with '\n' (header + rows concatenated make the file).
[[nodiscard]] std::string metrics_csv_header(const CsvLayout& layout);
/// One row in the layout's columns, ending with '\n'. Non-finite numbers are written nan, inf,
/// -inf; a metric the epoch does not have (no dev evaluation) is an empty field.
[[nodiscard]] std::string metrics_csv_row(const EpochMetrics& epoch, const CsvLayout& layout);

/// A history read back from metrics.jsonl.
struct MetricsLog {
  std::vector<EpochMetrics> history;     ///< in epoch order
  std::vector<std::string> slice_names;  ///< from the first line's grad_norms (slot order)
};

/// Parses metrics.jsonl text. Blank lines are skipped. Every line must be a JSON object with
/// the keys above (numbers or null); every line must name the same slices. A line whose epoch
/// is not larger than the previous one starts over from that epoch (a run resumed from an
/// earlier checkpoint appends the epochs it re-runs): later lines win.
/// Errors: DataError `SOURCE:LINE: what — how to fix`.
[[nodiscard]] MetricsLog parse_metrics_jsonl(std::string_view text,
                                             std::string_view source = "metrics.jsonl");

/// Reads and parses a metrics.jsonl file (InputError when it cannot be opened; errors name
/// the path).
[[nodiscard]] MetricsLog read_metrics_jsonl(const std::filesystem::path& path);

}  // namespace mlp
