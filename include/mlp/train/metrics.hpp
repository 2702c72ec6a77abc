// Target encoding and evaluation metrics (SPEC §5–6).
//
// Targets: a batch of m examples becomes Y [n_out x m] — one-hot columns for a softmax output,
// 0/1 for a single sigmoid unit, the target columns for regression.
// Metrics on a data set of m examples, without dropout:
//   loss      J = (1/m) Σ L (no penalties)
//   accuracy  (1/m) Σ [argmax_k A[L](:, j) == label_j]     (one sigmoid unit: A >= 0.5)
//   RMSE      sqrt(Σ (ŷ − y)² / N), MAE = Σ |ŷ − y| / N     (N = n_targets·m, original units)
//   R²        1 − Σ (ŷ − y)² / Σ (y − ȳ)²                    (ȳ per target; 0 when y is constant)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "mlp/core/tensor.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/standardizer.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {

/// Cost and metrics of a model on a data set. Classification: accuracy; regression: RMSE, MAE
/// and R² in the original units of the targets.
struct Metrics {
  double loss = 0.0;  ///< J without penalties
  std::optional<double> accuracy;
  std::optional<double> rmse, mae, r2;
  /// Classification: confusion[true][predicted] counts.
  std::vector<std::vector<std::int64_t>> confusion;
};

/// Sums over batches from which Metrics follow: evaluate() and the trainer's running training
/// metrics (TrainCost::running_mean) add their batches here.
struct MetricsSums {
  double examples = 0;  ///< Σ m_b
  double loss = 0;      ///< Σ m_b·J_b (J_b the batch's mean loss, no penalties)
  double correct = 0;   ///< classification: examples whose predicted class is the label
  double squared = 0;   ///< regression: Σ (ŷ − y)², original units
  double absolute = 0;  ///< regression: Σ |ŷ − y|, original units
  bool operator==(const MetricsSums&) const = default;

  /// A classification batch: output activations A [n_out x b] (one sigmoid unit: class 1 when
  /// A >= 0.5, else argmax), its labels, its mean loss J. With `confusion`, counts it there too.
  void add_classification(const Matrix<float>& A, std::span<const std::int32_t> labels, double J,
                          std::vector<std::vector<std::int64_t>>* confusion = nullptr);
  /// A regression batch: predictions and targets [n_targets x b] in original units, mean loss J.
  void add_regression(const Matrix<float>& pred, const Matrix<float>& truth, double J);
  /// loss = Σ m_b·J_b / Σ m_b; classification: accuracy; regression: RMSE, MAE and R² with
  /// `n_targets` targets per example and `ss_tot` = Σ (y − ȳ)² over the data set (original
  /// units; total_sum_of_squares). Loss NaN when no example was added.
  [[nodiscard]] Metrics metrics(bool classification, Index n_targets, double ss_tot) const;
};

/// Σ (y − ȳ)² over the regression targets of `data` in original units (ȳ per target): R²'s
/// denominator.
[[nodiscard]] double total_sum_of_squares(const data::Dataset& data,
                                          const data::Standardizer* targets);

/// Evaluates `net` on `data` (no dropout), in batches of `batch_size` examples.
/// `targets` un-standardizes regression outputs and targets for RMSE/MAE/R² (may be null).
Metrics evaluate(Network<float>& net, const data::Dataset& data,
                 const data::Standardizer* targets = nullptr, Index batch_size = 1024);

/// Fills Y [n_out x m] from a batch: one-hot labels for softmax outputs, 0/1 labels for a single
/// sigmoid unit, the regression targets otherwise.
void fill_targets(const ModelSpec& spec, const data::Dataset& data, std::span<const Index> indices,
                  Matrix<float>& Y);

/// The same from a batch's own labels (classification, m of them) or target columns
/// Yreg [n_out x m] (regression). Allocates nothing once Y has the shape [n_out x m].
void encode_targets(const ModelSpec& spec, data::Task task, std::span<const std::int32_t> labels,
                    const ConstMatrixMap<float>* Yreg, Index m, Matrix<float>& Y);

/// Throws ShapeError when `data` does not fit `net`: its feature count against the inputs, its
/// classes (or targets) against the output layer. `role` names the data set in the message
/// ("training", "dev", "evaluation").
void check_data_fits(const Network<float>& net, const data::Dataset& data, const char* role);

}  // namespace mlp
