// Bias/variance verdict, learning-curve reading and gradient health (docs/diagnosis.md).
#include "mlp/report/diagnosis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mlp/core/error.hpp"
#include "mlp/report/advice.hpp"

namespace mlp::report {
namespace {

using ojson = nlohmann::ordered_json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string num(double v) { return fmt::format("{:.4g}", v); }
std::string pct(double fraction) {
  const double p = 100.0 * fraction;
  return fmt::format("{:.1f}%", std::abs(p) < 0.05 ? 0.0 : p);  // never "-0.0%"
}

void check_threshold(double v, const char* name) {
  if (!std::isfinite(v) || v < 0) {
    throw ConfigError(fmt::format("diagnosis: {} must be finite and >= 0 (got {})", name, v));
  }
}

Verdict decide(const Diagnosis& d) {
  const bool bias = d.avoidable_bias > d.thresholds.bias;
  const bool variance = d.variance && *d.variance > d.thresholds.variance;
  if (bias && variance) return Verdict::high_bias_and_variance;
  if (bias) return Verdict::high_bias;
  if (variance) return Verdict::high_variance;
  return Verdict::good_fit;
}

Diagnosis base_diagnosis(double train_error, std::optional<double> dev_error,
                         const DiagnosisOptions& options) {
  check_threshold(options.thresholds.bias, "bias threshold");
  check_threshold(options.thresholds.variance, "variance threshold");
  if (options.baseline_error && !std::isfinite(*options.baseline_error)) {
    throw ConfigError(fmt::format("diagnosis: the baseline error must be finite (got {})",
                                  *options.baseline_error));
  }
  if (options.baseline_error && *options.baseline_error < 0) {
    throw ConfigError(fmt::format("diagnosis: the baseline error must be >= 0 (got {}); it is the "
                                  "error a human or the best possible model makes",
                                  *options.baseline_error));
  }
  if (!std::isfinite(train_error) || (dev_error && !std::isfinite(*dev_error))) {
    throw ConfigError(fmt::format("diagnosis: the train and dev errors must be finite (got {} and "
                                  "{})", train_error, dev_error.value_or(0.0)));
  }
  Diagnosis d;
  d.thresholds = options.thresholds;
  d.train_error = train_error;
  d.dev_error = dev_error;
  d.baseline_error = options.baseline_error;
  d.run = options.run;
  d.avoidable_bias = train_error - options.baseline_error.value_or(0.0);
  if (dev_error) d.variance = *dev_error - train_error;
  d.verdict = decide(d);
  return d;
}

// ---- gradients ------------------------------------------------------------------------------

/// "layers.K.X" → (K, X); names of another form are not compared across layers.
std::optional<std::pair<long, std::string>> layer_of(const std::string& name) {
  constexpr std::string_view prefix = "layers.";
  if (name.rfind(prefix, 0) != 0) return std::nullopt;
  const auto dot = name.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size()) return std::nullopt;
  long k = 0;
  for (std::size_t i = prefix.size(); i < dot; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    k = k * 10 + (name[i] - '0');
    if (k > 1000000) return std::nullopt;
  }
  return std::make_pair(k, name.substr(dot + 1));
}

/// The epochs that recorded gradient norms, one per slice name (ShapeError otherwise).
std::vector<const EpochMetrics*> epochs_with_gradients(const std::vector<EpochMetrics>& history,
                                                       const std::vector<std::string>& names) {
  std::vector<const EpochMetrics*> epochs;
  for (const auto& e : history) {
    if (e.grad_norms.empty()) continue;
    if (e.grad_norms.size() != names.size()) {
      throw ShapeError(
          fmt::format("gradient health: epoch {} has {} gradient norms for {} slice names", e.epoch,
                      e.grad_norms.size(), names.size()));
    }
    epochs.push_back(&e);
  }
  return epochs;
}

/// kind (W, b) → (layer, slot) of the last layer's slice of that kind: the reference of the
/// cross-layer rules.
using LastLayerSlices = std::map<std::string, std::pair<long, std::size_t>>;

LastLayerSlices last_layer_slices(const std::vector<std::string>& names) {
  LastLayerSlices reference;
  for (std::size_t s = 0; s < names.size(); ++s) {
    if (const auto lk = layer_of(names[s])) {
      auto it = reference.find(lk->second);
      if (it == reference.end() || lk->first > it->second.first) {
        reference[lk->second] = {lk->first, s};
      }
    }
  }
  return reference;
}

/// The last layer's (name, norm at the last epoch) of the same kind as slice `s`; none for a
/// slice of the last layer and for names not of the form "layers.K.X".
using NamedNorm = std::pair<std::string, double>;  ///< (slice name, norm)

std::optional<NamedNorm> reference_norm(const std::vector<std::string>& names, std::size_t s,
                                        const LastLayerSlices& reference,
                                        const EpochMetrics& last) {
  const auto lk = layer_of(names[s]);
  if (!lk) return std::nullopt;
  const std::size_t ref_slot = reference.at(lk->second).second;
  if (ref_slot == s) return std::nullopt;
  return std::make_pair(names[ref_slot], last.grad_norms[ref_slot]);
}

/// What one slice's norms did over the epochs.
struct SliceHistory {
  double max_norm = 0.0;  ///< of the finite norms
  std::uint64_t max_epoch = 0;
  std::optional<std::uint64_t> non_finite_epoch;  ///< the first
  std::optional<std::uint64_t> zero_since;        ///< exactly 0 from this epoch to the last
};

SliceHistory slice_history(const std::vector<const EpochMetrics*>& epochs, std::size_t s) {
  SliceHistory h;
  h.max_epoch = epochs.front()->epoch;
  for (const auto* e : epochs) {
    const double v = e->grad_norms[s];
    if (!std::isfinite(v)) {
      if (!h.non_finite_epoch) h.non_finite_epoch = e->epoch;
      continue;
    }
    if (v > h.max_norm) {
      h.max_norm = v;
      h.max_epoch = e->epoch;
    }
    if (v == 0.0) {
      if (!h.zero_since) h.zero_since = e->epoch;
    } else {
      h.zero_since.reset();
    }
  }
  return h;
}

/// Sets g.status and g.note by the first rule that applies: non-finite, zero, growth over the
/// epochs, above the absolute ceiling, large against the last layer, below the absolute floor,
/// small against the last layer.
void judge_slice(GradientReport& g, const SliceHistory& h, const std::optional<NamedNorm>& ref,
                 const EpochMetrics& first, const EpochMetrics& last, const GradientThresholds& t) {
  const double lastv = g.last_epoch_norm;
  const bool usable_ref = ref && std::isfinite(ref->second);
  const auto against_ref = [&] {
    return fmt::format("norm {} at epoch {} is {}× the last layer's ({} {})", num(lastv),
                       last.epoch, num(lastv / ref->second), ref->first, num(ref->second));
  };
  if (h.non_finite_epoch) {
    g.status = GradientStatus::exploding;
    g.note = fmt::format("non-finite gradient norm at epoch {}", *h.non_finite_epoch);
  } else if (h.zero_since) {
    g.status = GradientStatus::dead;
    g.note = fmt::format("gradient norm exactly 0 since epoch {}", *h.zero_since);
  } else if (g.first_epoch_norm > 0 && g.max_norm >= t.exploding_growth * g.first_epoch_norm) {
    g.status = GradientStatus::exploding;
    g.note = fmt::format("norm grew from {} at epoch {} to {} at epoch {} (×{})",
                         num(g.first_epoch_norm), first.epoch, num(g.max_norm), h.max_epoch,
                         num(g.max_norm / g.first_epoch_norm));
  } else if (g.max_norm >= t.exploding_abs) {
    g.status = GradientStatus::exploding;
    g.note = fmt::format("norm {} at epoch {} is at or above {}", num(g.max_norm), h.max_epoch,
                         num(t.exploding_abs));
  } else if (usable_ref && ref->second > 0 && lastv >= t.exploding_ratio * ref->second) {
    g.status = GradientStatus::exploding;
    g.note = against_ref();
  } else if (lastv < t.vanishing_abs) {
    g.status = GradientStatus::vanishing;
    g.note = fmt::format("norm {} at epoch {} is below {}", num(lastv), last.epoch,
                         num(t.vanishing_abs));
  } else if (usable_ref && lastv < t.vanishing_ratio * ref->second) {
    g.status = GradientStatus::vanishing;
    g.note = against_ref();
  } else {
    g.note = fmt::format("norm {} at epoch {} → {} at epoch {}", num(g.first_epoch_norm),
                         first.epoch, num(lastv), last.epoch);
  }
}

/// The report of slice `s`: its norms, its update ratio at the last epoch, its status.
GradientReport slice_report(const std::vector<const EpochMetrics*>& epochs,
                            const std::vector<std::string>& names, std::size_t s,
                            const LastLayerSlices& reference, const GradientThresholds& t) {
  const EpochMetrics& first = *epochs.front();
  const EpochMetrics& last = *epochs.back();
  const SliceHistory h = slice_history(epochs, s);
  GradientReport g;
  g.name = names[s];
  g.first_epoch_norm = first.grad_norms[s];
  g.last_epoch_norm = last.grad_norms[s];
  g.max_norm = h.non_finite_epoch ? kNaN : h.max_norm;
  const double w = s < last.weight_norms.size() ? last.weight_norms[s] : kNaN;
  g.update_ratio = (std::isfinite(w) && w > 0 && std::isfinite(g.last_epoch_norm))
                       ? last.learning_rate * g.last_epoch_norm / w
                       : kNaN;
  judge_slice(g, h, reference_norm(names, s, reference, last), first, last, t);
  g.remedy = gradient_remedy(g.status, std::nullopt);
  return g;
}

}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::good_fit: return "good_fit";
    case Verdict::high_bias: return "high_bias";
    case Verdict::high_variance: return "high_variance";
    case Verdict::high_bias_and_variance: return "high_bias_and_variance";
  }
  return "?";
}

