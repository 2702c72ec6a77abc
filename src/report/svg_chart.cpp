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

namespace {

using Tick = std::pair<double, std::string>;  ///< (axis value, label)

/// A y axis: its range in axis units (log10 of the values on a log scale) and its ticks.
struct YAxis {
  Range range;
  std::vector<Tick> ticks;
};

/// Where the plot sits in the chart and how values map onto it.
struct Layout {
  double W, H;          ///< the chart's size
  double left, top;     ///< the plot's top-left corner
  double pw, ph;        ///< the plot's size
  std::size_t per_row;  ///< legend entries per row
  Range x;              ///< epochs (log10 of the values on a log x axis)
  std::vector<double> xticks;  ///< in axis units
  bool log_x;
  bool log_y;
  Range y;  ///< in axis units
  std::vector<Tick> yticks;
  bool has_data;  ///< some value is drawable

  /// The x pixel of an axis value (log10 of the value on a log x axis).
  double px_axis(double a) const { return left + (a - x.lo) / (x.hi - x.lo) * pw; }
  double px(double v) const { return px_axis(log_x ? std::log10(v) : v); }
  /// The y pixel of an axis value (log10 of the value on a log scale).
  double py_axis(double a) const { return top + (1.0 - (a - y.lo) / (y.hi - y.lo)) * ph; }
  double py(double v) const { return py_axis(log_y ? std::log10(v) : v); }
};

/// The range of the finite epochs; [0, 1] without any, centred on a single one.
Range x_range(const std::vector<double>& x, bool log_x) {
  double lo = INFINITY, hi = -INFINITY;
  for (double v : x) {
    if (std::isfinite(v) && (!log_x || v > 0)) {
      lo = std::min(lo, log_x ? std::log10(v) : v);
      hi = std::max(hi, log_x ? std::log10(v) : v);
    }
  }
  if (lo > hi) lo = 0, hi = 1;
  if (lo == hi) lo -= 0.5, hi += 0.5;  // one epoch: centred
  return {lo, hi};
}

/// Whole epochs only: a step of 1, 2, 5, 10, 20, ... epochs.
std::vector<double> x_ticks(Range x) {
  std::vector<double> ticks;
  const double raw = (x.hi - x.lo) / 7;
  double step = 1;
  for (int i = 0; step < raw; ++i) step *= (i % 3 == 1) ? 2.5 : 2.0;  // 1, 2, 5, 10, 20, 50, ...
  for (double t = std::ceil(x.lo / step) * step; t <= x.hi && ticks.size() <= 100; t += step) {
    ticks.push_back(t);
  }
  return ticks;
}

/// A log x axis: the whole decades inside the range (axis units).
std::vector<double> log_x_ticks(Range x) {
  std::vector<double> ticks;
  const int every = std::max(1, static_cast<int>(std::ceil((x.hi - x.lo) / 8)));
  for (double k = std::ceil(x.lo - 1e-9); k <= x.hi + 1e-9 && ticks.size() <= 100; k += every) ticks.push_back(k);
  return ticks;
}

/// The label of decade k: 0.001 … 10000 as plain numbers, else 1e-4, 1e5.
std::string decade_label(int k) {
  return k >= -3 && k <= 4 ? fmt::format("{:g}", std::pow(10.0, k)) : fmt::format("1e{}", k);
}

/// Whole decades around the data (a decade each side without data), a label at every decade
/// (every few on a wide range) and at 2 and 5 within a narrow one.
YAxis log_y_axis(const std::optional<Range>& data) {
  double a = data ? std::log10(data->lo) : -1, b = data ? std::log10(data->hi) : 1;
  if (b - a < 1e-12) a -= 0.5, b += 0.5;  // constant series
  YAxis axis{{std::floor(a), std::ceil(b)}, {}};
  const int lo = static_cast<int>(axis.range.lo), hi = static_cast<int>(axis.range.hi);
  const int decades = static_cast<int>(axis.range.hi - axis.range.lo);
  const int every = std::max(1, (decades + 7) / 8);
  for (int k = lo; k <= hi; k += every) {
    const double v = std::pow(10.0, k);
    axis.ticks.emplace_back(k, decade_label(k));
    if (decades <= 2 && k < hi) {  // a narrow range: 2 and 5 as well
      for (double m : {2.0, 5.0}) {
        axis.ticks.emplace_back(k + std::log10(m), fmt::format("{:g}", m * v));
      }
    }
  }
  return axis;
}

/// The data's range ([0, 1] without data, a band around a constant) extended to whole "nice"
/// ticks.
YAxis linear_y_axis(const std::optional<Range>& data) {
  double lo = 0, hi = 1;
  if (data) {
    lo = data->lo, hi = data->hi;
    if (lo == hi) {  // constant series: a band around the value
      const double pad = lo != 0 ? std::abs(lo) * 0.1 : 1.0;
      lo -= pad, hi += pad;
    }
  }
  const auto ticks = nice_ticks(lo, hi, 6);
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : std::abs(hi - lo);
  if (ticks.size() > 1) {  // extend the axis to whole ticks
    lo = std::min(lo, std::floor(lo / step + 1e-9) * step);
    hi = std::max(hi, std::ceil(hi / step - 1e-9) * step);
  }
  YAxis axis{{lo, hi}, {}};
  for (double t : nice_ticks(lo, hi, 6)) axis.ticks.emplace_back(t, tick_label(t, step));
  return axis;
}

/// The plot area below the legend rows (about 170 px per entry), and both axes.
Layout chart_layout(const ChartSpec& spec, const std::vector<double>& x,
                    const std::vector<Series>& series) {
  const double W = spec.width, H = spec.height;
  const double left = 72, right = 16, bottom = 48;
  const std::size_t per_row =
      std::max<std::size_t>(1, static_cast<std::size_t>((W - left - right) / 170));
  const std::size_t legend_rows = (series.size() + per_row - 1) / per_row;
  const double top = 48 + 18.0 * static_cast<double>(legend_rows);
  const Range xr = x_range(x, spec.log_x);
  const auto data = data_range(series, spec.log_y);
  YAxis y = spec.log_y ? log_y_axis(data) : linear_y_axis(data);
  return Layout{.W = W,
                .H = H,
                .left = left,
                .top = top,
                .pw = W - left - right,
                .ph = H - top - bottom,
                .per_row = per_row,
                .x = xr,
                .xticks = spec.log_x ? log_x_ticks(xr) : x_ticks(xr),
                .log_x = spec.log_x,
                .log_y = spec.log_y,
                .y = y.range,
                .yticks = std::move(y.ticks),
                .has_data = data.has_value()};
}

void write_header(std::string& out, const ChartSpec& spec, const Layout& l) {
  out += fmt::format(
      "<svg id=\"{0}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
      "viewBox=\"0 0 {1} {2}\" width=\"{1}\" height=\"{2}\" role=\"img\" "
      "aria-labelledby=\"{0}-title\">\n"
      "<title id=\"{0}-title\">{3}</title>\n"
      "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"{1}\" height=\"{2}\" fill=\"#fff\"/>\n"
      "<text class=\"chart-title\" x=\"{4}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">"
      "{3}</text>\n",
      html_escape(spec.id), spec.width, spec.height, html_escape(spec.title), coord(l.left));
}

/// Horizontal grid lines at the y ticks, both axes and the x tick marks.
void write_grid_and_axes(std::string& out, const Layout& l) {
  out += "<g class=\"grid\" stroke=\"#e5e5e5\" stroke-width=\"1\">\n";
  for (const auto& [a, label] : l.yticks) {
    out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>\n", coord(l.left),
                       coord(l.left + l.pw), coord(l.py_axis(a)), coord(l.py_axis(a)));
  }
  const double bottom = l.top + l.ph;
  out += "</g>\n<g class=\"axis\" stroke=\"#333\" stroke-width=\"1\">\n";
  out += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>\n", coord(l.left),
                     coord(l.top), coord(bottom));
  out += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>\n", coord(l.left),
                     coord(l.left + l.pw), coord(bottom));
  for (double t : l.xticks) {
    out += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>\n", coord(l.px_axis(t)),
                       coord(bottom), coord(bottom + 5));
  }
  out += "</g>\n";
}

