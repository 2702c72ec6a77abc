// The learning-rate range test (lr_finder.hpp).
#include "mlp/train/lr_finder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/data/batcher.hpp"
#include "mlp/optim/optimizer.hpp"
#include "mlp/optim/regularization.hpp"
#include "mlp/train/metrics.hpp"

namespace mlp {

std::string_view to_string(LrSuggestionRule r) {
  return r == LrSuggestionRule::steepest ? "steepest" : r == LrSuggestionRule::valley ? "valley" : "minimum/10";
}

LrSuggestionRule parse_lr_suggestion_rule(std::string_view name) {
  if (name == "valley") return LrSuggestionRule::valley;
  if (name == "steepest") return LrSuggestionRule::steepest;
  if (name == "minimum/10" || name == "minimum_10") return LrSuggestionRule::minimum_10;
  throw ConfigError(fmt::format("unknown suggestion rule \"{}\" — use \"valley\", \"steepest\" or \"minimum/10\"", name));
}

void LrFinderOptions::validate() const {
  const auto bad = [](const std::string& m) { throw ConfigError("learning-rate finder: " + m); };
  if (!(min_lr > 0) || !std::isfinite(min_lr)) bad(fmt::format("min_lr must be > 0 and finite (got {})", min_lr));
  if (!(max_lr > min_lr) || !std::isfinite(max_lr)) {
    bad(fmt::format("max_lr must be finite and > min_lr = {} (got {})", min_lr, max_lr));
  }
  if (steps < 2) bad(fmt::format("steps must be at least 2 (got {})", steps));
  if (!(smoothing >= 0 && smoothing < 1)) bad(fmt::format("smoothing must be in [0, 1) (got {})", smoothing));
  if (!(divergence > 1) || !std::isfinite(divergence)) {
    bad(fmt::format("divergence must be > 1 and finite (got {})", divergence));
  }
}

double lr_at(const LrFinderOptions& o, std::uint64_t i) {
  if (o.steps <= 1) return o.min_lr;
  const double t = static_cast<double>(i) / static_cast<double>(o.steps - 1);
  return o.min_lr * std::pow(o.max_lr / o.min_lr, t);
}

double LossSmoother::add(double loss) {
  average_ = beta_ * average_ + (1.0 - beta_) * loss;
  beta_power_ *= beta_;
  return average_ / (1.0 - beta_power_);
}

bool lr_diverged(double loss, double smoothed, double best, double factor, std::uint64_t step) {
  if (!std::isfinite(loss) || !std::isfinite(smoothed)) return true;
  return step > 0 && smoothed > factor * best;
}

LrSuggestion suggest_learning_rate(const std::vector<LrPoint>& points, LrSuggestionRule rule) {
  if (points.empty()) throw ConfigError("learning-rate finder: no point recorded, nothing to suggest from");
  std::size_t best = 0;
  for (std::size_t i = 1; i < points.size(); ++i) {
    if (points[i].loss < points[best].loss) best = i;
  }
  const LrSuggestion minimum{points[best].learning_rate / 10.0, best, LrSuggestionRule::minimum_10};
  if (rule == LrSuggestionRule::minimum_10) return minimum;
  if (rule == LrSuggestionRule::valley) {
    // lds[i]: the length of the longest decreasing subsequence ending at i (O(n²), n = steps).
    const std::size_t n = points.size();
    std::vector<std::size_t> lds(n, 1);
    std::size_t start = 0, end = 0;
    for (std::size_t i = 1; i < n; ++i) {
      for (std::size_t k = 0; k < i; ++k) {
        if (points[i].loss < points[k].loss && lds[i] < lds[k] + 1) lds[i] = lds[k] + 1;
      }
      if (lds[end] < lds[i]) {
        end = i;
        start = end - lds[end] + 1;
      }
    }
    if (end == start) return minimum;  // nothing descends
    const std::size_t third = (end - start) / 3;
    const std::size_t i = std::min(end, start + third + third / 2);
    return {points[i].learning_rate, i, LrSuggestionRule::valley};
  }
  // Steepest descent: slope_i = (L_{i+1} − L_{i−1}) / (log10 α_{i+1} − log10 α_{i−1}) over
  // [first tenth, minimum], the most negative one.
  const std::size_t first = std::max<std::size_t>(1, points.size() / 10);
  const std::size_t last = std::min(best, points.size() - 2);
  std::optional<std::size_t> steepest;
  double slope_min = 0;
  for (std::size_t i = first; i <= last && last >= first; ++i) {
    const double dx = std::log10(points[i + 1].learning_rate) - std::log10(points[i - 1].learning_rate);
    if (!(dx > 0)) continue;
    const double slope = (points[i + 1].loss - points[i - 1].loss) / dx;
    if (std::isfinite(slope) && slope < slope_min) {
      slope_min = slope;
      steepest = i;
    }
  }
  if (!steepest) return minimum;  // no descent before the minimum: the curve only rises
  return {points[*steepest].learning_rate, *steepest, LrSuggestionRule::steepest};
}

LrFinderResult find_learning_rate(const ModelSpec& spec, const data::Dataset& train,
                                  const TrainOptions& train_options, const LrFinderOptions& options) {
  options.validate();
  train_options.validate();
  Network<float> net(spec);  // a fresh network: the caller's weights are never touched
  check_data_fits(net, train, "training");
  Parameters<float>& params = net.params();
  const auto optimizer = optim::make_optimizer<float>(train_options.optimizer);
  data::Batcher batcher(train, train_options.batch_size, train_options.drop_last, train_options.seed);
  data::Batch batch;
  Matrix<float> Y;
  Rng dropout_rng(train_options.seed ^ 0xd50f0a11c0ffeeULL);
  const auto m = static_cast<std::size_t>(train.size());
  const auto l1 = static_cast<float>(train_options.l1), l2 = static_cast<float>(train_options.l2);

  LrFinderResult r;
  LossSmoother smoother(options.smoothing);
  double best = std::numeric_limits<double>::infinity();
  batcher.start_epoch();
  for (std::uint64_t i = 0; i < options.steps; ++i) {
    if (!batcher.next(batch)) {  // one pass is over before the steps: reshuffle and go on
      batcher.start_epoch();
      if (!batcher.next(batch)) break;
    }
    const double lr = lr_at(options, i);
    const ConstMatrixMap<float> Yb = batch.Y();
    encode_targets(spec, train.task, batch.labels(), &Yb, batch.size(), Y);
    double J = net.forward_backward(batch.X(), Y, true, &dropout_rng);
    if (l2 > 0) J += optim::l2_penalty(params, l2, m);
    if (l1 > 0) J += optim::l1_penalty(params, l1, m);
    const double smoothed = std::isfinite(J) ? smoother.add(J) : J;
    if (lr_diverged(J, smoothed, best, options.divergence, i)) {
      if (std::isfinite(smoothed)) r.points.push_back({lr, smoothed, J});
      r.diverged = true;
      break;
    }
    r.points.push_back({lr, smoothed, J});
    best = std::min(best, smoothed);
    if (train_options.clip_norm > 0) optim::clip_grad_norm(params, train_options.clip_norm);
    optimizer->step(params, static_cast<float>(lr));
    if (!params.theta().allFinite()) {  // the step itself overflowed: the next loss is not finite
      r.diverged = true;
      break;
    }
  }
  r.suggestion = suggest_learning_rate(r.points, options.rule);
  r.method = fmt::format(
      "learning rate from {:g} to {:g} exponentially over {} mini-batches of {} ({} optimizer, fresh "
      "weights); loss smoothed by an exponential moving average (beta {:g}) with bias correction; "
      "stopped when the smoothed loss exceeded {:g}x the best or was not finite; suggestion: {}",
      options.min_lr, options.max_lr, options.steps, batcher.batch_size(), train_options.optimizer.name,
      options.smoothing, options.divergence,
      r.suggestion.rule == LrSuggestionRule::steepest
          ? "the steepest descent of the smoothed loss against log10(learning rate), before its minimum"
      : r.suggestion.rule == LrSuggestionRule::valley
          ? "valley: half-way down the longest descent of the smoothed loss"
          : "the learning rate of the lowest smoothed loss divided by 10");
  return r;
}

}  // namespace mlp
