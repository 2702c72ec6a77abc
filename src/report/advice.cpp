// The advice of a diagnosis (see mlp/report/advice.hpp and docs/diagnosis.md).
//
// First a Plan: the directions this diagnosis takes (network size, regularization, the
// activation and initializer to move to, whether the learning rate is lowered), decided once
// from the verdict, the larger gap and the gradient findings. Every recommendation is then
// written from the Plan and the run's settings, so no two of them pull one key two ways.
#include "mlp/report/advice.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace mlp::report {
namespace {

std::string num(double v) { return fmt::format("{:.4g}", v); }
std::string pct(double fraction) {
  const double p = 100.0 * fraction;
  return fmt::format("{:.1f}%", std::abs(p) < 0.05 ? 0.0 : p);  // never "-0.0%"
}

std::string joined(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

bool relu_family(const std::string& a) { return a == "relu" || a == "leaky_relu" || a == "gelu"; }
bool saturating(const std::string& a) { return a == "sigmoid" || a == "tanh"; }

/// "[64, 64]"; a long list as "10 layers of 64" when all widths agree.
std::string widths(const std::vector<std::int64_t>& h) {
  if (h.size() > 6 && std::all_of(h.begin(), h.end(), [&](std::int64_t w) { return w == h[0]; })) {
    return fmt::format("{} layers of {}", h.size(), h[0]);
  }
  std::vector<std::string> parts;
  for (auto w : h) parts.push_back(std::to_string(w));
  return "[" + joined(parts, ", ") + "]";
}

std::vector<std::int64_t> scaled(const std::vector<std::int64_t>& h, double factor) {
  std::vector<std::int64_t> out;
  for (auto w : h) out.push_back(std::max<std::int64_t>(1, std::llround(static_cast<double>(w) * factor)));
  return out;
}

/// The distinct hidden activations, in order ("sigmoid", or "tanh, leaky_relu").
std::vector<std::string> distinct(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (const auto& a : v) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  return out;
}

/// The initializer whose variance suits `activations`: He (2/n_in) when a ReLU-family
/// activation halves the signal, Glorot otherwise (tanh, sigmoid, identity: gain about 1).
std::string suited_init(const std::vector<std::string>& activations) {
  return std::any_of(activations.begin(), activations.end(), relu_family) ? "he_normal" : "glorot_normal";
}

bool is_he(const std::string& i) { return i == "he_normal" || i == "he_uniform"; }
bool is_glorot(const std::string& i) { return i == "glorot_normal" || i == "glorot_uniform"; }
bool same_family(const std::string& a, const std::string& b) {
  return a == b || (is_he(a) && is_he(b)) || (is_glorot(a) && is_glorot(b));
}

/// The directions of one diagnosis.
struct Plan {
  const RunSettings* run = nullptr;  ///< null: unknown (generic advice)
  bool bias = false, variance = false;
  bool bias_first = false;  ///< with both: the larger gap is the bias
  int regularize = 0;       ///< +1 more, −1 less, 0 leave alone
  int network = 0;          ///< +1 bigger, −1 smaller, 0 leave alone
  std::vector<std::string> vanishing, exploding, dead;
  double exploding_max = 0.0;      ///< the largest finite norm among the exploding slices
  bool exploding_non_finite = false;
  bool lowers_lr = false;          ///< a gradient remedy lowers train.learning_rate
  std::string activation;          ///< the activation the advice moves to ("" = keep)
  std::vector<std::string> activations_after;  ///< the hidden activations after that move
  const LearningCurve* curve = nullptr;

  bool depth_problem() const { return !vanishing.empty() || !exploding.empty(); }
  bool gradients() const { return depth_problem() || !dead.empty(); }
};

Plan make_plan(const Diagnosis& d, const std::optional<RunSettings>& run) {
  Plan p;
  p.run = run ? &*run : nullptr;
  p.bias = d.verdict == Verdict::high_bias || d.verdict == Verdict::high_bias_and_variance;
  p.variance = d.verdict == Verdict::high_variance || d.verdict == Verdict::high_bias_and_variance;
  p.bias_first = p.bias && !(p.variance && d.variance && *d.variance > d.avoidable_bias);
  // Regularization moves toward the larger gap; a bigger network serves a high bias with or
  // without a high variance (with regularization it rarely hurts the dev error).
  if (p.bias && p.variance) p.regularize = p.bias_first ? -1 : +1;
  else if (p.bias) p.regularize = -1;
  else if (p.variance) p.regularize = +1;
  p.network = p.bias ? +1 : (p.variance ? -1 : 0);
  p.curve = d.learning_curve ? &*d.learning_curve : nullptr;
  for (const auto& g : d.gradients) {
    switch (g.status) {
      case GradientStatus::vanishing: p.vanishing.push_back(g.name); break;
      case GradientStatus::exploding:
        p.exploding.push_back(g.name);
        for (double v : {g.max_norm, g.last_epoch_norm, g.first_epoch_norm}) {
          if (std::isfinite(v)) p.exploding_max = std::max(p.exploding_max, v);
          else p.exploding_non_finite = true;
        }
        break;
      case GradientStatus::dead: p.dead.push_back(g.name); break;
      case GradientStatus::ok: break;
    }
  }
  const bool relu_dead = !p.dead.empty() && (!p.run || std::any_of(p.run->activation.begin(), p.run->activation.end(),
                                                                    [](const std::string& a) { return a == "relu"; }));
  p.lowers_lr = !p.exploding.empty() || relu_dead;
  // The activation to move to: a ReLU-family one that does not die (leaky_relu) when units are
  // dead or a saturating activation starves the early layers of gradient.
  if (p.run) {
    const auto& acts = p.run->activation;
    const bool has_relu = std::any_of(acts.begin(), acts.end(), [](const std::string& a) { return a == "relu"; });
    const bool has_saturating = std::any_of(acts.begin(), acts.end(), saturating);
    if ((!p.dead.empty() && has_relu) || (!p.vanishing.empty() && has_saturating)) p.activation = "leaky_relu";
    p.activations_after = acts;
    if (!p.activation.empty()) {
      for (auto& a : p.activations_after) {
        if (a == "relu" || saturating(a)) a = p.activation;
      }
    }
  } else if (!p.dead.empty() || !p.vanishing.empty()) {
    p.activation = "leaky_relu";
  }
  return p;
}

/// Collects recommendations.
struct Out {
  std::vector<Recommendation> items;
  void add(std::string text, std::vector<SettingChange> changes = {}) {
    items.push_back({std::move(text), std::move(changes)});
  }
};

// ---- the initializer ---------------------------------------------------------------------------

enum class Need { smaller_weights, larger_weights, reset };

/// What to change in model.init / init_scale / init_gain for gradients that grow (smaller
/// weights), shrink (larger weights) or both (reset to the initializer that suits the
/// activation, gain 1). Empty text: the initialization is already the right one.
std::pair<std::string, std::vector<SettingChange>> init_fix(const Plan& p, Need need) {
  std::vector<std::string> parts;
  std::vector<SettingChange> changes;
  if (!p.run || p.run->init.empty()) {
    if (need == Need::smaller_weights) {
      parts.push_back("He/Glorot init (model.init = \"he_normal\" with ReLU, \"glorot_normal\" with "
                      "tanh/sigmoid/identity) instead of a large model.init_scale or model.init_gain");
    } else {
      parts.push_back("He init (model.init = \"he_normal\") with ReLU or Glorot (\"glorot_normal\") "
                      "with tanh/sigmoid");
    }
    changes.push_back({"model.init", Direction::set, "suited"});
    return {joined(parts, ", "), changes};
  }
  const RunSettings& r = *p.run;
  const std::string suited = suited_init(p.activations_after);
  if (r.init == "zeros") {
    parts.push_back(fmt::format("model.init = \"{}\" instead of \"zeros\" (zero weights give every "
                                "unit of a layer the same gradient)", suited));
    changes.push_back({"model.init", Direction::set, suited});
  } else if (r.init == "normal") {
    std::string t = fmt::format("model.init = \"{}\" instead of \"normal\" with init_scale {}", suited,
                                num(r.init_scale));
    changes.push_back({"model.init", Direction::set, suited});
    if (need == Need::smaller_weights) {
      t += fmt::format(", or lower model.init_scale from {} to {}", num(r.init_scale), num(r.init_scale / 10));
      changes.push_back({"model.init_scale", Direction::lower, ""});
    }
    parts.push_back(t);
  } else if (!same_family(r.init, suited)) {
    parts.push_back(fmt::format("model.init = \"{}\" instead of \"{}\" (it suits {})", suited, r.init,
                                joined(distinct(p.activations_after), ", ")));
    changes.push_back({"model.init", Direction::set, suited});
  }
  if (r.init != "zeros") {
    if (r.init_gain > 1 && need != Need::larger_weights) {
      parts.push_back(fmt::format("lower model.init_gain from {} to 1", num(r.init_gain)));
      changes.push_back({"model.init_gain", Direction::lower, ""});
    } else if (r.init_gain < 1 && need != Need::smaller_weights) {
      parts.push_back(fmt::format("raise model.init_gain from {} to 1", num(r.init_gain)));
      changes.push_back({"model.init_gain", Direction::raise, ""});
    }
  }
  return {joined(parts, ", or "), changes};
}

std::string lower_lr_text(const Plan& p) {
  return p.run ? fmt::format("lower train.learning_rate from {} to {}", num(p.run->learning_rate),
                             num(p.run->learning_rate / 10))
               : std::string("lower train.learning_rate");
}

void append(std::vector<SettingChange>& to, const std::vector<SettingChange>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// ---- gradient problems -------------------------------------------------------------------------

/// The remedy for exploding gradients (without the slice list).
Recommendation exploding_remedy(const Plan& p) {
  std::vector<std::string> parts;
  std::vector<SettingChange> changes;
  std::string lead;
  const auto [init, init_changes] = init_fix(p, p.vanishing.empty() ? Need::smaller_weights : Need::reset);
  if (!p.run) {
    parts.push_back("clip the gradient norm (add train.clip_norm = 1.0 if the run does not clip; if it "
                    "does, fix the cause below)");
    changes.push_back({"train.clip_norm", Direction::lower, ""});
    parts.push_back(lower_lr_text(p));
    parts.push_back(init);
  } else {
    if (p.run->clip_norm > 0) {
      lead = fmt::format("the run already clips at train.clip_norm = {}, which bounds the steps but "
                         "not the cause; ", num(p.run->clip_norm));
    }
    if (!init.empty()) parts.push_back(init);
    parts.push_back(lower_lr_text(p));
    if (p.run->clip_norm > 0) {
      parts.push_back(fmt::format("lower train.clip_norm from {} to {}", num(p.run->clip_norm),
                                  num(p.run->clip_norm / 10)));
    } else {
      parts.push_back("add train.clip_norm = 1.0 (clips the global gradient norm of each step)");
    }
    changes.push_back({"train.clip_norm", Direction::lower, ""});
  }
  append(changes, init_changes);
  changes.push_back({"train.learning_rate", Direction::lower, ""});
  if (p.run && p.run->hidden.size() > 1 && p.network < 0) {
    parts.push_back(fmt::format("or fewer hidden layers (model.hidden has {})", p.run->hidden.size()));
    changes.push_back({"model.hidden", Direction::lower, ""});
  }
  return {lead + joined(parts, "; "), changes};
}

/// The remedy for vanishing gradients.
Recommendation vanishing_remedy(const Plan& p) {
  std::vector<std::string> parts;
  std::vector<SettingChange> changes;
  if (!p.activation.empty()) {
    if (p.run) {
      std::vector<std::string> from;
      for (const auto& a : distinct(p.run->activation)) {
        if (saturating(a) || a == "relu") from.push_back(a);
      }
      parts.push_back(fmt::format("model.activation = \"{}\" instead of {} (a ReLU-family activation "
                                  "passes the gradient on unchanged where it is active)",
                                  p.activation, joined(from, ", ")));
    } else {
      parts.push_back("a ReLU-family model.activation (\"leaky_relu\", \"relu\") instead of sigmoid/tanh");
    }
    changes.push_back({"model.activation", Direction::set, p.activation});
  }
  // With exploding slices as well, the exploding remedy already resets the initializer.
  if (p.exploding.empty()) {
    const auto [init, init_changes] = init_fix(p, Need::larger_weights);
    if (!init.empty()) parts.push_back(init);
    append(changes, init_changes);
  }
  if (p.network < 0 && (!p.run || p.run->hidden.size() > 1)) {
    parts.push_back(p.run ? fmt::format("or fewer hidden layers (model.hidden has {})", p.run->hidden.size())
                          : std::string("or fewer layers"));
    changes.push_back({"model.hidden", Direction::lower, ""});
  }
  if (parts.empty()) {
    parts.push_back(!p.exploding.empty()
                        ? std::string("the change of initialization above applies here too")
                        : fmt::format("the initializer ({}) already suits the activations — look for a "
                                      "layer whose units saturate", p.run->init));
  }
  return {joined(parts, "; "), changes};
}

/// The remedy for gradients that are exactly zero.
Recommendation dead_remedy(const Plan& p) {
  std::vector<std::string> parts;
  std::vector<SettingChange> changes;
  if (!p.run) {
    return {"ReLU units may be dead — try model.activation = \"leaky_relu\", a lower "
            "train.learning_rate, He init (never model.init = \"zeros\")",
            {{"model.activation", Direction::set, "leaky_relu"},
             {"train.learning_rate", Direction::lower, ""},
             {"model.init", Direction::set, "suited"}}};
  }
  if (p.run->init == "zeros") {
    if (p.depth_problem()) {
      parts.push_back("zero weights give every unit of a layer the same gradient — the change of "
                      "initialization above applies here too");
    } else {
      const auto [init, init_changes] = init_fix(p, Need::reset);
      parts.push_back(init);
      append(changes, init_changes);
    }
  } else {
    if (p.activation == "leaky_relu" &&
        std::any_of(p.run->activation.begin(), p.run->activation.end(), [](const std::string& a) { return a == "relu"; })) {
      parts.push_back("ReLU units may be dead (never active): model.activation = \"leaky_relu\" instead of relu");
      changes.push_back({"model.activation", Direction::set, p.activation});
    }
    if (p.lowers_lr) {
      parts.push_back(lower_lr_text(p));
      changes.push_back({"train.learning_rate", Direction::lower, ""});
    }
    if (!p.depth_problem()) {  // otherwise the exploding or vanishing remedy changes the init
      const auto [init, init_changes] = init_fix(p, Need::reset);
      if (!init.empty()) parts.push_back(init);
      append(changes, init_changes);
    }
    if (parts.empty()) parts.push_back("no gradient reaches these parameters — check that the layer's units are not saturated");
  }
  return {joined(parts, "; "), changes};
}

void gradient_advice(const Plan& p, Out& out) {
  const auto item = [&](const char* what, const std::vector<std::string>& names, Recommendation r) {
    std::string text = fmt::format("{} in {}", what, joined(names, ", "));
    if (what[0] == 'E' && p.exploding_max > 0) {
      text += fmt::format(" (norms up to {}{})", num(p.exploding_max), p.exploding_non_finite ? " and non-finite" : "");
    }
    out.add(text + ": " + r.text + ".", std::move(r.changes));
  };
  if (!p.exploding.empty()) item("Exploding gradients", p.exploding, exploding_remedy(p));
  if (!p.vanishing.empty()) item("Vanishing gradients", p.vanishing, vanishing_remedy(p));
  if (!p.dead.empty()) item("Zero gradients", p.dead, dead_remedy(p));
}

// ---- bias ----------------------------------------------------------------------------------------

void bigger_network(const Diagnosis& d, const Plan& p, Out& out, bool after_variance) {
  std::string text = fmt::format("High bias (avoidable bias {} > {}): use a bigger network{} — ",
                                 num(d.avoidable_bias), num(d.thresholds.bias),
                                 after_variance ? " (with the regularization above)" : "");
  if (!p.run) {
    text += p.depth_problem()
                ? "more units per layer in model.hidden (e.g. double each width); add layers only once "
                  "the gradients are healthy."
                : "more units per layer or more layers in model.hidden (e.g. double each width, or add a layer).";
  } else if (p.run->hidden.empty()) {
    text += "add a hidden layer, e.g. model.hidden = [16] (the model has none).";
  } else if (p.depth_problem()) {
    text += fmt::format("wider layers, e.g. model.hidden = {} (now {}); add layers only once the "
                        "gradients are healthy.", widths(scaled(p.run->hidden, 2)), widths(p.run->hidden));
  } else {
    text += fmt::format("more units per layer or more layers, e.g. model.hidden = {} (now {}), or one "
                        "more layer of {}.", widths(scaled(p.run->hidden, 2)), widths(p.run->hidden),
                        p.run->hidden.back());
  }
  out.add(text, {{"model.hidden", Direction::raise, ""}});
}

void train_longer(const Plan& p, Out& out) {
  const std::string trend = p.curve ? p.curve->trend : "";
  if (trend == "flat") {
    out.add(fmt::format("Training longer (train.epochs) is unlikely to help: {} — change the model or "
                        "the optimization instead.", p.curve->note));
    return;
  }
  if (trend == "rising") return;  // more epochs would overfit more; early stopping is the advice
  std::string text = "Train longer: raise train.epochs";
  if (p.run && p.run->epochs > 0) {
    text += fmt::format(" from {} to {}", p.run->epochs, 2 * p.run->epochs);
  }
  if (trend == "falling") {
    text += fmt::format(" — the {} cost was still falling ({} over the last epochs)", p.curve->source,
                        pct(p.curve->recent_decrease));
  }
  out.add(text + ".", {{"train.epochs", Direction::raise, ""}});
}

void optimize_better(const Plan& p, Out& out) {
  std::vector<std::string> parts;
  std::vector<SettingChange> changes;
  std::string lead;
  if (!p.run) {
    parts.push_back("train.optimizer = \"adam\" (or momentum/rmsprop)");
    changes.push_back({"train.optimizer", Direction::set, "adam"});
    if (!p.lowers_lr) parts.push_back("tune train.learning_rate by factors of 3");
    parts.push_back("a decaying [train.schedule] if the run has none");
  } else {
    if (p.run->optimizer == "adam" || p.run->optimizer == "adamw") {
      lead = fmt::format("the run already uses {}; ", p.run->optimizer);
    } else {
      parts.push_back(fmt::format("train.optimizer = \"adam\" (the run uses {})", p.run->optimizer));
      changes.push_back({"train.optimizer", Direction::set, "adam"});
    }
    if (!p.lowers_lr) {
      parts.push_back(fmt::format("tune train.learning_rate (now {}) by factors of 3 ({} or {})",
                                  num(p.run->learning_rate), num(p.run->learning_rate / 3),
                                  num(p.run->learning_rate * 3)));
    }
    if (p.run->schedule.empty() || p.run->schedule == "constant") {
      parts.push_back("add a decaying [train.schedule] (e.g. type = \"exponential\")");
      changes.push_back({"train.schedule", Direction::set, "decaying"});
    } else {
      lead += fmt::format("the learning rate already follows [train.schedule] type = \"{}\"; ", p.run->schedule);
    }
  }
  if (parts.empty()) {
    out.add("Optimize better: " + lead + "the optimization is already adaptive and scheduled — change the model.");
    return;
  }
  out.add("Optimize better: " + lead + joined(parts, ", or ") + ".", changes);
}

void regularize_less(const Plan& p, Out& out) {
  if (!p.run) {
    out.add("If the model is regularized, regularize less: lower train.l2 / train.l1, raise "
            "model.keep_prob toward 1.0 (regularization trades bias for variance).",
            {{"train.l2", Direction::lower, ""}, {"train.l1", Direction::lower, ""},
             {"model.keep_prob", Direction::raise, ""}});
    return;
  }
  std::vector<std::string> less;
  std::vector<SettingChange> changes;
  if (p.run->l2 > 0) {
    less.push_back(fmt::format("lower train.l2 from {} to {}", num(p.run->l2), num(p.run->l2 / 10)));
    changes.push_back({"train.l2", Direction::lower, ""});
  }
  if (p.run->l1 > 0) {
    less.push_back(fmt::format("lower train.l1 from {} to {}", num(p.run->l1), num(p.run->l1 / 10)));
    changes.push_back({"train.l1", Direction::lower, ""});
  }
  if (p.run->min_keep_prob < 1.0) {
    less.push_back(fmt::format("raise model.keep_prob from {} toward 1.0", num(p.run->min_keep_prob)));
    changes.push_back({"model.keep_prob", Direction::raise, ""});
  }
  if (less.empty()) return;  // nothing to take away
  out.add("Regularize less: " + joined(less, ", ") + " (regularization trades bias for variance).", changes);
}

/// "Another activation" — unless a gradient remedy already moves the activation.
void other_activation(const Plan& p, Out& out, bool smaller) {
  std::string text = "Other architecture: ";
  std::vector<SettingChange> changes;
  if (smaller) {
    if (p.run && p.run->hidden.empty()) return;
    text += p.run ? fmt::format("a smaller network, e.g. model.hidden = {} (now {}) — fewer units or layers",
                                widths(scaled(p.run->hidden, 0.5)), widths(p.run->hidden))
                  : std::string("a smaller network (fewer units or layers in model.hidden)");
    changes.push_back({"model.hidden", Direction::lower, ""});
  }
  if (p.activation.empty() && (!p.run || !p.run->activation.empty())) {
    if (smaller) text += ", or ";
    if (p.run) {
      const auto now = distinct(p.run->activation);
      std::vector<std::string> others;
      for (const char* a : {"leaky_relu", "relu", "tanh", "gelu"}) {
        if (std::find(now.begin(), now.end(), a) == now.end() && others.size() < 2) others.push_back(a);
      }
      text += fmt::format("another model.activation than {} (e.g. {})", joined(now, ", "), joined(others, " or "));
    } else {
      text += "another model.activation (relu, leaky_relu, tanh)";
    }
    changes.push_back({"model.activation", Direction::set, "*"});
  } else if (!smaller) {
    return;
  }
  out.add(text + ".", changes);
}

// ---- variance ------------------------------------------------------------------------------------

void more_data(const Diagnosis& d, Out& out) {
  out.add(fmt::format("High variance (variance {} > {}): get more training data — more examples or "
                      "augmentation, or a larger train fraction in data.split.",
                      num(d.variance.value_or(NAN)), num(d.thresholds.variance)),
          {{"data", Direction::raise, ""}});
}

void regularize_more(const Plan& p, Out& out) {
  if (!p.run) {
    out.add("Regularize: raise train.l2 by factors of 10 (from none: start at 0.01), or dropout with "
            "model.keep_prob = 0.8 on the hidden layers.",
            {{"train.l2", Direction::raise, ""}, {"model.keep_prob", Direction::lower, ""}});
    return;
  }
  std::vector<std::string> parts;
  std::vector<SettingChange> changes = {{"train.l2", Direction::raise, ""}};
  parts.push_back(p.run->l2 > 0 ? fmt::format("raise train.l2 from {} to {}", num(p.run->l2), num(p.run->l2 * 10))
                                : std::string("add train.l2 = 0.01 (then 0.1)"));
  if (p.run->min_keep_prob < 1.0) {
    if (p.run->min_keep_prob > 0.5) {  // below 0.5 dropout removes more than it keeps
      parts.push_back(fmt::format("lower model.keep_prob from {} to {}", num(p.run->min_keep_prob),
                                  num(std::max(0.5, p.run->min_keep_prob - 0.1))));
      changes.push_back({"model.keep_prob", Direction::lower, ""});
    }
  } else if (!p.run->hidden.empty()) {
    parts.push_back("dropout with model.keep_prob = 0.8 on the hidden layers");
    changes.push_back({"model.keep_prob", Direction::lower, ""});
  }
  out.add("Regularize: " + joined(parts, ", or ") + ".", changes);
}

void early_stopping(const Plan& p, Out& out) {
  const bool rising = p.curve && p.curve->trend == "rising";
  if (p.run && p.run->early_stopping) {
    std::string early = fmt::format("Early stopping is on (patience {})", p.run->patience);
    if (rising) {
      early += fmt::format(": the dev cost was lowest at epoch {} ({}); {}", p.curve->best_epoch,
                           num(p.curve->best_cost),
                           p.run->restore_best
                               ? "the saved model has that epoch's weights — `mlp diagnose "
                                 "--best-epoch` diagnoses that epoch"
                               : "set train.early_stopping.restore_best = true to keep that epoch's weights");
    } else {
      early += "; it does not lower the variance by itself — regularize or add data";
    }
    out.add(early + ".");
    return;
  }
  std::string early = "Early stopping: add a [train.early_stopping] table (patience = 5)";
  std::vector<SettingChange> changes = {{"train.early_stopping", Direction::set, "on"}};
  if (rising) {
    early += fmt::format(" — the dev cost was lowest at epoch {} ({}) and ended at {}; or set "
                         "train.epochs = {}", p.curve->best_epoch, num(p.curve->best_cost),
                         num(p.curve->final_cost), p.curve->best_epoch);
    changes.push_back({"train.epochs", Direction::lower, ""});
  }
  out.add(early + ".", changes);
}

// ---- good fit and the notes -----------------------------------------------------------------------

void good_fit(const Diagnosis& d, const Plan& p, Out& out) {
  std::string good = fmt::format("Good fit: avoidable bias {} <= {}", num(d.avoidable_bias), num(d.thresholds.bias));
  if (d.variance) {
    good += fmt::format(" and variance {} <= {}; evaluate on the test set. To improve further, work on "
                        "the larger gap ({}).", num(*d.variance), num(d.thresholds.variance),
                        *d.variance > d.avoidable_bias ? "variance: more data, regularization"
                                                       : "bias: bigger network, train longer");
  } else {
    good += ".";
  }
  out.add(good);
  if (p.curve && p.curve->trend == "falling") {
    out.add(fmt::format("The {} cost was still falling ({} over the last epochs): more epochs "
                        "(train.epochs) may lower both errors.", p.curve->source, pct(p.curve->recent_decrease)),
            {{"train.epochs", Direction::raise, ""}});
  }
  if (p.curve && p.curve->trend == "rising") {
    if (p.run && p.run->early_stopping) {
      out.add(fmt::format("The dev cost turned up after epoch {}; the run's early stopping keeps that "
                          "epoch's weights.", p.curve->best_epoch));
    } else {
      out.add(fmt::format("The dev cost turned up after epoch {}: early stopping ([train.early_stopping]) "
                          "keeps that epoch's weights.", p.curve->best_epoch),
              {{"train.early_stopping", Direction::set, "on"}});
    }
  }
}

}  // namespace

const char* to_string(Direction d) {
  switch (d) {
    case Direction::raise: return "raise";
    case Direction::lower: return "lower";
    case Direction::set: return "set";
  }
  return "?";
}

std::vector<Recommendation> advise(const Diagnosis& d, const std::optional<RunSettings>& run) {
  const Plan p = make_plan(d, run);
  Out out;
  if (p.bias && p.variance && !p.bias_first) {  // the larger gap first
    more_data(d, out);
    regularize_more(p, out);
    early_stopping(p, out);
    bigger_network(d, p, out, true);
    train_longer(p, out);
    optimize_better(p, out);
    other_activation(p, out, false);
  } else if (p.bias) {
    bigger_network(d, p, out, false);
    train_longer(p, out);
    optimize_better(p, out);
    regularize_less(p, out);
    other_activation(p, out, false);
    if (p.variance) {
      more_data(d, out);
      early_stopping(p, out);
    }
  } else if (p.variance) {
    more_data(d, out);
    regularize_more(p, out);
    early_stopping(p, out);
    other_activation(p, out, true);
  } else {
    good_fit(d, p, out);
  }
  if (!d.dev_error) {
    out.add("No dev set: variance cannot be measured — give data.dev or a dev fraction in data.split.",
            {{"data.dev", Direction::set, "on"}});
  }
  if (d.avoidable_bias < 0) {
    out.add(fmt::format("The training error {} is below the baseline {}: check the baseline (human-level "
                        "error) — the model may be fitting noise.",
                        num(d.train_error), num(d.baseline_error.value_or(0.0))));
  }
  // Unhealthy gradients explain a high bias (the early layers barely learn): their remedies
  // come first then; otherwise last.
  Out grads;
  gradient_advice(p, grads);
  out.items.insert(p.bias ? out.items.begin() : out.items.end(), grads.items.begin(), grads.items.end());
  return out.items;
}

std::vector<std::string> recommendation_texts(const Diagnosis& d, const std::optional<RunSettings>& run) {
  std::vector<std::string> texts;
  for (auto& r : advise(d, run)) texts.push_back(std::move(r.text));
  return texts;
}

std::string gradient_remedy(GradientStatus status, const std::optional<RunSettings>& run) {
  if (status == GradientStatus::ok) return "";
  Diagnosis one;
  GradientReport g;
  g.name = "-";
  g.status = status;
  one.gradients.push_back(g);
  const Plan p = make_plan(one, run);
  switch (status) {
    case GradientStatus::exploding: return exploding_remedy(p).text;
    case GradientStatus::vanishing: return vanishing_remedy(p).text;
    case GradientStatus::dead: return dead_remedy(p).text;
    case GradientStatus::ok: break;
  }
  return "";
}

std::vector<std::string> contradictions(const std::vector<Recommendation>& advice) {
  std::vector<std::string> found;
  std::vector<std::pair<const SettingChange*, const std::string*>> all;
  for (const auto& r : advice) {
    for (const auto& c : r.changes) all.emplace_back(&c, &r.text);
  }
  std::set<std::string> reported;
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = i + 1; j < all.size(); ++j) {
      const SettingChange& a = *all[i].first;
      const SettingChange& b = *all[j].first;
      if (a.key != b.key) continue;
      const bool opposite = (a.direction == Direction::raise && b.direction == Direction::lower) ||
                            (a.direction == Direction::lower && b.direction == Direction::raise);
      const bool two_values = a.direction == Direction::set && b.direction == Direction::set &&
                              a.value != b.value && a.value != "*" && b.value != "*";
      if (!opposite && !two_values) continue;
      const std::string what = fmt::format("{}: {} {} vs {} {}", a.key, to_string(a.direction), a.value,
                                           to_string(b.direction), b.value);
      if (reported.insert(what).second) found.push_back(what + " (in \"" + *all[i].second + "\" and \"" + *all[j].second + "\")");
    }
  }
  return found;
}

}  // namespace mlp::report
