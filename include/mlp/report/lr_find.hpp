// The page of `mlp lr-find`: the smoothed and raw loss against the learning rate (log x axis)
// as an inline SVG chart with the suggestion marked, and the method — one self-contained HTML
// file, no scripts.
#pragma once

#include <filesystem>
#include <string>

#include "mlp/train/lr_finder.hpp"

namespace mlp::report {

/// The page as one HTML document: the chart `chart-lr-find` (series "smoothed loss" and
/// "batch loss", the suggestion as a marker), the suggestion and the method; every text is
/// HTML-escaped. `title` names the configuration.
[[nodiscard]] std::string render_lr_find_html(const LrFinderResult& result, const std::string& title);

/// Renders and writes the page atomically (IoError when it cannot be written).
void write_lr_find_html(const std::filesystem::path& path, const LrFinderResult& result, const std::string& title);

}  // namespace mlp::report
