// A heat map as inline SVG for the HTML report: rows × columns of cells coloured by log10 of
// their value on one sequential scale (viridis) with a colour bar, for the per-layer gradient
// norms of deep networks (a line per slice stops being readable beyond a few layers).
#pragma once

#include <string>
#include <vector>

namespace mlp::report::detail {

/// One panel: a grid with its own title and row labels, on the colour scale shared by all
/// panels of the chart. values[row][column]; NaN/±inf = non-finite (red), 0 = no gradient
/// (grey), < 0 is treated as non-finite.
struct HeatmapPanel {
  std::string title;                       ///< e.g. "weights W"
  std::vector<std::string> row_labels;     ///< e.g. "0", "1", ... (top to bottom)
  std::vector<std::vector<double>> values;
};

struct HeatmapSpec {
  std::string id;       ///< element id of the <svg>
  std::string title;    ///< <title> and the visible heading
  std::string x_label;  ///< e.g. "epoch"
  std::string y_label;  ///< e.g. "layer"
  std::string scale_label;  ///< e.g. "log10 ‖gradient‖"
  int width = 720;
};

/// Columns beyond this many are merged into bins of consecutive columns (geometric mean of
/// their finite positive values), so the file stays small for long runs.
inline constexpr std::size_t kHeatmapMaxColumns = 120;

/// One <svg class="chart heatmap"> element. `x` are the column values (epochs), one per column.
[[nodiscard]] std::string heatmap_svg(const HeatmapSpec& spec, const std::vector<double>& x,
                                      const std::vector<HeatmapPanel>& panels);

/// The colour of t in [0, 1] on the viridis scale ("#rrggbb").
[[nodiscard]] std::string viridis(double t);

}  // namespace mlp::report::detail
