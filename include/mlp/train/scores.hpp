// Detailed scores of predictions against the truth, as scikit-learn defines them (checked
// against it on committed predictions, tests/reference/gen_scores.py).
//
// Classification, k classes, m examples, ŷ_j the predicted class (argmax of the probabilities;
// P(class 1) ≥ 0.5 for one sigmoid unit), C[t][p] the confusion matrix:
//   precision_c = C[c][c] / Σ_t C[t][c]    recall_c = C[c][c] / Σ_p C[c][p]    (0 when 0/0)
//   F1_c = 2·precision_c·recall_c / (precision_c + recall_c)                  (0 when 0/0)
//   support_c = Σ_p C[c][p]; macro = unweighted mean over classes; weighted = mean weighted by
//   support (scikit-learn's classification_report with zero_division = 0)
//   log-loss = −(1/m) Σ_j log p̃_j[y_j], p̃ = the probabilities clipped to [ε, 1 − ε]
//   (ε = 2.2e-16, double's epsilon) and renormalized to sum 1 (scikit-learn's log_loss)
//   ROC-AUC: binary, the probability that a positive scores above a negative (ties count ½)
//   = the area under the ROC curve; multiclass, the unweighted mean of the one-vs-rest AUCs
//   (roc_auc_score(multi_class="ovr", average="macro")). Undefined when a class has no example.
// Regression, per target t (original units):
//   RMSE, MAE, R² as Metrics; MAPE = (1/m) Σ |ŷ − y| / max(|y|, ε); max error = max |ŷ − y|
//   and over the k targets (mean_scores): RMSE, MAE, R², MAPE averaged with equal weights
//   (1/k) Σ_t s_t — scikit-learn's multioutput="uniform_average", so a target in large units
//   does not outweigh one in small units — and max error = max_t max error_t.
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

struct ClassScores {
  double precision = 0, recall = 0, f1 = 0;
  std::int64_t support = 0;
};

struct ClassificationScores {
  std::vector<ClassScores> per_class;  ///< class c at index c
  ClassScores macro, weighted;         ///< support = m
  double accuracy = 0;
  std::vector<std::vector<std::int64_t>> confusion;  ///< [true][predicted]
  double log_loss = 0;
  std::optional<double> roc_auc;  ///< nullopt when a class has no example
};

/// Scores of the probabilities P [k x m] (k = 1: P(class 1) of a sigmoid unit; otherwise one
/// row per class, columns summing to 1) against labels in [0, n_classes). n_classes is k, or 2
/// when k = 1. ShapeError for a label out of range or mismatched sizes; DataError when m = 0.
ClassificationScores classification_scores(std::span<const std::int32_t> labels,
                                           const Eigen::MatrixXd& P);

struct TargetScores {
  double rmse = 0, mae = 0, r2 = 0, mape = 0, max_error = 0;
};

/// Scores per target (row) of predictions Ŷ [t x m] against Y [t x m], in the units given.
/// R² is 0 for a constant target (as Metrics). ShapeError / DataError as above.
std::vector<TargetScores> regression_scores(const Eigen::MatrixXd& Y, const Eigen::MatrixXd& Yhat);

/// The scores over all targets: the unweighted mean of each target's RMSE, MAE, R² and MAPE
/// (scikit-learn's multioutput="uniform_average") and the largest max error. DataError when
/// `per_target` is empty.
TargetScores mean_scores(std::span<const TargetScores> per_target);

/// The detailed scores of `net` on `data` (no dropout, batches of `batch_size`): classification
/// scores for a classifier, per-target scores in original units for a regression (`targets`
/// un-standardizes as in evaluate(); may be null).
struct Scores {
  std::optional<ClassificationScores> classification;
  std::vector<TargetScores> targets;  ///< regression, one per target
};
Scores evaluate_scores(Network<float>& net, const data::Dataset& data,
                       const data::Standardizer* targets = nullptr, Index batch_size = 1024);

}  // namespace mlp
