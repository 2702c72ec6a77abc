// Inline-SVG line charts (see svg_chart.hpp).
#include "svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

namespace mlp::report::detail {
namespace {

/// Coordinates with two decimals: enough for a screen, short in the file.
std::string coord(double v) { return fmt::format("{:.2f}", v); }

struct Range {
  double lo, hi;
};

/// The y-range of the drawable values, padded when constant.
std::optional<Range> data_range(const std::vector<Series>& series, bool log_y) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series) {
    for (double v : s.y) {
      if (!std::isfinite(v) || (log_y && v <= 0)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (lo > hi) return std::nullopt;
  return Range{lo, hi};
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* palette(std::size_t i) {
  static constexpr const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return colors[i % (sizeof(colors) / sizeof(colors[0]))];
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!std::isfinite(lo) || !std::isfinite(hi) || hi < lo) return ticks;
  if (hi == lo) return {lo};
  const double raw = (hi - lo) / std::max(1, target - 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  // Multiples of the step (k·step, not a running sum, so no drift accumulates).
  const double k0 = std::ceil(lo / step - 1e-9);
  for (double k = k0; k * step <= hi + step * 1e-9 && ticks.size() <= 100; k += 1) {
    ticks.push_back(k == 0 ? 0.0 : k * step);
  }
  return ticks;
}

std::string tick_label(double v, double step) {
  if (v == 0) return "0";
  const double a = std::abs(v);
  if (a >= 1e5 || a < 1e-4) return fmt::format("{:.3g}", v);
  const int decimals = step > 0 ? std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 10) : 4;
  return fmt::format("{:.{}f}", v, decimals);
}

std::string line_chart_svg(const ChartSpec& spec, const std::vector<double>& x,
                           const std::vector<Series>& series) {
  const double W = spec.width, H = spec.height;
  // Legend rows above the plot: about 170 px per entry.
  const double left = 72, right = 16, bottom = 48;
  const std::size_t per_row = std::max<std::size_t>(1, static_cast<std::size_t>((W - left - right) / 170));
  const std::size_t legend_rows = (series.size() + per_row - 1) / per_row;
  const double top = 48 + 18.0 * static_cast<double>(legend_rows);
  const double pw = W - left - right, ph = H - top - bottom;

  std::string out = fmt::format(
      "<svg id=\"{0}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {1} {2}\" "
      "width=\"{1}\" height=\"{2}\" role=\"img\" aria-labelledby=\"{0}-title\">\n"
      "<title id=\"{0}-title\">{3}</title>\n"
      "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"{1}\" height=\"{2}\" fill=\"#fff\"/>\n"
      "<text class=\"chart-title\" x=\"{4}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{3}</text>\n",
      html_escape(spec.id), spec.width, spec.height, html_escape(spec.title), coord(left));

  // ---- x axis: epochs -----------------------------------------------------------------------
  double xlo = INFINITY, xhi = -INFINITY;
  for (double v : x) {
    if (std::isfinite(v)) {
      xlo = std::min(xlo, v);
      xhi = std::max(xhi, v);
    }
  }
  if (xlo > xhi) xlo = 0, xhi = 1;
  if (xlo == xhi) xlo -= 0.5, xhi += 0.5;  // one epoch: centred
  // Whole epochs only: a step of 1, 2, 5, 10, 20, ... epochs.
  std::vector<double> xticks;
  {
    const double raw = (xhi - xlo) / 7;
    double step = 1;
    for (int i = 0; step < raw; ++i) step *= (i % 3 == 1) ? 2.5 : 2.0;  // 1, 2, 5, 10, 20, 50, ...
    for (double t = std::ceil(xlo / step) * step; t <= xhi && xticks.size() <= 100; t += step) xticks.push_back(t);
  }
  const auto px = [&](double v) { return left + (v - xlo) / (xhi - xlo) * pw; };

  // ---- y axis -------------------------------------------------------------------------------
  const auto range = data_range(series, spec.log_y);
  double ylo = 0, yhi = 1;
  std::vector<std::pair<double, std::string>> yticks;  // (axis value, label)
  if (spec.log_y) {
    double a = range ? std::log10(range->lo) : -1, b = range ? std::log10(range->hi) : 1;
    if (b - a < 1e-12) a -= 0.5, b += 0.5;  // constant series
    ylo = std::floor(a);
    yhi = std::ceil(b);
    const int decades = static_cast<int>(yhi - ylo);
    const int every = std::max(1, (decades + 7) / 8);
    for (int k = static_cast<int>(ylo); k <= static_cast<int>(yhi); k += every) {
      const double v = std::pow(10.0, k);
      yticks.emplace_back(k, (k >= -3 && k <= 4) ? fmt::format("{:g}", v) : fmt::format("1e{}", k));
      if (decades <= 2 && k < static_cast<int>(yhi)) {  // a narrow range: 2 and 5 as well
        for (double m : {2.0, 5.0}) yticks.emplace_back(k + std::log10(m), fmt::format("{:g}", m * v));
      }
    }
  } else {
    if (range) {
      ylo = range->lo, yhi = range->hi;
      if (ylo == yhi) {  // constant series: a band around the value
        const double pad = ylo != 0 ? std::abs(ylo) * 0.1 : 1.0;
        ylo -= pad, yhi += pad;
      }
    }
    const auto ticks = nice_ticks(ylo, yhi, 6);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : std::abs(yhi - ylo);
    if (ticks.size() > 1) {  // extend the axis to whole ticks
      ylo = std::min(ylo, std::floor(ylo / step + 1e-9) * step);
      yhi = std::max(yhi, std::ceil(yhi / step - 1e-9) * step);
    }
    for (double t : nice_ticks(ylo, yhi, 6)) yticks.emplace_back(t, tick_label(t, step));
  }
  const auto axis_value = [&](double v) { return spec.log_y ? std::log10(v) : v; };
  const auto py = [&](double v) { return top + (1.0 - (axis_value(v) - ylo) / (yhi - ylo)) * ph; };
  const auto py_axis = [&](double a) { return top + (1.0 - (a - ylo) / (yhi - ylo)) * ph; };

  // Grid, ticks and labels.
  out += "<g class=\"grid\" stroke=\"#e5e5e5\" stroke-width=\"1\">\n";
  for (const auto& [a, label] : yticks) {
    out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>\n", coord(left),
                       coord(left + pw), coord(py_axis(a)), coord(py_axis(a)));
  }
  out += "</g>\n<g class=\"axis\" stroke=\"#333\" stroke-width=\"1\">\n";
  out += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>\n", coord(left), coord(top), coord(top + ph));
  out += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>\n", coord(left), coord(left + pw), coord(top + ph));
  for (double t : xticks) {
    out += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>\n", coord(px(t)),
                       coord(top + ph), coord(top + ph + 5));
  }
  out += "</g>\n<g class=\"tick-labels\" font-size=\"12\" fill=\"#333\">\n";
  for (const auto& [a, label] : yticks) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", coord(left - 6),
                       coord(py_axis(a) + 4), html_escape(label));
  }
  for (double t : xticks) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", coord(px(t)),
                       coord(top + ph + 18), fmt::format("{:g}", t));
  }
  out += "</g>\n";
  out += fmt::format("<text class=\"x-label\" x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n",
                     coord(left + pw / 2), coord(H - 8), html_escape(spec.x_label));
  out += fmt::format(
      "<text class=\"y-label\" x=\"{0}\" y=\"{1}\" font-size=\"12\" text-anchor=\"middle\" "
      "transform=\"rotate(-90 {0} {1})\">{2}{3}</text>\n",
      coord(16), coord(top + ph / 2), html_escape(spec.y_label), spec.log_y ? " (log scale)" : "");

  if (std::isfinite(spec.marker_x) && spec.marker_x >= xlo && spec.marker_x <= xhi) {
    const bool right_half = px(spec.marker_x) > left + pw / 2;  // label on the side with room
    out += fmt::format(
        "<g class=\"marker\"><line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#888\" "
        "stroke-dasharray=\"3 3\"/><text x=\"{3}\" y=\"{4}\" font-size=\"11\" fill=\"#555\" "
        "text-anchor=\"{5}\">{6}</text></g>\n",
        coord(px(spec.marker_x)), coord(top), coord(top + ph),
        coord(px(spec.marker_x) + (right_half ? -4 : 4)), coord(top + 12),
        right_half ? "end" : "start", html_escape(spec.marker_label));
  }

  // Series: one polyline per run of drawable points; a lone point gets a marker.
  std::size_t skipped = 0;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    out += fmt::format("<g class=\"series\" data-name=\"{}\" stroke=\"{}\" fill=\"{}\">\n",
                       html_escape(s.name), html_escape(s.color), html_escape(s.color));
    std::vector<std::pair<double, double>> run;
    const auto flush = [&] {
      if (run.size() == 1) {
        out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" stroke=\"none\"/>\n",
                           coord(run[0].first), coord(run[0].second));
      } else if (run.size() > 1) {
        std::string pts;
        for (const auto& [a, b] : run) pts += fmt::format("{}{},{}", pts.empty() ? "" : " ", coord(a), coord(b));
        out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke-width=\"2\"{}/>\n", pts,
                           s.dashed ? " stroke-dasharray=\"6 4\"" : "");
        if (run.size() <= 30) {
          for (const auto& [a, b] : run) {
            out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" stroke=\"none\"/>\n", coord(a), coord(b));
          }
        }
      }
      run.clear();
    };
    for (std::size_t j = 0; j < s.y.size() && j < x.size(); ++j) {
      const double v = s.y[j];
      if (!std::isfinite(v) || !std::isfinite(x[j]) || (spec.log_y && v <= 0)) {
        ++skipped;
        flush();
        continue;
      }
      run.emplace_back(px(x[j]), py(v));
    }
    flush();
    out += "</g>\n";
  }
  if (!range) {
    out += fmt::format("<text class=\"no-data\" x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#777\" "
                       "text-anchor=\"middle\">no finite values to draw</text>\n",
                       coord(left + pw / 2), coord(top + ph / 2));
  }
  if (skipped > 0 && range) {
    out += fmt::format("<text class=\"gaps\" x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#a33\" "
                       "text-anchor=\"end\">{} value{} not drawn ({})</text>\n",
                       coord(left + pw), coord(H - 8), skipped, skipped == 1 ? "" : "s",
                       spec.log_y ? "non-finite or &lt;= 0" : "non-finite");
  }

  // Legend.
  out += "<g class=\"legend\" font-size=\"13\">\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double lx = left + 170.0 * static_cast<double>(i % per_row);
    const double ly = 44 + 18.0 * static_cast<double>(i / per_row);
    out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\"{}/>\n",
                       coord(lx), coord(lx + 22), coord(ly - 4), coord(ly - 4),
                       html_escape(series[i].color), series[i].dashed ? " stroke-dasharray=\"6 4\"" : "");
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", coord(lx + 28), coord(ly),
                       html_escape(series[i].name));
  }
  out += "</g>\n</svg>\n";
  return out;
}

}  // namespace mlp::report::detail
