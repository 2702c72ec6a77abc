// The stylesheet shared by the HTML pages of the report area (report.html, search.html): page,
// headings, tables, figures and charts. Each page appends its own rules.
#pragma once

#include <string>
#include <string_view>

namespace mlp::report::detail {

inline constexpr std::string_view kPageStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
       max-width: 1180px; padding: 16px 24px 48px; color: #222; background: #fafafa; }
h1 { font-size: 1.6em; margin: 0.4em 0; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0; background: #fff; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; font-variant-numeric: tabular-nums; }
td.text, th.text { text-align: left; }
th { background: #f0f0f0; }
figure { margin: 0; background: #fff; border: 1px solid #ddd; padding: 8px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font-family: system-ui, sans-serif; }
pre { background: #fff; border: 1px solid #ddd; padding: 8px; overflow-x: auto; }
.note { color: #555; }
)";

/// kPageStyle followed by a page's own rules.
inline std::string page_style(std::string_view own) {
  return std::string(kPageStyle) + std::string(own);
}

}  // namespace mlp::report::detail
