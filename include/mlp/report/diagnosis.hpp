// Diagnosis of a training run from its per-epoch history (SPEC §5): bias/variance with the
// classic recipe, a reading of the learning curve, and the health of the per-layer gradients.
// Rules, thresholds and the meaning of each recommendation: docs/diagnosis.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mlp/train/metrics_log.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp::report {

enum class Verdict { good_fit, high_bias, high_variance, high_bias_and_variance };
[[nodiscard]] const char* to_string(Verdict v);

/// Gaps are "significant" when strictly larger than these (error units: 1 − accuracy for
/// classifiers, the cost J for regression, which for standardized targets is the fraction of
/// the target variance left unexplained).
struct BiasVarianceThresholds {
  double bias = 0.02;      ///< avoidable bias = train − baseline
  double variance = 0.02;  ///< variance = dev − train
};

/// The learning-curve reading: the tail of the dev cost (train cost without dev data).
struct CurveThresholds {
  std::size_t window = 5;     ///< compare the last epoch with the one `window` epochs earlier
  double falling = 0.01;      ///< relative decrease over the window above this: still falling
  double rising = 0.05;       ///< final cost above best·(1 + rising): turned up (overfitting)
};

/// Gradient-health rules (per parameter slice, on the recorded per-epoch mean gradient norms).
/// Defaults and their rationale: docs/diagnosis.md, "Gradient health".
struct GradientThresholds {
  double vanishing_ratio = 1e-2;  ///< slice norm < ratio × the last layer's norm of the same kind
  double vanishing_abs = 1e-7;    ///< or below this absolute norm
  double exploding_ratio = 1e2;   ///< slice norm ≥ ratio × the last layer's norm of the same kind
  double exploding_growth = 1e3;  ///< max norm ≥ growth × the first epoch's norm
  double exploding_abs = 1e3;     ///< or a norm at or above this in any epoch
};

/// What the diagnosed run already does (from its configuration), so that the recommendations
/// start from it — "raise train.l2 from 0.01 to 0.1", not "add L2" to a run that has it.
struct RunSettings {
  std::string optimizer;          ///< e.g. "adam"
  double learning_rate = 0.0;
  std::string schedule = "constant";  ///< [train.schedule] type; "constant" = no schedule
  double clip_norm = 0.0;         ///< train.clip_norm; 0 = no clipping
  double l1 = 0.0;
  double l2 = 0.0;
  double min_keep_prob = 1.0;     ///< the lowest keep_prob of the hidden layers (1: no dropout)
  bool early_stopping = false;
  std::int64_t patience = 0;      ///< early stopping's
  bool restore_best = true;       ///< early stopping's
  std::int64_t epochs = 0;
  std::vector<std::int64_t> hidden;     ///< model.hidden (widths; empty = no hidden layer)
  std::vector<std::string> activation;  ///< model.activation, one per hidden layer
  std::string init;               ///< model.init, e.g. "he_normal"; empty = unknown
  double init_scale = 0.0;        ///< model.init_scale (used by init = "normal" only)
  double init_gain = 1.0;         ///< model.init_gain
};

struct DiagnosisOptions {
  /// What the run already does; none = unknown (the generic recommendations).
  std::optional<RunSettings> run;
  /// Human-level / Bayes error in the units of the errors; none = 0 (and JSON null).
  std::optional<double> baseline_error;
  BiasVarianceThresholds thresholds;
  CurveThresholds curve;
  GradientThresholds gradients;
  /// Diagnose the epoch with the lowest dev cost (what early stopping with restore_best keeps)
  /// instead of the last epoch.
  bool use_best_epoch = false;
  /// With use_best_epoch: the epoch early stopping chose (its monitored metric; from 1), 0 =
  /// the one with the lowest dev cost.
  std::uint64_t best_epoch = 0;
};

