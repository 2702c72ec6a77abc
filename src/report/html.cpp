// The self-contained HTML report (see mlp/report/html.hpp).
#include "mlp/report/html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "mlp/io/atomic_file.hpp"
#include "heatmap.hpp"
#include "page_style.hpp"
#include "svg_chart.hpp"

namespace mlp::report {
namespace {

using detail::html_escape;
using detail::Series;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
/// Up to this many layers the gradient norms are drawn as lines (one colour per layer, at most
/// 8 lines and 3 legend rows); deeper networks get a heat map.
constexpr std::size_t kLineChartMaxLayers = 4;

std::string cell(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", v);
}
std::string cell(const std::optional<double>& v) { return v ? cell(*v) : "&ndash;"; }

// report.html's own rules, after the shared page style.
constexpr const char* kStyle = R"(
th:first-child, td:first-child { text-align: left; }
.verdict { display: inline-block; padding: 4px 12px; border-radius: 4px; font-weight: bold; color: #fff; }
.verdict.good_fit { background: #2e7d32; }
.verdict.high_bias { background: #c62828; }
.verdict.high_variance { background: #ef6c00; }
.verdict.high_bias_and_variance { background: #6a1b9a; }
.status-ok { color: #2e7d32; }
.status-vanishing, .status-exploding, .status-dead { color: #c62828; font-weight: bold; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
ol li { margin: 4px 0; }
)";

template <class Get>
std::vector<double> column(const std::vector<EpochMetrics>& h, Get get) {
  std::vector<double> v;
  v.reserve(h.size());
  for (const auto& e : h) v.push_back(get(e));
  return v;
}

std::string chart_cost(const std::vector<EpochMetrics>& h, const std::vector<double>& x,
                       const Diagnosis& d) {
  std::vector<Series> s;
  s.push_back({"train cost", column(h, [](const EpochMetrics& e) { return e.train.loss; }), detail::palette(0), false});
  if (std::any_of(h.begin(), h.end(), [](const EpochMetrics& e) { return e.dev.has_value(); })) {
    s.push_back({"dev cost", column(h, [](const EpochMetrics& e) { return e.dev ? e.dev->loss : kNaN; }),
                 detail::palette(1), false});
  }
  s.push_back({"objective (J + penalties, training mode)",
               column(h, [](const EpochMetrics& e) { return e.objective; }), detail::palette(7), true});
  detail::ChartSpec spec{"chart-cost", "Cost per epoch", "epoch", "cost J"};
  if (d.learning_curve && d.learning_curve->best_epoch > 0 && h.size() > 1) {
    spec.marker_x = static_cast<double>(d.learning_curve->best_epoch);
    spec.marker_label = fmt::format("best {} cost: epoch {}", d.learning_curve->source, d.learning_curve->best_epoch);
  }
  return detail::line_chart_svg(spec, x, s);
}

std::string chart_quality(const std::vector<EpochMetrics>& h, const std::vector<double>& x) {
  const MetricsKind kind = h.empty() ? MetricsKind::loss_only : metrics_kind(h.front().train);
  const bool dev = std::any_of(h.begin(), h.end(), [](const EpochMetrics& e) { return e.dev.has_value(); });
  std::vector<Series> s;
  if (kind == MetricsKind::loss_only) {
    return detail::line_chart_svg({"chart-accuracy", "Accuracy / RMSE (not recorded)", "epoch", "value"}, x, s);
  }
  const bool cls = kind == MetricsKind::classification;
  const auto metric = cls ? &Metrics::accuracy : &Metrics::rmse;
  const std::string name = cls ? "accuracy" : "RMSE";
  s.push_back({"train " + name, column(h, [metric](const EpochMetrics& e) { return (e.train.*metric).value_or(kNaN); }),
               detail::palette(0), false});
  if (dev) {
    s.push_back({"dev " + name, column(h, [metric](const EpochMetrics& e) {
                   return e.dev ? ((*e.dev).*metric).value_or(kNaN) : kNaN; }), detail::palette(1), false});
  }
  return detail::line_chart_svg(
      {"chart-accuracy", cls ? "Accuracy per epoch" : "RMSE per epoch (original units)", "epoch", name}, x, s);
}

std::string chart_lr(const std::vector<EpochMetrics>& h, const std::vector<double>& x) {
  const auto lr = column(h, [](const EpochMetrics& e) { return e.learning_rate; });
  double lo = INFINITY, hi = 0;
  bool positive = true;
  for (double v : lr) {
    if (!std::isfinite(v)) continue;
    positive = positive && v > 0;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const bool log_y = positive && lo > 0 && hi / lo >= 100;  // decays over decades: log scale
  detail::ChartSpec spec{"chart-lr", "Learning rate per epoch", "epoch", "learning rate"};
  spec.log_y = log_y;
  return detail::line_chart_svg(spec, x, {{"learning rate", lr, detail::palette(2), false}});
}

/// Slice "layers.K.X" → (K, X); other names → none.
std::optional<std::pair<std::size_t, std::string>> layer_slice(const std::string& name) {
  if (name.rfind("layers.", 0) != 0) return std::nullopt;
  char* end = nullptr;
  const unsigned long k = std::strtoul(name.c_str() + 7, &end, 10);
  if (end == name.c_str() + 7 || *end != '.' || k > 100000) return std::nullopt;
  return std::make_pair(static_cast<std::size_t>(k), std::string(end + 1));
}

/// Layers in the slice names (the largest K + 1, or the number of slices for other names).
std::size_t layer_count(const std::vector<std::string>& names) {
  std::size_t layers = 0;
  for (const auto& n : names) {
    const auto ls = layer_slice(n);
    layers = ls ? std::max(layers, ls->first + 1) : std::max(layers, names.size());
  }
  return layers;
}

/// A line per slice: readable for a few layers (one colour per layer, biases dashed).
std::string grad_lines(const std::vector<EpochMetrics>& h, const std::vector<std::string>& names,
                       const std::vector<double>& x) {
  std::vector<Series> s;
  for (std::size_t k = 0; k < names.size(); ++k) {
    std::vector<double> y;
    for (const auto& e : h) y.push_back(k < e.grad_norms.size() ? e.grad_norms[k] : kNaN);
    const auto ls = layer_slice(names[k]);
    s.push_back({names[k], std::move(y), detail::palette(ls ? ls->first : k), ls && ls->second == "b"});
  }
  detail::ChartSpec spec{"chart-grad-norms", "Gradient norm per parameter slice (mean over each epoch's batches)",
                         "epoch", "‖gradient‖₂"};
  spec.log_y = true;
  spec.height = 340;
  return detail::line_chart_svg(spec, x, s);
}

/// A heat map per kind of slice (W, b): rows = layers (0 = the input side), columns = epochs,
/// colour = log10 of the norm. Readable for any depth.
std::string grad_heatmap(const std::vector<EpochMetrics>& h, const std::vector<std::string>& names,
                         const std::vector<double>& x) {
  const std::size_t layers = layer_count(names);
  std::vector<detail::HeatmapPanel> panels;
  const auto panel_of = [&](const std::string& kind) -> detail::HeatmapPanel& {
    const std::string title = kind == "W" ? "weights W" : kind == "b" ? "biases b" : kind;
    for (auto& p : panels) {
      if (p.title == title) return p;
    }
    detail::HeatmapPanel p;
    p.title = title;
    for (std::size_t l = 0; l < layers; ++l) p.row_labels.push_back(std::to_string(l));
    p.values.assign(layers, std::vector<double>(h.size(), kNaN));
    panels.push_back(std::move(p));
    return panels.back();
  };
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto ls = layer_slice(names[k]);
    auto& panel = panel_of(ls ? ls->second : "other slices");
    const std::size_t row = ls ? ls->first : k;
    if (row >= panel.values.size()) continue;
    for (std::size_t j = 0; j < h.size(); ++j) {
      panel.values[row][j] = k < h[j].grad_norms.size() ? h[j].grad_norms[k] : kNaN;
    }
  }
  detail::HeatmapSpec spec{"chart-grad-norms",
                           "Gradient norm per layer and epoch (mean over each epoch's batches)", "epoch",
                           "layer (0 = input side)", "‖gradient‖₂"};
  return detail::heatmap_svg(spec, x, panels);
}

std::string chart_grads(const std::vector<EpochMetrics>& h, const std::vector<std::string>& names,
                        const std::vector<double>& x) {
  return layer_count(names) <= kLineChartMaxLayers ? grad_lines(h, names, x) : grad_heatmap(h, names, x);
}

void metrics_rows(std::string& out, const Metrics* train, const Metrics* dev, const Metrics* test) {
  const auto row = [&](const char* name, auto get) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", name,
                       train ? cell(get(*train)) : "&ndash;", dev ? cell(get(*dev)) : "&ndash;",
                       test ? cell(get(*test)) : "&ndash;");
  };
  row("cost J", [](const Metrics& m) { return std::optional<double>(m.loss); });
  const Metrics* any = train ? train : (dev ? dev : test);
  if (!any) return;
  const bool cls = (train && train->accuracy) || (test && test->accuracy);
  const bool reg = (train && train->rmse) || (test && test->rmse);
  if (cls) row("accuracy", [](const Metrics& m) { return m.accuracy; });
  if (reg) {
    row("RMSE", [](const Metrics& m) { return m.rmse; });
    row("MAE", [](const Metrics& m) { return m.mae; });
    row("R²", [](const Metrics& m) { return m.r2; });
  }
}

void confusion_table(std::string& out, const Metrics& test, const std::vector<std::string>& names) {
  const auto& c = test.confusion;
  if (c.empty() || c.size() > 30) return;
  const auto label = [&](std::size_t i) {
    return i < names.size() ? html_escape(names[i]) : std::to_string(i);
  };
  out += "<h2>Test confusion matrix</h2>\n<p class=\"note\">Rows: true class; columns: predicted class.</p>\n";
  out += "<table class=\"confusion\"><tr><th>true \\ predicted</th>";
  for (std::size_t j = 0; j < c.size(); ++j) out += "<th>" + label(j) + "</th>";
  out += "</tr>\n";
  for (std::size_t i = 0; i < c.size(); ++i) {
    out += "<tr><th>" + label(i) + "</th>";
    for (std::size_t j = 0; j < c[i].size(); ++j) {
      out += fmt::format("<td{}>{}</td>", i == j ? " style=\"background:#e8f5e9\"" : "", c[i][j]);
    }
    out += "</tr>\n";
  }
  out += "</table>\n";
}

void class_scores_row(std::string& out, const std::string& name, const ClassScores& c) {
  out += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", name,
                     cell(c.precision), cell(c.recall), cell(c.f1), c.support);
}

/// The test scores of scores.hpp: per class (classification) or per target (regression).
void scores_section(std::string& out, const Scores& s, const ReportInfo& info) {
  if (s.classification) {
    const auto& c = *s.classification;
    if (c.per_class.size() > 30) return;
    out += "<h2>Test scores</h2>\n<table class=\"scores\" id=\"test-scores\"><tr><th>class</th>"
           "<th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n";
    for (std::size_t i = 0; i < c.per_class.size(); ++i) {
      class_scores_row(out, i < info.class_names.size() ? html_escape(info.class_names[i]) : std::to_string(i),
                       c.per_class[i]);
    }
    class_scores_row(out, "macro average", c.macro);
    class_scores_row(out, "weighted average", c.weighted);
    out += "</table>\n";
    out += fmt::format("<p class=\"note\">accuracy {}, log-loss {}, ROC-AUC{} {}.</p>\n", cell(c.accuracy),
                       cell(c.log_loss), c.per_class.size() > 2 ? " (one-vs-rest, macro)" : "",
                       c.roc_auc ? cell(*c.roc_auc) : std::string("undefined (a class has no example)"));
    return;
  }
  if (s.targets.empty()) return;
  out += "<h2>Test scores</h2>\n<table class=\"scores\" id=\"test-scores\"><tr><th>target</th>"
         "<th>RMSE</th><th>MAE</th><th>R²</th><th>MAPE</th><th>max error</th></tr>\n";
  for (std::size_t t = 0; t < s.targets.size(); ++t) {
    const auto& g = s.targets[t];
    out += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       t < info.target_names.size() ? html_escape(info.target_names[t]) : std::to_string(t),
                       cell(g.rmse), cell(g.mae), cell(g.r2), cell(g.mape), cell(g.max_error));
  }
  out += "</table>\n";
}

// Each rollback of train.on_divergence = "recover": where, which tensor, the rate before/after.
void recoveries_section(std::string& out, const std::vector<Recovery>& recoveries) {
  if (recoveries.empty()) return;
  out += fmt::format("<h2>Divergence recoveries</h2>\n<p class=\"note\">{} step{} turned a value non-finite or made the cost explode (above {:g} × the first batch cost); "
                     "each was undone (weights and optimizer state as before it, or as at the start of the "
                     "epoch when that state diverged again), its batch skipped and the learning rate "
                     "halved for the rest of the run.</p>\n",
                     recoveries.size(), recoveries.size() == 1 ? "" : "s", kExplosionFactor);
  out += "<table class=\"recoveries\" id=\"recoveries\"><tr><th>epoch</th><th>batch</th>"
         "<th>cause (first non-finite tensor)</th><th>steps undone</th><th>learning rate before</th><th>after</th></tr>\n";
  for (const Recovery& r : recoveries) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", r.epoch,
                       r.batch, html_escape(r.tensor), r.steps_undone, cell(r.lr_before), cell(r.lr_after));
  }
  out += "</table>\n";
}

void diagnosis_section(std::string& out, const Diagnosis& d) {
  out += "<h2>Diagnosis</h2>\n";
  out += fmt::format("<p><span class=\"verdict {0}\" id=\"verdict\">{0}</span>", to_string(d.verdict));
  if (d.epoch) out += fmt::format(" <span class=\"note\">at epoch {}, error = {}</span>", d.epoch, html_escape(d.error_measure));
  out += "</p>\n<table class=\"bias-variance\">\n";
  out += fmt::format("<tr><td>train error</td><td>{}</td><td class=\"text\"></td></tr>\n", cell(d.train_error));
  out += fmt::format("<tr><td>dev error</td><td>{}</td><td class=\"text\">{}</td></tr>\n", cell(d.dev_error),
                     d.dev_error ? "" : "no dev set");
  out += fmt::format("<tr><td>baseline error</td><td>{}</td><td class=\"text\">{}</td></tr>\n",
                     cell(d.baseline_error.value_or(0.0)), d.baseline_error ? "" : "none given: 0");
  out += fmt::format("<tr><td>avoidable bias (train &minus; baseline)</td><td>{}</td><td class=\"text\">threshold {}: {}</td></tr>\n",
                     cell(d.avoidable_bias), cell(d.thresholds.bias),
                     d.avoidable_bias > d.thresholds.bias ? "<b>high</b>" : "ok");
  out += fmt::format("<tr><td>variance (dev &minus; train)</td><td>{}</td><td class=\"text\">{}</td></tr>\n",
                     cell(d.variance),
                     d.variance ? fmt::format("threshold {}: {}", cell(d.thresholds.variance),
                                              *d.variance > d.thresholds.variance ? "<b>high</b>" : "ok")
                                : std::string("unknown without a dev set"));
  out += "</table>\n";
  if (d.learning_curve) {
    out += fmt::format("<p><b>Learning curve</b> ({}): {}</p>\n", html_escape(d.learning_curve->trend),
                       html_escape(d.learning_curve->note));
  }
  if (!d.recommendations.empty()) {
    out += "<p><b>Recommendations</b></p>\n<ol class=\"recommendations\">\n";
    for (const auto& r : d.recommendations) out += "<li>" + html_escape(r) + "</li>\n";
    out += "</ol>\n";
  }
  if (!d.gradients.empty()) {
    out += "<p><b>Gradient health</b> (mean gradient norm per epoch)</p>\n<table class=\"gradients\">\n"
           "<tr><th>slice</th><th>first epoch</th><th>last epoch</th><th>max</th>"
           "<th>lr&middot;|g|/|W|</th><th>status</th><th class=\"text\">finding</th></tr>\n";
    for (const auto& g : d.gradients) {
      out += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text status-{}\">{}</td>"
          "<td class=\"text\">{}</td></tr>\n",
          html_escape(g.name), cell(g.first_epoch_norm), cell(g.last_epoch_norm), cell(g.max_norm),
          cell(g.update_ratio), to_string(g.status), to_string(g.status), html_escape(g.note));
    }
    out += "</table>\n";
  }
}

void epoch_table(std::string& out, const std::vector<EpochMetrics>& h) {
  if (h.empty()) return;
  const MetricsKind kind = metrics_kind(h.front().train);
  const char* q = kind == MetricsKind::classification ? "accuracy" : (kind == MetricsKind::regression ? "RMSE" : nullptr);
  out += fmt::format("<details><summary>Per-epoch metrics ({} epochs)</summary>\n<table class=\"epochs\">\n", h.size());
  out += "<tr><th>epoch</th><th>learning rate</th><th>objective</th><th>train cost</th><th>dev cost</th>";
  if (q) out += fmt::format("<th>train {0}</th><th>dev {0}</th>", q);
  out += "<th>seconds</th><th>samples/s</th></tr>\n";
  const auto quality = [&](const Metrics& m) { return kind == MetricsKind::classification ? m.accuracy : m.rmse; };
  for (const auto& e : h) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>", e.epoch,
                       cell(e.learning_rate), cell(e.objective), cell(e.train.loss),
                       e.dev ? cell(e.dev->loss) : "&ndash;");
    if (q) out += fmt::format("<td>{}</td><td>{}</td>", cell(quality(e.train)), e.dev ? cell(quality(*e.dev)) : "&ndash;");
    out += fmt::format("<td>{}</td><td>{}</td></tr>\n", cell(e.seconds), cell(e.samples_per_second));
  }
  out += "</table></details>\n";
}

}  // namespace

