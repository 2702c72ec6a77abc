// The page of a hyper-parameter search (`mlp search`, search.html): the trials ranked by their
// mean cross-validated dev cost in a table, and a parallel-coordinates plot (one vertical axis
// per searched key and one for the mean dev cost, one line per trial, the best drawn last and
// highlighted). Self-contained like report.html: inline CSS and SVG, no scripts.
#pragma once

#include <filesystem>
#include <string>

#include "mlp/train/search.hpp"

namespace mlp::report {

struct SearchReportInfo {
  std::string title = "mlp search";
  int folds = 0;            ///< of the cross-validation that scored each trial
  std::string best_config;  ///< the best trial's configuration (TOML); empty = not shown
};

/// The page as one HTML document; `svg#search-parallel` is the plot.
[[nodiscard]] std::string render_search_html(const search::Result& result, const SearchReportInfo& info);

/// Renders and writes the page atomically (IoError when it cannot be written).
void write_search_html(const std::filesystem::path& path, const search::Result& result,
                       const SearchReportInfo& info);

}  // namespace mlp::report
