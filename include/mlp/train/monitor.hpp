// The metrics that early stopping can watch (train.early_stopping.monitor): one table, each
// metric with its direction and the task it applies to. The dev set's Metrics of every epoch
// carry them all (evaluate() fills the confusion matrix that macro F1 needs), so watching one
// costs nothing beyond the dev pass that every epoch already makes.
//
//   name          value (dev set, original units)             better   task
//   dev_cost      J = (1/m) Σ L (no penalties)                lower    any
//   dev_accuracy  (1/m) Σ [ŷ_j == y_j]                        higher   classification
//   dev_f1        macro F1: (1/k) Σ_c 2·P_c·R_c / (P_c + R_c)  higher   classification
//   dev_rmse      sqrt(Σ (ŷ − y)² / N)                         lower    regression
//   dev_mae       Σ |ŷ − y| / N                                lower    regression
//   dev_r2        1 − Σ (ŷ − y)² / Σ (y − ȳ)²                  higher   regression
//
// macro F1 is scikit-learn's f1_score(average="macro", labels=range(k), zero_division=0): per
// class c of the k classes, P_c = C[c][c] / Σ_t C[t][c], R_c = C[c][c] / Σ_p C[c][p] (0 when
// 0/0), F1_c = 0 when P_c + R_c = 0 — as classification_scores() (scores.hpp) computes it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/data/dataset.hpp"
#include "mlp/train/metrics.hpp"

namespace mlp {

/// The tasks a monitored metric applies to.
enum class MonitorTask { any, classification, regression };

struct MonitorMetric {
  std::string_view name;  ///< "dev_accuracy"
  bool maximize;          ///< higher is better
  MonitorTask task;
  std::string_view doc;   ///< one line for docs and messages
};

/// Every metric early stopping can watch, in documentation order ("dev_cost" first: the default).
[[nodiscard]] std::span<const MonitorMetric> monitor_metrics();
/// Their names, in the same order.
[[nodiscard]] std::vector<std::string_view> monitor_names();
/// The metric named `name`; ConfigError listing the names (which apply to classification, which
/// to regression) for anything else.
[[nodiscard]] const MonitorMetric& find_monitor(std::string_view name);
/// ConfigError unless the metric `name` applies to `task` ("dev_accuracy is a classification
/// metric, but the task is regression; use one of dev_cost, dev_rmse, dev_mae, dev_r2").
void check_monitor_fits(std::string_view name, data::Task task);
/// The names that apply to `task`, and a sentence listing them per task for error messages.
[[nodiscard]] std::vector<std::string_view> monitor_names_for(data::Task task);
[[nodiscard]] std::string monitor_names_text();

/// Macro F1 from a confusion matrix C[true][predicted] (0 for an empty matrix).
[[nodiscard]] double macro_f1(const std::vector<std::vector<std::int64_t>>& confusion);
/// The value of metric `name` in `m` (the dev set's metrics of an epoch). ConfigError when `m`
/// does not carry it (e.g. dev_accuracy of a regression).
[[nodiscard]] double monitored_value(std::string_view name, const Metrics& m);
/// Whether `value` improves on `best` by more than `min_delta` in the metric's direction:
/// value < best − min_delta when minimizing, value > best + min_delta when maximizing.
[[nodiscard]] bool improves(const MonitorMetric& metric, double value, double best, double min_delta);

}  // namespace mlp