const char* to_string(GradientStatus s) {
  switch (s) {
    case GradientStatus::ok: return "ok";
    case GradientStatus::vanishing: return "vanishing";
    case GradientStatus::exploding: return "exploding";
    case GradientStatus::dead: return "dead";
  }
  return "?";
}

double error_of(const Metrics& m) { return m.accuracy ? 1.0 - *m.accuracy : m.loss; }

Diagnosis diagnose_errors(double train_error, std::optional<double> dev_error,
                          const DiagnosisOptions& options) {
  Diagnosis d = base_diagnosis(train_error, dev_error, options);
  d.recommendations = recommendation_texts(d, d.run);
  return d;
}

LearningCurve read_learning_curve(const std::vector<EpochMetrics>& history,
                                  const CurveThresholds& t) {
  LearningCurve c;
  const bool any_dev = std::any_of(history.begin(), history.end(),
                                   [](const EpochMetrics& e) { return e.dev.has_value(); });
  c.source = any_dev ? "dev" : "train";
  // (epoch, cost) with finite costs only.
  std::vector<std::pair<std::uint64_t, double>> pts;
  for (const auto& e : history) {
    const double cost = any_dev ? (e.dev ? e.dev->loss : kNaN) : e.train.loss;
    if (std::isfinite(cost)) pts.emplace_back(e.epoch, cost);
  }
  c.epochs = pts.size();
  if (pts.empty()) {
    c.trend = "no_data";
    c.note = fmt::format("no finite {} cost recorded", c.source);
    return c;
  }
  const auto best = std::min_element(pts.begin(), pts.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
  c.best_epoch = best->first;
  c.best_cost = best->second;
  c.final_epoch = pts.back().first;
  c.final_cost = pts.back().second;
  if (pts.size() == 1) {
    c.trend = "single_epoch";
    c.note = fmt::format("one epoch only ({} cost {}): no trend to read", c.source, num(c.final_cost));
    return c;
  }
  const std::size_t k = std::min(std::max<std::size_t>(t.window, 1), pts.size() - 1);
  const auto& ref = pts[pts.size() - 1 - k];
  c.recent_decrease = ref.second != 0 ? (ref.second - c.final_cost) / std::abs(ref.second) : 0.0;
  if (c.best_epoch < c.final_epoch && c.final_cost > c.best_cost + t.rising * std::abs(c.best_cost)) {
    c.trend = "rising";
    c.note = fmt::format(
        "the {} cost turned up: lowest {} at epoch {}, {} at epoch {} (+{}) — overfitting since "
        "epoch {}", c.source, num(c.best_cost), c.best_epoch, num(c.final_cost), c.final_epoch,
        pct(c.best_cost != 0 ? (c.final_cost - c.best_cost) / std::abs(c.best_cost) : 0.0),
        c.best_epoch);
  } else if (c.recent_decrease > t.falling) {
    c.trend = "falling";
    c.note = fmt::format("the {} cost is still falling: {} at epoch {} → {} at epoch {} (−{}) — "
                         "training longer should help", c.source, num(ref.second), ref.first,
                         num(c.final_cost), c.final_epoch, pct(c.recent_decrease));
  } else {
    c.trend = "flat";
    c.note = fmt::format("the {} cost has levelled off: {} at epoch {} → {} at epoch {} ({} "
                         "change); best {} at epoch {}", c.source, num(ref.second), ref.first,
                         num(c.final_cost), c.final_epoch, pct(-c.recent_decrease),
                         num(c.best_cost), c.best_epoch);
  }
  return c;
}

std::vector<GradientReport> gradient_health(const std::vector<EpochMetrics>& history,
                                            const std::vector<std::string>& names,
                                            const GradientThresholds& t) {
  const auto epochs = epochs_with_gradients(history, names);
  std::vector<GradientReport> out;
  if (epochs.empty()) return out;
  const LastLayerSlices reference = last_layer_slices(names);
  for (std::size_t s = 0; s < names.size(); ++s) {
    out.push_back(slice_report(epochs, names, s, reference, t));
  }
  return out;
}

Diagnosis diagnose(const std::vector<EpochMetrics>& history,
                   const std::vector<std::string>& slice_names, const DiagnosisOptions& options) {
  if (history.empty()) {
    throw DataError("diagnosis: the metrics history is empty — train at least one epoch "
                    "(metrics.jsonl has no lines)");
  }
  const bool any_dev = std::any_of(history.begin(), history.end(),
                                   [](const EpochMetrics& e) { return e.dev.has_value(); });
  // Epochs whose errors are finite; the last one (or the one with the lowest dev cost).
  const EpochMetrics* chosen = nullptr;
  for (const auto& e : history) {
    if (!std::isfinite(error_of(e.train))) continue;
    if (any_dev && (!e.dev || !std::isfinite(error_of(*e.dev)) || !std::isfinite(e.dev->loss))) continue;
    if (options.use_best_epoch && any_dev && chosen && options.best_epoch > 0) {
      if (e.epoch != options.best_epoch) continue;  // the monitored metric's best epoch
    } else if (options.use_best_epoch && any_dev && chosen && !(e.dev->loss < chosen->dev->loss)) {
      continue;
    }
    chosen = &e;
  }
  if (!chosen) {
    throw DataError(fmt::format("diagnosis: no epoch of the {} recorded has finite {} errors — "
                                "the run diverged; lower train.learning_rate or set "
                                "train.clip_norm", history.size(), any_dev ? "train and dev" : "train"));
  }
  std::optional<double> dev_error;
  if (chosen->dev) dev_error = error_of(*chosen->dev);
  Diagnosis d = base_diagnosis(error_of(chosen->train), dev_error, options);
  d.epoch = chosen->epoch;
  d.error_measure = chosen->train.accuracy ? "1 - accuracy" : "loss";
  d.learning_curve = read_learning_curve(history, options.curve);
  d.gradients = gradient_health(history, slice_names, options.gradients);
  for (auto& g : d.gradients) g.remedy = gradient_remedy(g.status, d.run);
  d.recommendations = recommendation_texts(d, d.run);
  return d;
}

// ---- rendering ---------------------------------------------------------------------------------

namespace {
ojson jnum(double v) { return std::isfinite(v) ? ojson(v) : ojson(nullptr); }
ojson jopt(const std::optional<double>& v) { return v ? jnum(*v) : ojson(nullptr); }
}  // namespace

std::string to_json(const Diagnosis& d, int indent) {
  ojson o = ojson::object();
  o["verdict"] = to_string(d.verdict);
  o["epoch"] = d.epoch;
  o["error_measure"] = d.error_measure.empty() ? ojson(nullptr) : ojson(d.error_measure);
  o["train_error"] = jnum(d.train_error);
  o["dev_error"] = jopt(d.dev_error);
  o["baseline_error"] = jopt(d.baseline_error);
  o["avoidable_bias"] = jnum(d.avoidable_bias);
  o["variance"] = jopt(d.variance);
  o["thresholds"] = {{"bias", jnum(d.thresholds.bias)}, {"variance", jnum(d.thresholds.variance)}};
  o["recommendations"] = d.recommendations;
  if (d.run) {
    o["run"] = {{"optimizer", d.run->optimizer}, {"learning_rate", jnum(d.run->learning_rate)},
                {"l1", jnum(d.run->l1)}, {"l2", jnum(d.run->l2)},
                {"min_keep_prob", jnum(d.run->min_keep_prob)},
                {"early_stopping", d.run->early_stopping}, {"patience", d.run->patience},
                {"restore_best", d.run->restore_best}, {"epochs", d.run->epochs},
                {"schedule", d.run->schedule}, {"clip_norm", jnum(d.run->clip_norm)},
                {"hidden", d.run->hidden}, {"activation", d.run->activation},
                {"init", d.run->init}, {"init_scale", jnum(d.run->init_scale)},
                {"init_gain", jnum(d.run->init_gain)}};
  } else {
    o["run"] = nullptr;
  }
  ojson grads = ojson::array();
  for (const auto& g : d.gradients) {
    ojson j = ojson::object();
    j["name"] = g.name;
    j["first_epoch_norm"] = jnum(g.first_epoch_norm);
    j["last_epoch_norm"] = jnum(g.last_epoch_norm);
    j["max_norm"] = jnum(g.max_norm);
    j["update_ratio"] = jnum(g.update_ratio);
    j["status"] = to_string(g.status);
    j["note"] = g.note;
    j["remedy"] = g.remedy.empty() ? ojson(nullptr) : ojson(g.remedy);
    grads.push_back(std::move(j));
  }
  o["gradients"] = std::move(grads);
  if (d.learning_curve) {
    const auto& c = *d.learning_curve;
    ojson j = ojson::object();
    j["source"] = c.source;
    j["epochs"] = c.epochs;
    j["trend"] = c.trend;
    j["best_epoch"] = c.best_epoch;
    j["best_cost"] = jnum(c.best_cost);
    j["final_epoch"] = c.final_epoch;
    j["final_cost"] = jnum(c.final_cost);
    j["recent_decrease"] = jnum(c.recent_decrease);
    j["note"] = c.note;
    o["learning_curve"] = std::move(j);
  } else {
    o["learning_curve"] = nullptr;
  }
  return o.dump(indent);
}

std::string to_text(const Diagnosis& d) {
  std::string out;
  const char* label = "";
  switch (d.verdict) {
    case Verdict::good_fit: label = "good fit"; break;
    case Verdict::high_bias: label = "high bias"; break;
    case Verdict::high_variance: label = "high variance"; break;
    case Verdict::high_bias_and_variance: label = "high bias and high variance"; break;
  }
  out += fmt::format("Verdict: {}", label);
  if (d.epoch) out += fmt::format(" (epoch {}, error = {})", d.epoch, d.error_measure);
  out += "\n";
  out += fmt::format("  train error     {:>10}\n", num(d.train_error));
  out += fmt::format("  dev error       {:>10}\n", d.dev_error ? num(*d.dev_error) : "n/a");
  out += fmt::format("  baseline error  {:>10}{}\n", num(d.baseline_error.value_or(0.0)),
                     d.baseline_error ? "" : "  (none given: 0)");
  out += fmt::format("  avoidable bias  {:>10}  (threshold {}: {})\n", num(d.avoidable_bias),
                     num(d.thresholds.bias), d.avoidable_bias > d.thresholds.bias ? "HIGH" : "ok");
  if (d.variance) {
    out += fmt::format("  variance        {:>10}  (threshold {}: {})\n", num(*d.variance),
                       num(d.thresholds.variance), *d.variance > d.thresholds.variance ? "HIGH" : "ok");
  } else {
    out += "  variance               n/a  (no dev set)\n";
  }
  if (d.learning_curve) out += fmt::format("Learning curve: {}: {}\n", d.learning_curve->trend, d.learning_curve->note);
  if (!d.recommendations.empty()) {
    out += "Recommendations:\n";
    for (std::size_t i = 0; i < d.recommendations.size(); ++i) {
      out += fmt::format("  {}. {}\n", i + 1, d.recommendations[i]);
    }
  }
  if (!d.gradients.empty()) {
    std::size_t width = 4;
    for (const auto& g : d.gradients) width = std::max(width, g.name.size());
    out += "Gradients (mean norm per epoch, first -> last epoch):\n";
    for (const auto& g : d.gradients) {
      out += fmt::format("  {:<{}}  {:>10} -> {:<10}  {:<9}  {}\n", g.name, width,
                         num(g.first_epoch_norm), num(g.last_epoch_norm), to_string(g.status), g.note);
    }
  }
  return out;
}

}  // namespace mlp::report
