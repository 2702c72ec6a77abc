// The HTML report: the four charts, escaping, gaps for NaN, one epoch, constant series, and
// the chart helpers (ticks, labels).
#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "mlp/report/html.hpp"
#include "report/heatmap.hpp"
#include "report/svg_chart.hpp"

namespace mlp::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* const kCharts[] = {"chart-cost", "chart-accuracy", "chart-lr", "chart-grad-norms"};

/// The text of the <svg> element with the given id ("" when absent).
std::string svg_of(const std::string& html, const std::string& id) {
  const auto start = html.find("<svg id=\"" + id + "\"");
  if (start == std::string::npos) return "";
  const auto end = html.find("</svg>", start);
  return html.substr(start, end == std::string::npos ? std::string::npos : end + 6 - start);
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

/// All y coordinates of the polylines and circles of one series (by data-name) in an svg.
std::vector<double> series_ys(const std::string& svg, const std::string& name) {
  std::vector<double> ys;
  const auto start = svg.find("data-name=\"" + name + "\"");
  if (start == std::string::npos) return ys;
  const auto end = svg.find("</g>", start);
  const std::string g = svg.substr(start, end - start);
  static const std::regex point(R"(([0-9.]+),([0-9.]+))");
  static const std::regex cy(R"re(cy="([0-9.]+)")re");
  for (std::sregex_iterator it(g.begin(), g.end(), point), stop; it != stop; ++it) ys.push_back(std::stod((*it)[2]));
  for (std::sregex_iterator it(g.begin(), g.end(), cy), stop; it != stop; ++it) ys.push_back(std::stod((*it)[1]));
  return ys;
}

std::vector<std::string> names() { return {"layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"}; }

std::vector<EpochMetrics> classifier_history(int epochs) {
  std::vector<EpochMetrics> h;
  for (int e = 1; e <= epochs; ++e) {
    EpochMetrics m;
    m.epoch = static_cast<std::uint64_t>(e);
    m.learning_rate = 0.1 * std::pow(0.5, e - 1);
    m.train.loss = 1.0 / e;
    m.train.accuracy = 1.0 - 0.4 / e;
    Metrics dev;
    dev.loss = 1.1 / e + 0.05;
    dev.accuracy = 1.0 - 0.45 / e;
    m.dev = dev;
    m.objective = m.train.loss + 0.01;
    m.seconds = 0.5;
    m.samples_per_second = 1000;
    m.grad_norms = {0.5 / e, 0.05 / e, 0.3 / e, 0.03 / e};
    m.weight_norms = {3, 0.1, 2, 0.1};
    h.push_back(m);
  }
  return h;
}

ReportInfo info() {
  ReportInfo i;
  i.title = "iris run";
  i.model_summary = {"architecture: 4 -> 16 relu -> 3 softmax", "parameters: 131"};
  return i;
}

TEST(HtmlReport, HasTheFourChartsWithTitlesAxesAndLegends) {
  const auto h = classifier_history(10);
  const auto d = diagnose(h, names());
  const auto html = render_report_html(h, names(), d, info());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* id : kCharts) {
    const auto svg = svg_of(html, id);
    ASSERT_FALSE(svg.empty()) << id;
    EXPECT_NE(svg.find("<title"), std::string::npos) << id;
    EXPECT_NE(svg.find("<polyline"), std::string::npos) << id;
    EXPECT_NE(svg.find("class=\"legend\""), std::string::npos) << id;
    EXPECT_NE(svg.find("class=\"tick-labels\""), std::string::npos) << id;
    EXPECT_GE(count(svg, "text-anchor=\"end\">"), 2u) << id << ": y tick labels";
  }
  EXPECT_EQ(count(svg_of(html, "chart-cost"), "<polyline"), 3u);  // train, dev, objective
  EXPECT_NE(svg_of(html, "chart-cost").find(fmt::format("best dev cost: epoch {}", d.learning_curve->best_epoch)),
            std::string::npos);
  EXPECT_EQ(count(svg_of(html, "chart-grad-norms"), "<polyline"), 4u);
  EXPECT_NE(svg_of(html, "chart-grad-norms").find("(log scale)"), std::string::npos);
  // lr halves every epoch: 0.1 … 2e-4 spans > 2 decades, drawn on a log scale.
  EXPECT_NE(svg_of(html, "chart-lr").find("(log scale)"), std::string::npos);
  EXPECT_NE(html.find("id=\"verdict\""), std::string::npos);
  EXPECT_NE(html.find(to_string(d.verdict)), std::string::npos);
  EXPECT_NE(html.find("parameters: 131"), std::string::npos);
  // Self-contained: no scripts, no external resources.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(count(html, "http"), 4u);  // the SVG namespace of each chart only
}

