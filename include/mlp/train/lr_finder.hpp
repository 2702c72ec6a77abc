// The learning-rate range test (L. Smith, "Cyclical Learning Rates for Training Neural
// Networks", 2017; the fastai `lr_find`): train a fresh copy of the network for one pass of
// mini-batches while the learning rate grows exponentially from `min_lr` to `max_lr`, record an
// exponentially smoothed, bias-corrected loss per step, stop once it diverges, and suggest a
// rate from the curve. docs/cli.md (`mlp lr-find`) documents the rule.
//
//   LrFinderOptions o;                       // 1e-7 .. 10 over 100 steps
//   LrFinderResult r = find_learning_rate(spec, train, train_options, o);
//   double alpha = r.suggested_learning_rate;
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/data/dataset.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp {

/// How the suggestion is read from the smoothed curve (suggest_learning_rate).
enum class LrSuggestionRule {
  valley,      ///< half-way down the longest descent of the smoothed loss (the default)
  minimum_10,  ///< the rate of the lowest smoothed loss, divided by 10
  steepest,    ///< the most negative slope d(loss)/d(log10 α), before the minimum
};
std::string_view to_string(LrSuggestionRule r);
/// "valley", "steepest" or "minimum/10" (also "minimum_10"); ConfigError listing them otherwise.
LrSuggestionRule parse_lr_suggestion_rule(std::string_view name);

struct LrFinderOptions {
  double min_lr = 1e-7;  ///< α of the first step, > 0
  double max_lr = 10.0;  ///< α of the last step, > min_lr
  std::uint64_t steps = 100;  ///< mini-batches (the data reshuffled whenever an epoch ends)
  double smoothing = 0.98;  ///< β of the moving average, in [0, 1)
  double divergence = 4.0;  ///< stop once the smoothed loss exceeds this × the best, > 1
  LrSuggestionRule rule = LrSuggestionRule::valley;
  void validate() const;  ///< ConfigError naming the option
};

/// α_i = min_lr · (max_lr / min_lr)^(i / (steps − 1)), i = 0 … steps − 1 (min_lr when steps = 1).
[[nodiscard]] double lr_at(const LrFinderOptions& o, std::uint64_t i);

/// The exponential moving average of the losses with bias correction (as Adam's moments):
/// v_i = β·v_{i−1} + (1 − β)·L_i, v_0 = 0; smoothed_i = v_i / (1 − β^i), i from 1.
class LossSmoother {
 public:
  explicit LossSmoother(double beta) : beta_(beta) {}
  /// Adds L_i and returns smoothed_i.
  double add(double loss);

 private:
  double beta_;
  double average_ = 0.0;
  double beta_power_ = 1.0;  ///< β^i
};

/// The stop rule: a non-finite loss, or (after the first step) a smoothed loss above
/// `factor` × the best smoothed loss so far.
[[nodiscard]] bool lr_diverged(double loss, double smoothed, double best, double factor, std::uint64_t step);

struct LrPoint {
  double learning_rate = 0;
  double loss = 0;      ///< smoothed (bias-corrected)
  double raw_loss = 0;  ///< J + penalties of the step's batch
};

/// The suggestion for a recorded curve (points in increasing α), and the index of the point it
/// comes from. valley (fastai's default since 2021): the longest decreasing subsequence of the
/// smoothed losses, from its first point s to its last e; the point s + ⌊(e−s)/3⌋ + ⌊(e−s)/6⌋,
/// about half-way down — in the region where the loss falls steadily, away from the unstable
/// rates near the minimum. minimum_10: the rate of the lowest smoothed loss / 10 (Smith's and fastai's
/// `lr_min`: an order of magnitude below where the loss stops falling). steepest: the slope by
/// central differences of the smoothed loss against log10 α over the points after the first
/// tenth (the moving average still settles there) up to the minimum; the rate with the most
/// negative slope — it falls back to minimum_10 when no such point descends (a curve that only
/// rises, or diverged at once); LrSuggestion::rule says which rule applied. No point at all:
/// ConfigError.
struct LrSuggestion {
  double learning_rate = 0;
  std::size_t index = 0;
  LrSuggestionRule rule = LrSuggestionRule::minimum_10;  ///< the rule that was applied
};
[[nodiscard]] LrSuggestion suggest_learning_rate(const std::vector<LrPoint>& points, LrSuggestionRule rule);

struct LrFinderResult {
  std::vector<LrPoint> points;
  LrSuggestion suggestion;
  bool diverged = false;  ///< stopped by the divergence rule before the last step
  std::string method;     ///< one line: the schedule, smoothing, stop rule and suggestion rule
};

/// Runs the range test on a new network built from `spec` (its own initialization from
/// spec.seed; nothing of the caller's changes) with the optimizer, batch size, L1/L2 penalties,
/// gradient clipping and dropout of `train`. The schedule and early stopping of `train` are not
/// used. Throws ConfigError for bad options.
[[nodiscard]] LrFinderResult find_learning_rate(const ModelSpec& spec, const data::Dataset& train,
                                                const TrainOptions& train_options,
                                                const LrFinderOptions& options = {});

}  // namespace mlp
