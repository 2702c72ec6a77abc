// Per-epoch metrics files of a training run: `metrics.jsonl` (one JSON object per epoch, the
// machine-readable history that `mlp diagnose` and `mlp report` read back) and `metrics.csv`
// (the same numbers as a table for spreadsheets and plotting tools). Formats: docs/diagnosis.md.
//
// JSONL line (keys in this order; slice names in slot order):
//   {"epoch":3,"learning_rate":0.001,"objective":0.41,
//    "train_cost":"running_mean",                      // how "train" was measured, or "exact"
//    "train":{"loss":0.40,"accuracy":0.88},            // or {"loss","rmse","mae","r2"}
//    "dev":{"loss":0.45,"accuracy":0.86},              // or null (no dev evaluation)
//    "seconds":0.8,"samples_per_second":75000,
//    "grad_norms":{"layers.0.W":0.12,"layers.0.b":0.01,...},
//    "weight_norms":{"layers.0.W":5.1,...}}
// Non-finite numbers are written as null (JSON has no NaN); they read back as NaN.
// Confusion matrices are not part of the per-epoch files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
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

/// `epoch,learning_rate,objective,train_cost,train_loss,train_accuracy[,dev_loss,dev_accuracy],seconds,
/// samples_per_second,grad_norm.layers.0.W,...` (regression: train_rmse,train_mae,train_r2);
/// train_cost holds `running_mean` or `exact` (TrainCost: how the train_* columns were measured).
/// A complete line: ends with '\n' (header + rows concatenated make the file).
[[nodiscard]] std::string metrics_csv_header(const CsvLayout& layout);
/// One row in the layout's columns, ending with '\n'. Non-finite numbers are written nan, inf,
/// -inf; a metric the epoch does not have (no dev evaluation) is an empty field.
[[nodiscard]] std::string metrics_csv_row(const EpochMetrics& epoch, const CsvLayout& layout);

/// metrics.jsonl and metrics.csv of a run directory, written one line per epoch: each epoch
/// appends its line to both files (no rewrite, no fsync), so an epoch costs O(1) I/O however long
/// the run. A reader sees complete lines plus, after a kill mid-write, at most a partial last
/// line; --resume rewrites both files from the checkpoint's history, which drops it.
class MetricsFiles {
 public:
  /// Replaces DIR/metrics.jsonl and DIR/metrics.csv atomically with the lines of `history` (empty
  /// for a new run; the checkpoint's epochs on --resume: whatever a killed run wrote after that
  /// checkpoint, a partial line included, is dropped and nothing is duplicated), then opens both
  /// for appending. IoError `path: <strerror>` when that fails.
  MetricsFiles(const std::filesystem::path& dir, std::vector<std::string> slice_names,
               const std::vector<EpochMetrics>& history);
  ~MetricsFiles();
  MetricsFiles(const MetricsFiles&) = delete;
  MetricsFiles& operator=(const MetricsFiles&) = delete;

  /// Appends the epoch's line to metrics.jsonl and its row to metrics.csv (the header first when
  /// it is the first epoch: its columns come from that epoch). When either write fails, both
  /// files are cut back to what they held before (whole lines only) and IoError `path: <strerror>`
  /// is thrown; so is ENOENT when a file was deleted (or the run directory removed) meanwhile.
  void append(const EpochMetrics& epoch);
  /// fsync of both files (at the end of a run; a crash before loses no more than --resume
  /// rewrites from the checkpoint anyway).
  void sync();

 private:
  struct File {
    std::filesystem::path path;
    int fd = -1;
    std::uint64_t size = 0;  ///< bytes of complete lines
  };
  void open(File& f, std::string_view content);
  void write(File& f, std::string_view text);
  void cut_back(File& f) noexcept;

  std::vector<std::string> slice_names_;
  std::optional<CsvLayout> layout_;  ///< set by the first epoch
  File jsonl_, csv_;
};

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
