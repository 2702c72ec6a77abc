// Heat maps as inline SVG (see heatmap.hpp).
#include "heatmap.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "svg_chart.hpp"

namespace mlp::report::detail {
namespace {

std::string coord(double v) { return fmt::format("{:.2f}", v); }

constexpr const char* kNonFinite = "#d62728";
constexpr const char* kZero = "#bdbdbd";

/// The cell value of one bin: NaN when any value is non-finite (or negative), 0 when all are
/// 0, else the geometric mean of the positive values.
double bin_value(const std::vector<double>& v, std::size_t from, std::size_t to) {
  double log_sum = 0;
  std::size_t positive = 0;
  for (std::size_t j = from; j < to && j < v.size(); ++j) {
    if (!std::isfinite(v[j]) || v[j] < 0) return NAN;
    if (v[j] > 0) log_sum += std::log10(v[j]), ++positive;
  }
  return positive ? std::pow(10.0, log_sum / static_cast<double>(positive)) : 0.0;
}

/// "Nice" epoch ticks: a step of 1, 2, 5, 10, ... giving at most about 8 ticks.
std::vector<double> epoch_ticks(double lo, double hi) {
  std::vector<double> ticks;
  if (!(hi >= lo)) return ticks;
  double step = 1;
  for (int i = 0; (hi - lo) / step > 8; ++i) step *= (i % 3 == 1) ? 2.5 : 2.0;
  for (double t = std::ceil(lo / step) * step; t <= hi && ticks.size() < 50; t += step) ticks.push_back(t);
  if (ticks.empty()) ticks.push_back(lo);
  return ticks;
}

}  // namespace

std::string viridis(double t) {
  static constexpr int stops[9][3] = {{68, 1, 84},    {71, 45, 123},  {59, 82, 139},
                                      {44, 114, 142}, {33, 145, 140}, {40, 174, 128},
                                      {94, 201, 98},  {170, 220, 50}, {253, 231, 37}};
  if (!std::isfinite(t)) t = 0;
  t = std::clamp(t, 0.0, 1.0) * 8;
  const int i = std::min(7, static_cast<int>(t));
  const double f = t - i;
  int c[3];
  for (int k = 0; k < 3; ++k) c[k] = static_cast<int>(std::lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])));
  return fmt::format("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
}