/// The tick labels of both axes and the axis labels.
void write_labels(std::string& out, const ChartSpec& spec, const Layout& l) {
  out += "<g class=\"tick-labels\" font-size=\"12\" fill=\"#333\">\n";
  for (const auto& [a, label] : l.yticks) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", coord(l.left - 6),
                       coord(l.py_axis(a) + 4), html_escape(label));
  }
  for (double t : l.xticks) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", coord(l.px_axis(t)),
                       coord(l.top + l.ph + 18),
                       l.log_x ? decade_label(static_cast<int>(std::lround(t))) : fmt::format("{:g}", t));
  }
  out += "</g>\n";
  out += fmt::format(
      "<text class=\"x-label\" x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">"
      "{}{}</text>\n",
      coord(l.left + l.pw / 2), coord(l.H - 8), html_escape(spec.x_label), spec.log_x ? " (log scale)" : "");
  out += fmt::format(
      "<text class=\"y-label\" x=\"{0}\" y=\"{1}\" font-size=\"12\" text-anchor=\"middle\" "
      "transform=\"rotate(-90 {0} {1})\">{2}{3}</text>\n",
      coord(16), coord(l.top + l.ph / 2), html_escape(spec.y_label),
      spec.log_y ? " (log scale)" : "");
}

/// The vertical reference line with its label on the side with room; none outside the x range.
void write_marker(std::string& out, const ChartSpec& spec, const Layout& l) {
  if (!std::isfinite(spec.marker_x) || (l.log_x && spec.marker_x <= 0)) return;
  const double at = l.log_x ? std::log10(spec.marker_x) : spec.marker_x;
  if (at < l.x.lo || at > l.x.hi) return;
  const double mx = l.px(spec.marker_x);
  const bool right_half = mx > l.left + l.pw / 2;
  out += fmt::format(
      "<g class=\"marker\"><line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#888\" "
      "stroke-dasharray=\"3 3\"/><text x=\"{3}\" y=\"{4}\" font-size=\"11\" fill=\"#555\" "
      "text-anchor=\"{5}\">{6}</text></g>\n",
      coord(mx), coord(l.top), coord(l.top + l.ph), coord(mx + (right_half ? -4 : 4)),
      coord(l.top + 12), right_half ? "end" : "start", html_escape(spec.marker_label));
}