std::string render_report_html(const std::vector<EpochMetrics>& history,
                               const std::vector<std::string>& slice_names,
                               const Diagnosis& diagnosis, const ReportInfo& info) {
  std::vector<double> x;
  for (const auto& e : history) x.push_back(static_cast<double>(e.epoch));

  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + html_escape(info.title) + "</title>\n<style>" + detail::page_style(kStyle) + "</style>\n</head>\n<body>\n";
  out += "<h1>" + html_escape(info.title) + "</h1>\n";

  out += "<h2>Model</h2>\n";
  if (!info.model_summary.empty()) {
    out += "<ul class=\"model\">\n";
    for (const auto& line : info.model_summary) out += "<li>" + html_escape(line) + "</li>\n";
    out += "</ul>\n";
  }
  const EpochMetrics* last = history.empty() ? nullptr : &history.back();
  out += fmt::format("<p class=\"note\">{} epoch{} recorded{}.</p>\n", history.size(),
                     history.size() == 1 ? "" : "s",
                     last ? fmt::format(", final learning rate {}", cell(last->learning_rate)) : "");
  if (last || info.test) {
    out += fmt::format("<table class=\"final-metrics\"><tr><th>{}</th><th>train</th><th>dev</th><th>test</th></tr>\n",
                       last ? fmt::format("final (epoch {})", last->epoch) : std::string("final"));
    metrics_rows(out, last ? &last->train : nullptr,
                 last && last->dev ? &*last->dev : nullptr, info.test ? &*info.test : nullptr);
    out += "</table>\n";
  }

  diagnosis_section(out, diagnosis);
  recoveries_section(out, info.recoveries);

  out += "<h2>Learning curves</h2>\n<div class=\"charts\">\n";
  for (const auto& svg : {chart_cost(history, x, diagnosis), chart_quality(history, x), chart_lr(history, x),
                          chart_grads(history, slice_names, x)}) {
    out += "<figure>\n" + svg + "</figure>\n";
  }
  out += "</div>\n";

  if (info.test_scores) scores_section(out, *info.test_scores, info);
  if (info.test) confusion_table(out, *info.test, info.class_names);
  out += "<h2>History</h2>\n";
  epoch_table(out, history);
  if (!info.config_text.empty()) {
    out += "<h2>Configuration</h2>\n<pre class=\"config\">" + html_escape(info.config_text) + "</pre>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

void write_report_html(const std::filesystem::path& path, const std::vector<EpochMetrics>& history,
                       const std::vector<std::string>& slice_names, const Diagnosis& diagnosis,
                       const ReportInfo& info) {
  io::write_file_atomic(path, render_report_html(history, slice_names, diagnosis, info));
}

}  // namespace mlp::report