TEST(HtmlReport, EscapesEveryText) {
  auto h = classifier_history(3);
  std::vector<std::string> hostile = names();
  hostile[0] = "layers.0.W\"><script>alert(2)</script>";
  auto i = info();
  i.title = "model <script>alert(1)</script> & co";
  i.model_summary.push_back("<img src=x onerror=alert(3)>");
  i.config_text = "[model]\nhidden = [\"<script>\"]\n";
  i.test = h.back().train;
  i.test->confusion = {{5, 1}, {0, 4}};
  i.class_names = {"<b>setosa</b>", "versicolor"};
  const auto d = diagnose(h, hostile);
  const auto html = render_report_html(h, hostile, d, i);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>setosa"), std::string::npos);
  EXPECT_NE(html.find("model &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
  EXPECT_NE(html.find("layers.0.W&quot;&gt;&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;setosa&lt;/b&gt;"), std::string::npos);
}

TEST(HtmlReport, NaNValuesAreGapsNotCoordinates) {
  auto h = classifier_history(9);
  h[4].dev->loss = kNaN;                                    // a gap in the middle of dev cost
  h[6].train.loss = std::numeric_limits<double>::infinity();
  h[2].grad_norms[1] = kNaN;
  h[3].grad_norms[3] = 0.0;  // not drawable on a log scale
  const auto html = render_report_html(h, names(), diagnose(h, names()), info());
  const auto cost = svg_of(html, "chart-cost");
  EXPECT_EQ(cost.find("nan"), std::string::npos);
  EXPECT_EQ(cost.find("inf"), std::string::npos);
  EXPECT_EQ(html.find("NaN"), std::string::npos);
  // dev cost: epochs 1-4 and 6-9 → two polylines; train cost: 1-6 and 8-9 → two polylines.
  const auto dev_start = cost.find("data-name=\"dev cost\"");
  const auto dev_group = cost.substr(dev_start, cost.find("</g>", dev_start) - dev_start);
  EXPECT_EQ(count(dev_group, "<polyline"), 2u) << dev_group;
  EXPECT_EQ(series_ys(cost, "dev cost").size(), 2u * 8u);  // points + markers of 8 finite values
  EXPECT_NE(cost.find("2 values not drawn (non-finite)"), std::string::npos);
  EXPECT_NE(svg_of(html, "chart-grad-norms").find("not drawn (non-finite or &lt;= 0)"), std::string::npos);
}

TEST(HtmlReport, OneEpochIsDrawnAsMarkers) {
  const auto h = classifier_history(1);
  const auto html = render_report_html(h, names(), diagnose(h, names()), info());
  for (const char* id : kCharts) {
    const auto svg = svg_of(html, id);
    ASSERT_FALSE(svg.empty()) << id;
    EXPECT_EQ(svg.find("<polyline"), std::string::npos) << id;
    EXPECT_NE(svg.find("<circle"), std::string::npos) << id;
    EXPECT_NE(svg.find("text-anchor=\"middle\">1</text>"), std::string::npos) << id << ": x tick 1";
  }
}

TEST(HtmlReport, ConstantSeriesIsAFlatLineInsideThePlot) {
  auto h = classifier_history(5);
  for (auto& e : h) e.learning_rate = 0.01;
  const auto html = render_report_html(h, names(), diagnose(h, names()), info());
  const auto lr = svg_of(html, "chart-lr");
  EXPECT_EQ(lr.find("(log scale)"), std::string::npos);
  const auto ys = series_ys(lr, "learning rate");
  ASSERT_EQ(ys.size(), 10u);
  for (double y : ys) EXPECT_DOUBLE_EQ(y, ys.front());
  EXPECT_GT(ys.front(), 66.0);   // below the top of the plot area (48 + one legend row)
  EXPECT_LT(ys.front(), 272.0);  // above the x axis (height 320 − bottom margin 48)
  EXPECT_NE(lr.find(">0.0100</text>"), std::string::npos) << lr;  // ticks 0.0090, 0.0095, 0.0100, ...
}

TEST(HtmlReport, RegressionDrawsRmseAndNoDevData) {
  std::vector<EpochMetrics> h;
  for (int e = 1; e <= 4; ++e) {
    EpochMetrics m;
    m.epoch = static_cast<std::uint64_t>(e);
    m.learning_rate = 0.01;
    m.train.loss = 1.0 / e;
    m.train.rmse = 100.0 / e;
    m.train.mae = 80.0 / e;
    m.train.r2 = 1 - 0.5 / e;
    h.push_back(m);
  }
  const auto html = render_report_html(h, {}, diagnose(h, {}), ReportInfo{});
  const auto acc = svg_of(html, "chart-accuracy");
  EXPECT_NE(acc.find("RMSE per epoch"), std::string::npos);
  EXPECT_NE(acc.find("data-name=\"train RMSE\""), std::string::npos);
  EXPECT_EQ(acc.find("dev RMSE"), std::string::npos);
  EXPECT_EQ(svg_of(html, "chart-cost").find("dev cost"), std::string::npos);
  EXPECT_NE(svg_of(html, "chart-grad-norms").find("no finite values to draw"), std::string::npos);
  EXPECT_NE(html.find("mlp training report"), std::string::npos);
  EXPECT_NE(html.find("no dev set"), std::string::npos);
}

/// The text of the test-scores table ("" when absent).
std::string scores_table(const std::string& html) {
  const auto start = html.find("id=\"test-scores\"");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find("</table>", start) - start);
}

TEST(HtmlReport, ShowsTheTestScoresPerClassWithAveragesLogLossAndAuc) {
  // Labels 0 0 1 2, predicted 0 1 1 2: class 0 precision 1 recall 0.5, class 1 precision 0.5
  // recall 1, class 2 perfect; macro F1 = (2/3 + 2/3 + 1) / 3.
  const std::vector<std::int32_t> labels = {0, 0, 1, 2};
  Eigen::MatrixXd P(3, 4);
  P << 0.8, 0.3, 0.1, 0.1,  //
      0.1, 0.6, 0.8, 0.1,   //
      0.1, 0.1, 0.1, 0.8;
  Scores s;
  s.classification = classification_scores(labels, P);
  ReportInfo i = info();
  i.test_scores = s;
  i.class_names = {"cat", "<dog>", "eel"};
  const auto table = scores_table(render_report_html(classifier_history(3), names(), diagnose(classifier_history(3), names()), i));
  ASSERT_FALSE(table.empty());
  EXPECT_NE(table.find("<th>&lt;dog&gt;</th><td>0.5</td><td>1</td>"), std::string::npos) << table;
  EXPECT_NE(table.find("<th>cat</th><td>1</td><td>0.5</td>"), std::string::npos) << table;
  EXPECT_NE(table.find(fmt::format("<th>macro average</th><td>{}</td>",
                                   fmt::format("{:.4g}", s.classification->macro.precision))),
            std::string::npos)
      << table;
  EXPECT_EQ(count(table, "<tr>"), 6u);  // header, 3 classes, macro, weighted
  EXPECT_NE(table.find(">4</td></tr>"), std::string::npos);  // the averages' support is m
  const auto html = render_report_html(classifier_history(3), names(), diagnose(classifier_history(3), names()), i);
  EXPECT_NE(html.find("ROC-AUC (one-vs-rest, macro)"), std::string::npos);
  EXPECT_NE(html.find("log-loss"), std::string::npos);
  // Without scores there is no section.
  EXPECT_TRUE(scores_table(render_report_html(classifier_history(3), names(), diagnose(classifier_history(3), names()), info())).empty());
}

TEST(HtmlReport, ShowsTheTestScoresPerRegressionTarget) {
  Eigen::MatrixXd Y(2, 3), Yhat(2, 3);
  Y << 1, 2, 4, 10, 20, 30;
  Yhat << 1, 3, 4, 10, 20, 33;
  Scores s;
  s.targets = regression_scores(Y, Yhat);
  ReportInfo i;
  i.test_scores = s;
  i.target_names = {"heating", "cooling"};
  const auto table = scores_table(render_report_html({}, {}, diagnose_errors(0.1, 0.1), i));
  ASSERT_FALSE(table.empty());
  EXPECT_NE(table.find("<th>MAPE</th><th>max error</th>"), std::string::npos);
  EXPECT_NE(table.find("<tr><th>heating</th>"), std::string::npos);
  EXPECT_NE(table.find("<tr><th>cooling</th>"), std::string::npos);
  EXPECT_NE(table.find("<td>3</td></tr>"), std::string::npos) << table;  // cooling's max error
}

TEST(HtmlReport, EmptyHistoryStillRenders) {
  const auto d = diagnose_errors(0.2, 0.3);
  const auto html = render_report_html({}, {}, d, info());
  for (const char* id : kCharts) EXPECT_FALSE(svg_of(html, id).empty()) << id;
  EXPECT_NE(html.find("high_bias_and_variance"), std::string::npos);
}

/// `layers` layers (W, b slices) whose gradient norms fall by a factor 2 per layer toward the input.
std::pair<std::vector<EpochMetrics>, std::vector<std::string>> deep_history(int layers, int epochs) {
  std::vector<std::string> slices;
  for (int k = 0; k < layers; ++k) {
    slices.push_back(fmt::format("layers.{}.W", k));
    slices.push_back(fmt::format("layers.{}.b", k));
  }
  auto h = classifier_history(epochs);
  for (auto& e : h) {
    e.grad_norms.clear();
    e.weight_norms.clear();
    for (int k = 0; k < layers; ++k) {
      e.grad_norms.push_back(std::pow(0.5, layers - 1 - k) / static_cast<double>(e.epoch));
      e.grad_norms.push_back(0.1 * std::pow(0.5, layers - 1 - k));
      e.weight_norms.push_back(3);
      e.weight_norms.push_back(0.1);
    }
  }
  return {h, slices};
}

TEST(HtmlReport, DeepNetworkGradientsAreAHeatMapPerLayerAndEpoch) {
  auto [h, slices] = deep_history(11, 30);  // 22 slices: a line each would be unreadable
  h[4].grad_norms[0] = kNaN;
  h[5].grad_norms[2] = 0.0;
  const auto html = render_report_html(h, slices, diagnose(h, slices), info());
  const auto svg = svg_of(html, "chart-grad-norms");
  ASSERT_FALSE(svg.empty());
  EXPECT_NE(svg.find("class=\"chart heatmap\""), std::string::npos);
  EXPECT_EQ(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find("data-name=\"weights W\""), std::string::npos);
  EXPECT_NE(svg.find("data-name=\"biases b\""), std::string::npos);
  EXPECT_EQ(count(svg, "<title>weights W "), 11u * 30u);  // a cell per layer and epoch, each with its value
  EXPECT_EQ(count(svg, "<title>biases b "), 11u * 30u);
  EXPECT_NE(svg.find("<title>weights W 0, epoch 5: non-finite</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>weights W 1, epoch 6: 0</title>"), std::string::npos);
  EXPECT_NE(svg.find(">non-finite</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0 (no gradient)</text>"), std::string::npos);
  // Row labels 0 … 10, the colour bar with its decades (0.1·0.5^10 ≈ 1e-4 … 1).
  for (int k = 0; k <= 10; ++k) EXPECT_NE(svg.find(fmt::format("text-anchor=\"end\">{}</text>", k)), std::string::npos) << k;
  EXPECT_NE(svg.find(">1e-5</text>"), std::string::npos);
  EXPECT_NE(svg.find(">1</text>"), std::string::npos);
  // The layer is readable: rows of at least 12 px for 11 layers, a chart no taller than 480.
  const std::regex height(R"re(height="([0-9.]+)" role)re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, height));
  EXPECT_LE(std::stod(m[1]), 480.0);
  // A few layers keep the line chart.
  auto [h2, slices2] = deep_history(4, 5);
  EXPECT_EQ(count(svg_of(render_report_html(h2, slices2, diagnose(h2, slices2), info()), "chart-grad-norms"),
                  "<polyline"), 8u);
}

TEST(HtmlReport, FiftyLayersAndALongRunStayReadableAndSmall) {
  const auto [h, slices] = deep_history(50, 500);
  const auto html = render_report_html(h, slices, diagnose(h, slices), info());
  const auto svg = svg_of(html, "chart-grad-norms");
  ASSERT_FALSE(svg.empty());
  EXPECT_NE(svg.find("(500 epochs in 120 columns)"), std::string::npos);
  EXPECT_EQ(count(svg, "<rect x="), 2u * 50u * 120u + 48u + 2u + 1u)
      << "cells, colour-bar steps, panel frames, colour-bar frame";
  EXPECT_EQ(svg.find("<title>weights"), std::string::npos);  // no per-cell tooltips at this size
  EXPECT_LT(svg.size(), 1'200'000u);
  // Every few rows labelled (rows of about 7 px), the first and the last among them.
  EXPECT_NE(svg.find("text-anchor=\"end\">0</text>"), std::string::npos);
  EXPECT_NE(svg.find("text-anchor=\"end\">49</text>"), std::string::npos);
  EXPECT_EQ(svg.find("text-anchor=\"end\">1</text>"), std::string::npos);
  const std::regex height(R"re(height="([0-9.]+)" role)re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, height));
  EXPECT_LE(std::stod(m[1]), 480.0);
}

TEST(SvgChart, ViridisEndsAndMiddle) {
  EXPECT_EQ(detail::viridis(0), "#440154");
  EXPECT_EQ(detail::viridis(1), "#fde725");
  EXPECT_EQ(detail::viridis(0.5), "#21918c");
  EXPECT_EQ(detail::viridis(kNaN), "#440154");
}

TEST(SvgChart, NiceTicksAndLabels) {
  using detail::nice_ticks;
  using detail::tick_label;
  auto t = nice_ticks(0, 1);
  ASSERT_EQ(t.size(), 6u);
  EXPECT_DOUBLE_EQ(t[1], 0.2);
  EXPECT_DOUBLE_EQ(t.back(), 1.0);
  t = nice_ticks(0.13, 0.87, 6);
  for (double v : t) {
    EXPECT_GE(v, 0.13);
    EXPECT_LE(v, 0.87);
  }
  EXPECT_EQ(tick_label(0.30000000000000004, 0.1), "0.3");
  EXPECT_EQ(tick_label(2500, 500), "2500");
  EXPECT_EQ(tick_label(1.5e-6, 5e-7), "1.5e-06");
  EXPECT_EQ(tick_label(0, 0.1), "0");
  EXPECT_EQ(nice_ticks(3, 3), std::vector<double>{3});
  EXPECT_TRUE(nice_ticks(kNaN, 1).empty());
  EXPECT_EQ(detail::html_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
}

}  // namespace
}  // namespace mlp::report
