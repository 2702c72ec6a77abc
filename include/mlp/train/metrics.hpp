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
