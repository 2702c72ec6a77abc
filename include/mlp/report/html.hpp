// The self-contained HTML training report: one file with inline CSS and inline SVG charts (no
// scripts, no network), readable offline and in any browser. Contents: docs/diagnosis.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mlp/report/diagnosis.hpp"
#include "mlp/train/scores.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp::report {

struct ReportInfo {
  std::string title = "mlp training report";
  /// Lines describing the model, e.g. "architecture: 784 -> 128 relu -> 10 softmax",
  /// "parameters: 101770".
  std::vector<std::string> model_summary;
  std::optional<Metrics> test;  ///< final metrics on the test set
  /// Class names for the test confusion matrix (index = label); empty = the label numbers.
  std::vector<std::string> class_names;
  /// Detailed test scores (scores.hpp): per-class precision, recall, F1 and support with macro
  /// and weighted averages, log-loss and ROC-AUC; per target MAPE and max error for a
  /// regression. Empty = not shown.
  std::optional<Scores> test_scores;
  std::vector<std::string> target_names;  ///< regression: row labels of the per-target table
  std::string config_text;  ///< the resolved run configuration (TOML); empty = not shown
  /// Divergence recoveries of the run (train.on_divergence = "recover"): a table
  /// `id="recoveries"` when not empty.
  std::vector<Recovery> recoveries;
};

/// The report as one HTML document. Charts (each an <svg> with a <title>, axes, tick labels and
/// a legend): `chart-cost` (train and dev cost, training objective), `chart-accuracy` (accuracy,
/// or RMSE for regression), `chart-lr` (learning rate), `chart-grad-norms` (gradient norms: a
/// line per slice on a log scale up to 4 layers, a layer × epoch heat map of log10 ‖g‖ with a
/// colour bar beyond). Non-finite values are gaps; every text is HTML-escaped. The
/// recommendations shown are `diagnosis.recommendations` (report::advise, advice.hpp).
[[nodiscard]] std::string render_report_html(const std::vector<EpochMetrics>& history,
                                             const std::vector<std::string>& slice_names,
                                             const Diagnosis& diagnosis, const ReportInfo& info);

/// Renders and writes the report atomically (IoError when it cannot be written).
void write_report_html(const std::filesystem::path& path, const std::vector<EpochMetrics>& history,
                       const std::vector<std::string>& slice_names, const Diagnosis& diagnosis,
                       const ReportInfo& info);

}  // namespace mlp::report
