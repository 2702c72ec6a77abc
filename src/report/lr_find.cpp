// The learning-rate range test as an HTML page (lr_find.hpp).
#include "mlp/report/lr_find.hpp"

#include <fmt/format.h>

#include "mlp/io/atomic_file.hpp"
#include "svg_chart.hpp"

namespace mlp::report {

std::string render_lr_find_html(const LrFinderResult& result, const std::string& title) {
  using detail::html_escape;
  std::vector<double> x;
  detail::Series smoothed{"smoothed loss", {}, detail::palette(0)};
  detail::Series raw{"batch loss", {}, detail::palette(7), true};
  for (const LrPoint& p : result.points) {
    x.push_back(p.learning_rate);
    smoothed.y.push_back(p.loss);
    raw.y.push_back(p.raw_loss);
  }
  detail::ChartSpec spec("chart-lr-find", "Loss against the learning rate", "learning rate", "loss");
  spec.log_x = true;
  spec.marker_x = result.suggestion.learning_rate;
  spec.marker_label = fmt::format("suggested {:.3g}", result.suggestion.learning_rate);
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{0}</title>\n"
      "<style>body{{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}}"
      "svg{{max-width:100%;height:auto}}</style>\n</head>\n<body>\n<h1>{0}</h1>\n",
      html_escape(title));
  out += fmt::format("<p class=\"suggestion\">Suggested learning rate: <strong>{:.3g}</strong> ({} rule{}).</p>\n",
                     result.suggestion.learning_rate, to_string(result.suggestion.rule),
                     result.diverged ? "; the loss diverged at the end of the range" : "");
  out += detail::line_chart_svg(spec, x, {smoothed, raw});
  out += fmt::format("<p class=\"method\">{}</p>\n</body>\n</html>\n", html_escape(result.method));
  return out;
}

void write_lr_find_html(const std::filesystem::path& path, const LrFinderResult& result, const std::string& title) {
  io::write_file_atomic(path, render_lr_find_html(result, title));
}

}  // namespace mlp::report
