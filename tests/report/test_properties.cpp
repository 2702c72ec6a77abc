// Properties: exact JSONL round trip of any numbers, parser robustness on damaged lines,
// monotone verdicts, escaping of any title.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "mlp/core/error.hpp"
#include "mlp/report/diagnosis.hpp"
#include "mlp/report/html.hpp"
#include "mlp/train/metrics_log.hpp"

namespace mlp::report {
namespace {

/// Any double, with NaN and infinities among them.
rc::Gen<double> any_double() {
  return rc::gen::oneOf(rc::gen::arbitrary<double>(),
                        rc::gen::element(0.0, -0.0, 1e-300, 1e300, std::nan(""), HUGE_VAL, -HUGE_VAL));
}

bool same(double a, double b) { return std::isfinite(a) ? a == b : std::isnan(b); }

EpochMetrics random_epoch(std::size_t slices, bool classifier, bool dev) {
  EpochMetrics e;
  e.epoch = *rc::gen::inRange<std::uint64_t>(1, 1u << 30);
  e.learning_rate = *any_double();
  e.objective = *any_double();
  e.train.loss = *any_double();
  if (classifier) e.train.accuracy = *any_double();
  else e.train.rmse = *any_double(), e.train.mae = *any_double(), e.train.r2 = *any_double();
  if (dev) e.dev = e.train, e.dev->loss = *any_double();
  e.seconds = *any_double();
  e.samples_per_second = *any_double();
  for (std::size_t s = 0; s < slices; ++s) {
    e.grad_norms.push_back(*any_double());
    e.weight_norms.push_back(*any_double());
  }
  return e;
}

RC_GTEST_PROP(MetricsProperties, JsonlRoundTripIsExactForFiniteNumbers, ()) {
  const auto slices = *rc::gen::inRange<std::size_t>(1, 8);
  std::vector<std::string> names;
  for (std::size_t s = 0; s < slices; ++s) names.push_back("layers." + std::to_string(s / 2) + (s % 2 ? ".b" : ".W"));
  const auto e = random_epoch(slices, *rc::gen::arbitrary<bool>(), *rc::gen::arbitrary<bool>());
  const auto log = parse_metrics_jsonl(metrics_jsonl_line(e, names));
  RC_ASSERT(log.slice_names == names);
  RC_ASSERT(log.history.size() == 1u);
  const auto& b = log.history[0];
  RC_ASSERT(b.epoch == e.epoch);
  RC_ASSERT(same(e.learning_rate, b.learning_rate));
  RC_ASSERT(same(e.objective, b.objective));
  RC_ASSERT(same(e.train.loss, b.train.loss));
  RC_ASSERT(e.train.accuracy.has_value() == b.train.accuracy.has_value());
  if (e.train.accuracy) RC_ASSERT(same(*e.train.accuracy, *b.train.accuracy));
  if (e.train.r2) RC_ASSERT(same(*e.train.r2, *b.train.r2));
  RC_ASSERT(e.dev.has_value() == b.dev.has_value());
  if (e.dev) RC_ASSERT(same(e.dev->loss, b.dev->loss));
  for (std::size_t s = 0; s < slices; ++s) {
    RC_ASSERT(same(e.grad_norms[s], b.grad_norms[s]));
    RC_ASSERT(same(e.weight_norms[s], b.weight_norms[s]));
  }
}

RC_GTEST_PROP(MetricsProperties, DamagedLinesParseOrThrowDataError, ()) {
  const std::vector<std::string> names = {"layers.0.W", "layers.0.b"};
  std::string line = metrics_jsonl_line(random_epoch(2, true, true), names);
  const auto edits = *rc::gen::inRange(1, 4);
  for (int i = 0; i < edits; ++i) {
    const auto pos = *rc::gen::inRange<std::size_t>(0, line.size());
    switch (*rc::gen::inRange(0, 3)) {
      case 0: line.erase(pos); break;                                          // truncate
      case 1: line[pos] = *rc::gen::element('{', '}', '"', ',', ':', 'x', '\0', '9', '-', 'e'); break;
      default: line.insert(pos, *rc::gen::element<std::string>("null", "[]", "{}", "\"s\"", "1e999")); break;
    }
    if (line.empty()) line = "{";
  }
  try {
    (void)parse_metrics_jsonl(line);
  } catch (const DataError& e) {
    RC_ASSERT(std::string(e.what()).rfind("metrics.jsonl:1", 0) == 0u);
  }
}

RC_GTEST_PROP(DiagnosisProperties, MoreDevErrorNeverRemovesHighVariance, ()) {
  const double train = *rc::gen::inRange(0, 1000) / 1000.0;
  const double dev = *rc::gen::inRange(0, 1000) / 1000.0;
  const double more = dev + *rc::gen::inRange(1, 1000) / 1000.0;
  const auto has_variance = [](Verdict v) {
    return v == Verdict::high_variance || v == Verdict::high_bias_and_variance;
  };
  const auto has_bias = [](Verdict v) { return v == Verdict::high_bias || v == Verdict::high_bias_and_variance; };
  const auto a = diagnose_errors(train, dev).verdict, b = diagnose_errors(train, more).verdict;
  if (has_variance(a)) RC_ASSERT(has_variance(b));
  RC_ASSERT(has_bias(a) == has_bias(b));  // the dev error does not change the bias
  RC_ASSERT(!diagnose_errors(train, dev).recommendations.empty());
}

RC_GTEST_PROP(HtmlProperties, AnyTitleIsEscaped, (const std::string& text)) {
  ReportInfo info;
  info.title = "<script>" + text;
  info.model_summary = {text + "<script>"};
  info.config_text = text;
  const auto html = render_report_html({}, {}, diagnose_errors(0.1, 0.2), info);
  RC_ASSERT(html.find("<script") == std::string::npos);
}

}  // namespace
}  // namespace mlp::report