std::string heatmap_svg(const HeatmapSpec& spec, const std::vector<double>& x,
                        const std::vector<HeatmapPanel>& panels) {
  // Columns, binned when there are many.
  const std::size_t n = x.size();
  const std::size_t cols = std::min(n, kHeatmapMaxColumns);
  const auto bin_from = [&](std::size_t c) { return c * n / std::max<std::size_t>(cols, 1); };
  std::size_t rows = 1;
  for (const auto& p : panels) rows = std::max(rows, p.row_labels.size());

  // Cell values and the shared scale (whole decades around the finite positive values).
  std::vector<std::vector<std::vector<double>>> cells(panels.size());
  double lo = INFINITY, hi = -INFINITY;
  bool any_zero = false, any_non_finite = false;
  for (std::size_t k = 0; k < panels.size(); ++k) {
    for (const auto& row : panels[k].values) {
      std::vector<double> r;
      for (std::size_t c = 0; c < cols; ++c) {
        const double v = bin_value(row, bin_from(c), bin_from(c + 1));
        r.push_back(v);
        if (std::isnan(v)) any_non_finite = true;
        else if (v == 0) any_zero = true;
        else lo = std::min(lo, std::log10(v)), hi = std::max(hi, std::log10(v));
      }
      cells[k].push_back(std::move(r));
    }
  }
  const bool has_data = lo <= hi;
  if (!has_data) lo = -1, hi = 1;
  lo = std::floor(lo), hi = std::ceil(hi);
  if (hi - lo < 1) hi = lo + 1;

  // Geometry: row labels on the left, the panels side by side, the colour bar on the right.
  const double W = spec.width, left = 64, bar_area = 96, gap = 24, top = 58;
  const double row_h = std::clamp(340.0 / static_cast<double>(rows), 6.0, 22.0);
  const double ph = row_h * static_cast<double>(rows);
  const double H = top + ph + 52 + ((any_zero || any_non_finite) ? 16 : 0);
  const std::size_t np = std::max<std::size_t>(panels.size(), 1);
  const double pw = (W - left - bar_area - gap * static_cast<double>(np - 1)) / static_cast<double>(np);
  const double cell_w = cols ? pw / static_cast<double>(cols) : pw;
  const bool tooltips = cols * rows * np <= 3000;

  std::string out = fmt::format(
      "<svg id=\"{0}\" class=\"chart heatmap\" xmlns=\"http://www.w3.org/2000/svg\" "
      "viewBox=\"0 0 {1} {2}\" width=\"{1}\" height=\"{2}\" role=\"img\" aria-labelledby=\"{0}-title\">\n"
      "<title id=\"{0}-title\">{3}</title>\n"
      "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"{1}\" height=\"{2}\" fill=\"#fff\"/>\n"
      "<text class=\"chart-title\" x=\"{4}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{3}</text>\n",
      html_escape(spec.id), W, coord(H), html_escape(spec.title), coord(left));

  // Row labels (every few rows when they are thin), the y label.
  const std::size_t every = static_cast<std::size_t>(std::ceil(12.0 / row_h));
  out += "<g class=\"tick-labels\" font-size=\"11\" fill=\"#333\">\n";
  if (!panels.empty()) {
    const auto& labels = panels.front().row_labels;
    for (std::size_t r = 0; r < labels.size(); ++r) {
      // Every `every`-th row, and the last one when it is not too close to a labelled one.
      if (r % every != 0 && !(r + 1 == labels.size() && r % every >= (every + 1) / 2)) continue;
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", coord(left - 6),
                         coord(top + (static_cast<double>(r) + 0.5) * row_h + 4), html_escape(labels[r]));
    }
  }
  out += "</g>\n";
  out += fmt::format("<text class=\"y-label\" x=\"16\" y=\"{0}\" font-size=\"12\" text-anchor=\"middle\" "
                     "transform=\"rotate(-90 16 {0})\">{1}</text>\n",
                     coord(top + ph / 2), html_escape(spec.y_label));

  // The panels.
  const double span = hi - lo;
  for (std::size_t k = 0; k < panels.size(); ++k) {
    const double px = left + static_cast<double>(k) * (pw + gap);
    out += fmt::format("<g class=\"panel\" data-name=\"{}\" shape-rendering=\"crispEdges\">\n",
                       html_escape(panels[k].title));
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\">{}</text>\n",
                       coord(px + pw / 2), coord(top - 8), html_escape(panels[k].title));
    for (std::size_t r = 0; r < cells[k].size(); ++r) {
      for (std::size_t c = 0; c < cols; ++c) {
        const double v = cells[k][r][c];
        const std::string fill = std::isnan(v) ? kNonFinite : v == 0 ? kZero : viridis((std::log10(v) - lo) / span);
        out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"", coord(px + static_cast<double>(c) * cell_w),
                           coord(top + static_cast<double>(r) * row_h), coord(cell_w + 0.3), coord(row_h + 0.3), fill);
        if (tooltips) {
          const std::string at = bin_from(c + 1) - bin_from(c) > 1
                                     ? fmt::format("{:g}–{:g}", x[bin_from(c)], x[bin_from(c + 1) - 1])
                                     : fmt::format("{:g}", x[bin_from(c)]);
          const std::string row = r < panels[k].row_labels.size() ? panels[k].row_labels[r] : "";
          out += fmt::format("><title>{} {}, {} {}: {}</title></rect>\n", html_escape(panels[k].title),
                             html_escape(row), html_escape(spec.x_label), at,
                             std::isnan(v) ? "non-finite" : fmt::format("{:.3g}", v));
        } else {
          out += "/>\n";
        }
      }
    }
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n",
                       coord(px), coord(top), coord(pw), coord(ph));
    // Epoch ticks under the panel, at the centre of the column that holds the epoch.
    out += "<g class=\"tick-labels\" font-size=\"11\" fill=\"#333\">\n";
    if (n > 0) {
      for (double t : epoch_ticks(x.front(), x.back())) {
        const auto it = std::lower_bound(x.begin(), x.end(), t);
        if (it == x.end()) continue;
        const std::size_t j = static_cast<std::size_t>(it - x.begin());
        std::size_t c = 0;
        while (c + 1 < cols && bin_from(c + 1) <= j) ++c;
        out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{:g}</text>\n",
                           coord(px + (static_cast<double>(c) + 0.5) * cell_w), coord(top + ph + 16), *it);
      }
    }
    out += "</g>\n</g>\n";
  }
  out += fmt::format("<text class=\"x-label\" x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}{}</text>\n",
                     coord(left + (W - left - bar_area) / 2), coord(top + ph + 34), html_escape(spec.x_label),
                     cols < n ? fmt::format(" ({} epochs in {} columns)", n, cols) : std::string());

  // The colour bar: whole decades, labelled.
  const double bx = W - bar_area + 20, bw = 14;
  out += "<g class=\"legend\" font-size=\"11\">\n";
  const int steps = 48;
  for (int i = 0; i < steps; ++i) {
    const double t0 = static_cast<double>(i) / steps;
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n", coord(bx),
                       coord(top + ph * (1 - t0 - 1.0 / steps)), coord(bw), coord(ph / steps + 0.3),
                       viridis(t0 + 0.5 / steps));
  }
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n",
                     coord(bx), coord(top), coord(bw), coord(ph));
  const int decades = static_cast<int>(span);
  const int label_every = std::max(1, static_cast<int>(std::ceil(decades * 14.0 / ph)));
  for (int k = static_cast<int>(lo); k <= static_cast<int>(hi); k += label_every) {
    const double y = top + ph * (1 - (k - lo) / span);
    const std::string label = k >= -3 && k <= 4 ? fmt::format("{:g}", std::pow(10.0, k)) : fmt::format("1e{}", k);
    out += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#333\"/>"
                       "<text x=\"{3}\" y=\"{4}\" fill=\"#333\">{5}</text>\n",
                       coord(bx + bw), coord(bx + bw + 4), coord(y), coord(bx + bw + 6), coord(y + 4), label);
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#333\">{}</text>\n", coord(bx - 6),
                     coord(top - 8), html_escape(spec.scale_label));
  // The colours outside the scale, when drawn.
  double lx = left;
  const double ly = top + ph + 50;
  for (const auto& [present, colour, text] : {std::tuple{any_zero, kZero, "0 (no gradient)"},
                                              std::tuple{any_non_finite, kNonFinite, "non-finite"}}) {
    if (!present) continue;
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>\n",
                       coord(lx), coord(ly - 10), colour, coord(lx + 16), coord(ly), text);
    lx += 150;
  }
  out += "</g>\n";
  if (!has_data) {
    out += fmt::format("<text class=\"no-data\" x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#777\" "
                       "text-anchor=\"middle\">no finite values to draw</text>\n",
                       coord(left + (W - left - bar_area) / 2), coord(top + ph / 2));
  }
  out += "</svg>\n";
  return out;
}

}  // namespace mlp::report::detail
