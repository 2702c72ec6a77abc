// Line charts as inline SVG for the HTML report: no scripts, no external resources.
// Gaps for non-finite values (and for values <= 0 on a log scale), a marker for points that
// have no neighbour to join, a padded range for constant series, "nice" tick labels.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlp::report::detail {

/// Escapes & < > " ' for HTML/SVG text and attribute values.
[[nodiscard]] std::string html_escape(std::string_view text);

struct Series {
  std::string name;
  std::vector<double> y;  ///< one value per x (NaN/inf = gap)
  std::string color;      ///< CSS colour
  bool dashed = false;
};

struct ChartSpec {
  ChartSpec(std::string id_, std::string title_, std::string x_label_, std::string y_label_)
      : id(std::move(id_)), title(std::move(title_)), x_label(std::move(x_label_)),
        y_label(std::move(y_label_)) {}
  std::string id;       ///< element id of the <svg>, e.g. "chart-cost"
  std::string title;    ///< <title> and the visible heading
  std::string x_label;  ///< e.g. "epoch"
  std::string y_label;
  bool log_y = false;
  /// A log10 x axis (e.g. learning rates): decades as ticks; x values <= 0 are gaps.
  bool log_x = false;
  /// A vertical reference line (e.g. the best dev epoch) with its label; NaN = none.
  double marker_x = std::numeric_limits<double>::quiet_NaN();
  std::string marker_label;
  int width = 720;
  int height = 320;
};

/// Tick positions of a linear axis over [lo, hi] (about `target` ticks at 1, 2, 5 × 10^k).
[[nodiscard]] std::vector<double> nice_ticks(double lo, double hi, int target = 6);

/// Formats a tick value compactly (no floating-point noise such as 0.30000000000000004).
[[nodiscard]] std::string tick_label(double v, double step);

/// One <svg> element. `x` are the epoch numbers; every series has x.size() values.
[[nodiscard]] std::string line_chart_svg(const ChartSpec& spec, const std::vector<double>& x,
                                         const std::vector<Series>& series);

/// The i-th colour of the palette used by the report.
[[nodiscard]] const char* palette(std::size_t i);

}  // namespace mlp::report::detail
