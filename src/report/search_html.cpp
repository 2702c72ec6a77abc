// The page of a hyper-parameter search (see mlp/report/search_html.hpp).
#include "mlp/report/search_html.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "mlp/io/atomic_file.hpp"
#include "page_style.hpp"
#include "svg_chart.hpp"

namespace mlp::report {
namespace {

using detail::html_escape;
using nlohmann::json;

// search.html's own rules, after the shared page style.
constexpr const char* kStyle = R"(
tr.best td { background: #e8f5e9; font-weight: bold; }
tr.failed td { color: #a33; }
)";

bool failed(const search::Trial& t) { return !t.score.error.empty() || !std::isfinite(t.score.mean); }

std::string number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", v);
}

/// A parameter value as the table shows it: numbers compactly, strings without quotes.
std::string value_text(const json& v) {
  if (v.is_number_float()) return number(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

/// One vertical axis of the plot: where each trial's value sits, in [0, 1] from the bottom
/// (NaN: not drawn), and the tick labels.
struct Axis {
  std::string name;
  std::vector<double> at;
  std::vector<std::pair<double, std::string>> ticks;
  bool log = false;
};

/// A numeric axis (log scale when every value is > 0 and they span more than two decades), or
/// a categorical one (the distinct values, evenly spaced in the order of their JSON text).
Axis make_axis(std::string name, const std::vector<json>& values) {
  Axis a{std::move(name), {}, {}, false};
  const bool numeric = std::all_of(values.begin(), values.end(), [](const json& v) { return v.is_number(); });
  if (numeric) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& v : values) {
      const double x = v.get<double>();
      if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
    }
    if (lo > hi) lo = 0, hi = 1;
    a.log = lo > 0 && hi / lo > 100;
    const auto f = [&](double x) { return a.log ? std::log10(x) : x; };
    double flo = f(lo), fhi = f(hi);
    if (fhi == flo) flo -= 0.5, fhi += 0.5;
    for (const auto& v : values) {
      const double x = v.get<double>();
      a.at.push_back(std::isfinite(x) ? (f(x) - flo) / (fhi - flo) : std::nan(""));
    }
    if (a.log) {
      for (double k = std::ceil(flo); k <= fhi + 1e-9; k += 1) {
        a.ticks.emplace_back((k - flo) / (fhi - flo), fmt::format("{:g}", std::pow(10.0, k)));
      }
    } else {
      std::vector<double> t = detail::nice_ticks(flo, fhi, 5);
      if (t.size() < 3) t = {lo, (lo + hi) / 2, hi};  // a narrow range: its ends and middle
      for (double x : t) a.ticks.emplace_back((x - flo) / (fhi - flo), fmt::format("{:.3g}", x));
    }
    return a;
  }
  std::map<std::string, std::size_t> levels;
  for (const auto& v : values) levels.emplace(v.dump(), 0);
  std::size_t i = 0;
  for (auto& [text, index] : levels) index = i++;
  const double n = static_cast<double>(levels.size());
  const auto pos = [&](std::size_t k) { return n == 1 ? 0.5 : static_cast<double>(k) / (n - 1); };
  for (const auto& v : values) a.at.push_back(pos(levels.at(v.dump())));
  for (const auto& [text, index] : levels) a.ticks.emplace_back(pos(index), value_text(json::parse(text)));
  return a;
}

/// The parallel-coordinates plot: one axis per searched key and the mean dev cost last; one
/// line per scored trial, worst first, the best on top in red.
std::string parallel_svg(const search::Result& r) {
  std::vector<std::size_t> order;
  for (std::size_t i : r.ranking()) {
    if (!failed(r.trials[i])) order.push_back(i);
  }
  std::vector<Axis> axes;
  for (std::size_t d = 0; d < r.names.size(); ++d) {
    std::vector<json> values;
    for (std::size_t i : order) values.push_back(r.trials[i].params[d]);
    axes.push_back(make_axis(r.names[d], values));
  }
  std::vector<json> cost;
  for (std::size_t i : order) cost.push_back(r.trials[i].score.mean);
  axes.push_back(make_axis("mean dev cost", cost));

  const double W = std::max(720.0, 150.0 * static_cast<double>(axes.size())), H = 380;
  const double left = 70, right = 70, top = 48, bottom = 56;
  const double pw = W - left - right, ph = H - top - bottom;
  const auto ax = [&](std::size_t k) {
    return axes.size() == 1 ? left + pw / 2 : left + pw * static_cast<double>(k) / static_cast<double>(axes.size() - 1);
  };
  const auto ay = [&](double t) { return top + (1.0 - t) * ph; };
  std::string out = fmt::format(
      "<svg id=\"search-parallel\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
      "viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" style=\"max-width: {0}px\" role=\"img\" "
      "aria-labelledby=\"search-parallel-title\">\n"
      "<title id=\"search-parallel-title\">Trials in parallel coordinates</title>\n"
      "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"#fff\"/>\n"
      "<text x=\"{2}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">Trials in parallel "
      "coordinates (red: best; darker: lower mean dev cost)</text>\n",
      W, H, left);
  out += "<g class=\"lines\" fill=\"none\">\n";
  for (std::size_t rank = order.size(); rank-- > 0;) {
    const std::size_t i = order[rank];
    std::string pts;
    for (std::size_t k = 0; k < axes.size(); ++k) {
      const double t = axes[k].at[rank];
      if (!std::isfinite(t)) continue;
      pts += fmt::format("{}{:.2f},{:.2f}", pts.empty() ? "" : " ", ax(k), ay(t));
    }
    const bool best = r.best && *r.best == i;
    const double shade = order.size() > 1 ? static_cast<double>(rank) / static_cast<double>(order.size() - 1) : 0.0;
    out += fmt::format(
        "<polyline class=\"trial{}\" data-trial=\"{}\" points=\"{}\" stroke=\"{}\" "
        "stroke-width=\"{}\" stroke-opacity=\"{:.2f}\"/>\n",
        best ? " best" : "", r.trials[i].index, pts, best ? "#d62728" : "#1f77b4", best ? 3 : 1.5,
        best ? 1.0 : 0.85 - 0.6 * shade);
  }
  out += "</g>\n<g class=\"axes\" font-size=\"11\" fill=\"#333\">\n";
  for (std::size_t k = 0; k < axes.size(); ++k) {
    out += fmt::format("<line x1=\"{0:.2f}\" x2=\"{0:.2f}\" y1=\"{1:.2f}\" y2=\"{2:.2f}\" stroke=\"#333\"/>\n",
                       ax(k), ay(1), ay(0));
    for (const auto& [t, label] : axes[k].ticks) {
      out += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\" text-anchor=\"end\">{}</text>\n", ax(k) - 4,
                         ay(t) + 4, html_escape(label));
    }
    out += fmt::format("<text class=\"axis-name\" x=\"{:.2f}\" y=\"{:.2f}\" font-size=\"12\" "
                       "text-anchor=\"middle\">{}{}</text>\n",
                       ax(k), H - bottom + 24, html_escape(axes[k].name), axes[k].log ? " (log)" : "");
  }
  out += "</g>\n";
  if (order.empty()) {
    out += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\" font-size=\"13\" fill=\"#777\" "
                       "text-anchor=\"middle\">no trial has a finite mean dev cost</text>\n",
                       left + pw / 2, top + ph / 2);
  }
  return out + "</svg>\n";
}