struct LearningCurve {
  std::string source;            ///< "dev" or "train": whose cost was read
  std::size_t epochs = 0;        ///< epochs with a finite cost
  std::uint64_t best_epoch = 0;  ///< lowest cost
  double best_cost = 0.0;
  std::uint64_t final_epoch = 0;
  double final_cost = 0.0;
  /// (cost `window` epochs before the end − final cost) / |that cost|; > 0 means falling.
  double recent_decrease = 0.0;
  /// "falling" (train longer), "rising" (overfitting since best_epoch), "flat", "single_epoch"
  /// or "no_data".
  std::string trend;
  std::string note;
};

enum class GradientStatus { ok, vanishing, exploding, dead };
[[nodiscard]] const char* to_string(GradientStatus s);

struct GradientReport {
  std::string name;  ///< parameter slice, e.g. "layers.0.W"
  double first_epoch_norm = 0.0;
  double last_epoch_norm = 0.0;
  double max_norm = 0.0;  ///< over all epochs (NaN if any is non-finite)
  /// learning_rate × gradient norm / weight norm at the last epoch (≈1e-3 is healthy for plain
  /// gradient descent; adaptive optimizers scale their steps differently). NaN if unknown.
  double update_ratio = 0.0;
  GradientStatus status = GradientStatus::ok;
  std::string note;    ///< the numbers behind the status
  /// What to change (empty when ok): from the run's settings when the diagnosis knows them
  /// (gradient_remedy in advice.hpp).
  std::string remedy;
};

struct Diagnosis {
  Verdict verdict = Verdict::good_fit;
  std::uint64_t epoch = 0;  ///< the epoch whose errors were diagnosed (0 when given directly)
  std::string error_measure;  ///< "1 - accuracy" or "loss"
  double train_error = 0.0;
  std::optional<double> dev_error;       ///< none without dev data: variance unknown
  std::optional<double> baseline_error;
  double avoidable_bias = 0.0;           ///< train − baseline (baseline 0 when absent)
  std::optional<double> variance;        ///< dev − train
  BiasVarianceThresholds thresholds;
  /// The advice (report::advise in advice.hpp): what `mlp diagnose` and report.html print.
  std::vector<std::string> recommendations;
  std::vector<GradientReport> gradients;
  std::optional<LearningCurve> learning_curve;
  std::optional<RunSettings> run;  ///< what the recommendations were based on
};

/// Verdict from errors given directly (any units, as long as the thresholds use the same).
/// Recommendations follow the verdict and options.run; no learning curve or gradients.
[[nodiscard]] Diagnosis diagnose_errors(double train_error, std::optional<double> dev_error,
                                        const DiagnosisOptions& options = {});

/// The error of a Metrics record: 1 − accuracy for classifiers, the loss otherwise.
[[nodiscard]] double error_of(const Metrics& m);

/// Full diagnosis of a history: errors of the last (or best) epoch with finite numbers, the
/// learning curve and the gradient health. Throws DataError when the history is empty or no
/// epoch has a finite training error.
[[nodiscard]] Diagnosis diagnose(const std::vector<EpochMetrics>& history,
                                 const std::vector<std::string>& slice_names,
                                 const DiagnosisOptions& options = {});

/// The learning-curve reading alone.
[[nodiscard]] LearningCurve read_learning_curve(const std::vector<EpochMetrics>& history,
                                                const CurveThresholds& thresholds = {});

/// Gradient health per slice (empty when the history has no gradient norms).
[[nodiscard]] std::vector<GradientReport> gradient_health(
    const std::vector<EpochMetrics>& history, const std::vector<std::string>& slice_names,
    const GradientThresholds& thresholds = {});

/// The CLI contract JSON: {"verdict", "train_error", "dev_error", "baseline_error",
/// "avoidable_bias", "variance", "recommendations", "gradients", "learning_curve", ...}.
/// Non-finite numbers and absent values are null. `indent` < 0 writes one line.
[[nodiscard]] std::string to_json(const Diagnosis& d, int indent = 2);

/// Human-readable rendering: one line per finding, each with its numbers.
[[nodiscard]] std::string to_text(const Diagnosis& d);

}  // namespace mlp::report