/// One run of consecutive drawable points (pixels): a polyline, with dots while there are few;
/// a lone point is a larger dot.
void write_run(std::string& out, const std::vector<std::pair<double, double>>& run, bool dashed) {
  if (run.size() == 1) {
    out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" stroke=\"none\"/>\n",
                       coord(run[0].first), coord(run[0].second));
  } else if (run.size() > 1) {
    std::string pts;
    for (const auto& [a, b] : run) {
      pts += fmt::format("{}{},{}", pts.empty() ? "" : " ", coord(a), coord(b));
    }
    out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke-width=\"2\"{}/>\n", pts,
                       dashed ? " stroke-dasharray=\"6 4\"" : "");
    if (run.size() <= 30) {
      for (const auto& [a, b] : run) {
        out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" stroke=\"none\"/>\n", coord(a),
                           coord(b));
      }
    }
  }
}

/// One group per series, its drawable values split into runs at the gaps. Returns how many
/// values were not drawn.
std::size_t write_series(std::string& out, const std::vector<double>& x,
                         const std::vector<Series>& series, const Layout& l) {
  std::size_t skipped = 0;
  for (const Series& s : series) {
    out += fmt::format("<g class=\"series\" data-name=\"{}\" stroke=\"{}\" fill=\"{}\">\n",
                       html_escape(s.name), html_escape(s.color), html_escape(s.color));
    std::vector<std::pair<double, double>> run;
    for (std::size_t j = 0; j < s.y.size() && j < x.size(); ++j) {
      const double v = s.y[j];
      if (!std::isfinite(v) || !std::isfinite(x[j]) || (l.log_y && v <= 0) || (l.log_x && x[j] <= 0)) {
        ++skipped;
        write_run(out, run, s.dashed);
        run.clear();
        continue;
      }
      run.emplace_back(l.px(x[j]), l.py(v));
    }
    write_run(out, run, s.dashed);
    out += "</g>\n";
  }
  return skipped;
}

/// "No finite values" in the middle of an empty plot, or how many values were not drawn.
void write_notes(std::string& out, const Layout& l, std::size_t skipped) {
  if (!l.has_data) {
    out += fmt::format(
        "<text class=\"no-data\" x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#777\" "
        "text-anchor=\"middle\">no finite values to draw</text>\n",
        coord(l.left + l.pw / 2), coord(l.top + l.ph / 2));
  }
  if (skipped > 0 && l.has_data) {
    out += fmt::format(
        "<text class=\"gaps\" x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#a33\" "
        "text-anchor=\"end\">{} value{} not drawn ({})</text>\n",
        coord(l.left + l.pw), coord(l.H - 8), skipped, skipped == 1 ? "" : "s",
        l.log_y ? "non-finite or &lt;= 0" : "non-finite");
  }
}

/// A line sample and the name of each series, `per_row` to a row above the plot.
void write_legend(std::string& out, const std::vector<Series>& series, const Layout& l) {
  out += "<g class=\"legend\" font-size=\"13\">\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double lx = l.left + 170.0 * static_cast<double>(i % l.per_row);
    const double ly = 44 + 18.0 * static_cast<double>(i / l.per_row);
    out += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\"{}/>\n",
        coord(lx), coord(lx + 22), coord(ly - 4), coord(ly - 4), html_escape(series[i].color),
        series[i].dashed ? " stroke-dasharray=\"6 4\"" : "");
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", coord(lx + 28), coord(ly),
                       html_escape(series[i].name));
  }
  out += "</g>\n";
}

}  // namespace

std::string line_chart_svg(const ChartSpec& spec, const std::vector<double>& x,
                           const std::vector<Series>& series) {
  const Layout layout = chart_layout(spec, x, series);
  std::string out;
  write_header(out, spec, layout);
  write_grid_and_axes(out, layout);
  write_labels(out, spec, layout);
  write_marker(out, spec, layout);
  const std::size_t skipped = write_series(out, x, series, layout);
  write_notes(out, layout, skipped);
  write_legend(out, series, layout);
  out += "</svg>\n";
  return out;
}

}  // namespace mlp::report::detail