std::string trials_table(const search::Result& r) {
  std::string out = "<table id=\"search-trials\">\n<tr><th>rank</th><th>trial</th>";
  for (const auto& n : r.names) out += fmt::format("<th class=\"text\">{}</th>", html_escape(n));
  out += "<th>mean dev cost</th><th>variance</th><th>mean accuracy</th><th>epochs</th>";
  if (r.method == search::Method::halving) out += "<th>rung</th>";
  out += "<th class=\"text\">error</th></tr>\n";
  std::size_t rank = 0;
  for (std::size_t i : r.ranking()) {
    const search::Trial& t = r.trials[i];
    const bool bad = failed(t);
    const bool best = r.best && *r.best == i;
    out += fmt::format("<tr{}><td>{}</td><td>{}</td>", best ? " class=\"best\"" : bad ? " class=\"failed\"" : "",
                       ++rank, t.index);
    for (const auto& v : t.params) out += fmt::format("<td class=\"text\">{}</td>", html_escape(value_text(v)));
    out += fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td>", bad ? "&ndash;" : number(t.score.mean),
                       bad ? "&ndash;" : number(t.score.variance),
                       !bad && t.score.mean_accuracy ? number(*t.score.mean_accuracy) : "&ndash;", t.epochs);
    if (r.method == search::Method::halving) out += fmt::format("<td>{}</td>", t.rung);
    out += fmt::format("<td class=\"text\">{}</td></tr>\n", html_escape(t.score.error));
  }
  return out + "</table>\n";
}

}  // namespace

std::string render_search_html(const search::Result& r, const SearchReportInfo& info) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>" + html_escape(info.title) + "</title>\n<style>" + detail::page_style(kStyle) + "</style>\n</head>\n<body>\n";
  out += "<h1>" + html_escape(info.title) + "</h1>\n";
  std::string rungs;
  for (const auto& g : r.rungs) rungs += fmt::format("{}{} × {} epochs", rungs.empty() ? "" : ", ", g.trials, g.epochs);
  out += fmt::format("<p class=\"note\">method {}{}, seed {}, {} trials ({}), each scored by {}-fold "
                     "cross-validation: the mean and variance of the dev cost over the folds.</p>\n",
                     search::to_string(r.method),
                     r.method == search::Method::halving ? fmt::format(" (η = {})", r.eta) : "", r.seed,
                     r.trials.size(), html_escape(rungs), info.folds);
  if (r.best) {
    const auto& b = r.trials[*r.best];
    out += fmt::format("<p>Best: trial {}, mean dev cost {} (variance {}).</p>\n", b.index,
                       number(b.score.mean), number(b.score.variance));
  }
  out += "<h2>Trials, best first</h2>\n" + trials_table(r);
  out += "<h2>Parallel coordinates</h2>\n<figure>\n" + parallel_svg(r) + "</figure>\n";
  if (!info.best_config.empty()) {
    out += "<h2>Best configuration (config.toml)</h2>\n<pre>" + html_escape(info.best_config) + "</pre>\n";
  }
  return out + "</body>\n</html>\n";
}

void write_search_html(const std::filesystem::path& path, const search::Result& result,
                       const SearchReportInfo& info) {
  io::write_file_atomic(path, render_search_html(result, info));
}

}  // namespace mlp::report
