// metrics.jsonl / metrics.csv: round trips, non-finite numbers, malformed lines.
#include <cmath>
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mlp/core/error.hpp"
#include "mlp/train/metrics_log.hpp"

namespace mlp::report {
namespace {

const std::vector<std::string> kNames = {"layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"};
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

EpochMetrics classifier_epoch(std::uint64_t epoch) {
  EpochMetrics e;
  e.epoch = epoch;
  e.learning_rate = 0.001 * std::pow(0.95, static_cast<double>(epoch - 1));
  e.objective = 0.7 / static_cast<double>(epoch) + 0.013;
  e.train.loss = 0.7 / static_cast<double>(epoch);
  e.train.accuracy = 1.0 - 0.3 / static_cast<double>(epoch);
  Metrics dev;
  dev.loss = 0.75 / static_cast<double>(epoch) + 0.1;
  dev.accuracy = 1.0 - 0.35 / static_cast<double>(epoch);
  e.dev = dev;
  e.seconds = 0.123456789;
  e.samples_per_second = 48611.5;
  e.grad_norms = {0.31, 0.02, 0.47, 1.0 / 3.0};
  e.weight_norms = {8.25, 0.125, 4.5, 0.0625};
  return e;
}

EpochMetrics regression_epoch(std::uint64_t epoch) {
  EpochMetrics e;
  e.epoch = epoch;
  e.learning_rate = 0.01;
  e.objective = 0.4;
  e.train.loss = 0.35;
  e.train.rmse = 41234.5;
  e.train.mae = 30111.25;
  e.train.r2 = 0.71;
  e.seconds = 2.5;
  e.samples_per_second = 1000;
  e.grad_norms = {1e-3, 2e-4, 0.5, 0.1};
  e.weight_norms = {3, 0.5, 2, 0.25};
  return e;
}

void expect_same_number(double a, double b, const std::string& what) {
  if (std::isnan(a)) {
    EXPECT_TRUE(std::isnan(b)) << what;
  } else {
    EXPECT_EQ(a, b) << what;  // shortest round-trip formatting: exact
  }
}

void expect_same_metrics(const Metrics& a, const Metrics& b, const std::string& what) {
  expect_same_number(a.loss, b.loss, what + ".loss");
  ASSERT_EQ(a.accuracy.has_value(), b.accuracy.has_value()) << what;
  if (a.accuracy) expect_same_number(*a.accuracy, *b.accuracy, what + ".accuracy");
  ASSERT_EQ(a.rmse.has_value(), b.rmse.has_value()) << what;
  if (a.rmse) expect_same_number(*a.rmse, *b.rmse, what + ".rmse");
  ASSERT_EQ(a.mae.has_value(), b.mae.has_value()) << what;
  if (a.mae) expect_same_number(*a.mae, *b.mae, what + ".mae");
  ASSERT_EQ(a.r2.has_value(), b.r2.has_value()) << what;
  if (a.r2) expect_same_number(*a.r2, *b.r2, what + ".r2");
}

void expect_same_epoch(const EpochMetrics& a, const EpochMetrics& b) {
  const std::string at = "epoch " + std::to_string(a.epoch);
  EXPECT_EQ(a.epoch, b.epoch);
  expect_same_number(a.learning_rate, b.learning_rate, at + " learning_rate");
  expect_same_number(a.objective, b.objective, at + " objective");
  expect_same_metrics(a.train, b.train, at + " train");
  ASSERT_EQ(a.dev.has_value(), b.dev.has_value()) << at;
  if (a.dev) expect_same_metrics(*a.dev, *b.dev, at + " dev");
  expect_same_number(a.seconds, b.seconds, at + " seconds");
  expect_same_number(a.samples_per_second, b.samples_per_second, at + " samples_per_second");
  ASSERT_EQ(a.grad_norms.size(), b.grad_norms.size()) << at;
  for (std::size_t i = 0; i < a.grad_norms.size(); ++i) expect_same_number(a.grad_norms[i], b.grad_norms[i], at + " grad");
  ASSERT_EQ(a.weight_norms.size(), b.weight_norms.size()) << at;
  for (std::size_t i = 0; i < a.weight_norms.size(); ++i) expect_same_number(a.weight_norms[i], b.weight_norms[i], at + " weight");
}

TEST(MetricsJsonl, LineHasTheDocumentedKeysInOrder) {
  const auto line = metrics_jsonl_line(classifier_epoch(3), kNames);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto j = nlohmann::ordered_json::parse(line);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"epoch", "learning_rate", "objective", "train_cost", "train", "dev",
                                            "seconds", "samples_per_second", "grad_norms", "weight_norms"}));
  EXPECT_EQ(j["epoch"], 3);
  EXPECT_EQ(j["train_cost"], "exact");
  // Read back: how "train" was measured; a line without the key (older files) is "exact".
  auto running = classifier_epoch(3);
  running.train_cost = TrainCost::running_mean;
  EXPECT_EQ(parse_metrics_jsonl(metrics_jsonl_line(running, kNames)).history.at(0).train_cost, TrainCost::running_mean);
  auto older = j;
  older.erase("train_cost");
  EXPECT_EQ(parse_metrics_jsonl(older.dump()).history.at(0).train_cost, TrainCost::exact);
  older["train_cost"] = "mean";
  EXPECT_THROW((void)parse_metrics_jsonl(older.dump()), DataError);
  EXPECT_DOUBLE_EQ(j["train"]["accuracy"].get<double>(), 0.9);
  EXPECT_FALSE(j["train"].contains("rmse"));
  std::vector<std::string> slices;
  for (const auto& [k, v] : j["grad_norms"].items()) slices.push_back(k);
  EXPECT_EQ(slices, kNames);
  EXPECT_DOUBLE_EQ(j["weight_norms"]["layers.1.W"].get<double>(), 4.5);
}

TEST(MetricsJsonl, RoundTripClassifierAndRegression) {
  std::string text;
  std::vector<EpochMetrics> written;
  for (std::uint64_t e = 1; e <= 5; ++e) written.push_back(classifier_epoch(e));
  written[2].dev.reset();  // an epoch without a dev evaluation
  for (const auto& e : written) text += metrics_jsonl_line(e, kNames) + "\n";
  const auto log = parse_metrics_jsonl(text);
  EXPECT_EQ(log.slice_names, kNames);
  ASSERT_EQ(log.history.size(), written.size());
  for (std::size_t i = 0; i < written.size(); ++i) expect_same_epoch(written[i], log.history[i]);

  const auto reg = parse_metrics_jsonl(metrics_jsonl_line(regression_epoch(1), kNames));
  ASSERT_EQ(reg.history.size(), 1u);
  expect_same_epoch(regression_epoch(1), reg.history[0]);
  EXPECT_EQ(metrics_kind(reg.history[0].train), MetricsKind::regression);
}

TEST(MetricsJsonl, NonFiniteNumbersAreNullAndReadBackAsNaN) {
  auto e = classifier_epoch(1);
  e.dev->loss = kInf;
  e.objective = kNaN;
  e.grad_norms[1] = -kInf;
  const auto line = metrics_jsonl_line(e, kNames);
  const auto j = nlohmann::json::parse(line);
  EXPECT_TRUE(j["dev"]["loss"].is_null());
  EXPECT_TRUE(j["objective"].is_null());
  EXPECT_TRUE(j["grad_norms"]["layers.0.b"].is_null());
  const auto back = parse_metrics_jsonl(line).history.at(0);
  EXPECT_TRUE(std::isnan(back.dev->loss));
  EXPECT_TRUE(std::isnan(back.objective));
  EXPECT_TRUE(std::isnan(back.grad_norms[1]));
  EXPECT_EQ(back.grad_norms[2], 0.47);
}

TEST(MetricsJsonl, WithoutGradientMonitoringGradNormsIsEmpty) {
  auto e = classifier_epoch(1);
  e.grad_norms.clear();
  const auto line = metrics_jsonl_line(e, kNames);
  EXPECT_NE(line.find("\"grad_norms\":{}"), std::string::npos) << line;
  const auto log = parse_metrics_jsonl(line);
  EXPECT_EQ(log.slice_names, kNames);  // from weight_norms
  EXPECT_TRUE(log.history.at(0).grad_norms.empty());
}

TEST(MetricsJsonl, SliceNameCountMustMatch) {
  EXPECT_THROW((void)metrics_jsonl_line(classifier_epoch(1), {"layers.0.W"}), ShapeError);
}

TEST(MetricsJsonl, BlankLinesAndCrlfAreAccepted) {
  const std::string text = "\n" + metrics_jsonl_line(classifier_epoch(1), kNames) + "\r\n\r\n  \n" +
                           metrics_jsonl_line(classifier_epoch(2), kNames);  // no final newline
  const auto log = parse_metrics_jsonl(text);
  ASSERT_EQ(log.history.size(), 2u);
  EXPECT_EQ(log.history[1].epoch, 2u);
}

TEST(MetricsJsonl, ResumedRunReplacesReRunEpochs) {
  std::string text;
  for (std::uint64_t e : {1, 2, 3}) text += metrics_jsonl_line(classifier_epoch(e), kNames) + "\n";
  // Resumed from the checkpoint after epoch 1: epochs 2 and 3 again, with other numbers, then 4.
  for (std::uint64_t e : {2, 3, 4}) {
    auto m = classifier_epoch(e);
    m.train.loss = 100.0 + static_cast<double>(e);
    text += metrics_jsonl_line(m, kNames) + "\n";
  }
  const auto log = parse_metrics_jsonl(text);
  ASSERT_EQ(log.history.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(log.history[i].epoch, i + 1);
  EXPECT_EQ(log.history[0].train.loss, 0.7);
  EXPECT_EQ(log.history[1].train.loss, 102.0);
  EXPECT_EQ(log.history[3].train.loss, 104.0);
}

struct Malformed {
  std::string line;
  std::string expected;  ///< substring of the error
};

TEST(MetricsJsonl, MalformedLinesNameTheLineAndTheProblem) {
  const std::string good = metrics_jsonl_line(classifier_epoch(1), kNames);
  auto edit = [&](const std::function<void(nlohmann::ordered_json&)>& f) {
    auto j = nlohmann::ordered_json::parse(metrics_jsonl_line(classifier_epoch(2), kNames));
    f(j);
    return j.dump();
  };
  const std::vector<Malformed> cases = {
      {"{\"epoch\": 2, oops}", "metrics.jsonl:2:"},
      {"[1, 2, 3]", "expected a JSON object, got array"},
      {"42", "expected a JSON object"},
      {good.substr(0, good.size() / 2), "truncated last line"},
      {edit([](auto& j) { j.erase("learning_rate"); }), "missing key learning_rate"},
      {edit([](auto& j) { j.erase("dev"); }), "missing key dev"},
      {edit([](auto& j) { j["train"].erase("loss"); }), "missing key train.loss"},
      {edit([](auto& j) { j["objective"] = "0.5"; }), "objective must be a number or null (got string \"0.5\")"},
      {edit([](auto& j) { j["train"]["accuracy"] = true; }), "train.accuracy must be a number or null"},
      {edit([](auto& j) { j["train"] = 0.5; }), "train must be an object"},
      {edit([](auto& j) { j["epoch"] = 0; }), "epoch must be an integer >= 1 (got number 0)"},
      {edit([](auto& j) { j["epoch"] = -3; }), "epoch must be an integer >= 1"},
      {edit([](auto& j) { j["epoch"] = 2.5; }), "epoch must be an integer >= 1"},
      {edit([](auto& j) { j["grad_norms"] = nlohmann::ordered_json::array(); }), "grad_norms must be an object"},
      {edit([](auto& j) { j["grad_norms"].erase("layers.1.b"); }),
       "grad_norms names the slices [layers.0.W, layers.0.b, layers.1.W] but earlier lines name "
       "[layers.0.W, layers.0.b, layers.1.W, layers.1.b]"},
      {edit([](auto& j) { j["weight_norms"]["layers.0.W"] = "big"; }), "weight_norms.layers.0.W must be a number"},
      {"{\"epoch\": 2, \"learning_rate\": 1e400}", "metrics.jsonl:2"},
  };
  for (const auto& c : cases) {
    const std::string text = good + "\n" + c.line + "\n";
    try {
      (void)parse_metrics_jsonl(text);
      ADD_FAILURE() << "accepted: " << c.line;
    } catch (const DataError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind("metrics.jsonl:2:", 0), 0u) << what;
      EXPECT_NE(what.find(c.expected), std::string::npos) << "expected '" << c.expected << "' in: " << what;
    }
  }
}

TEST(MetricsJsonl, ErrorsUseTheGivenSourceName) {
  try {
    (void)parse_metrics_jsonl("\n\n{", "run/metrics.jsonl");
    ADD_FAILURE();
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("run/metrics.jsonl:3:", 0), 0u) << e.what();
    EXPECT_EQ(e.code(), ExitCode::data);
  }
}

TEST(MetricsJsonl, ReadsACommittedRunAndReportsMissingFiles) {
  const auto log = read_metrics_jsonl(MLP_TEST_DATA_DIR "/report/overfitting_classifier.metrics.jsonl");
  ASSERT_EQ(log.history.size(), 12u);
  EXPECT_EQ(log.slice_names.size(), 6u);
  EXPECT_EQ(log.slice_names.front(), "layers.0.W");
  EXPECT_EQ(log.history.back().epoch, 12u);
  EXPECT_TRUE(log.history.back().dev.has_value());
  EXPECT_THROW((void)read_metrics_jsonl(MLP_TEST_DATA_DIR "/report/no_such_file.jsonl"), InputError);
}

// ---- CSV ------------------------------------------------------------------------------------

/// Fields of one CSV line, which must end with exactly one newline.
std::vector<std::string> split_csv(std::string line) {
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line ending with a newline: " << line;
  if (!line.empty() && line.back() == '\n') line.pop_back();
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

TEST(MetricsCsv, ClassifierHeaderAndRowRoundTrip) {
  const auto e = classifier_epoch(4);
  const auto layout = CsvLayout::from(e, true, kNames);
  const auto header = metrics_csv_header(layout);
  EXPECT_EQ(header,
            "epoch,learning_rate,objective,train_cost,train_loss,train_accuracy,dev_loss,dev_accuracy,seconds,"
            "samples_per_second,grad_norm.layers.0.W,grad_norm.layers.0.b,grad_norm.layers.1.W,"
            "grad_norm.layers.1.b\n");
  const auto cols = split_csv(header);
  const auto row = split_csv(metrics_csv_row(e, layout));
  ASSERT_EQ(row.size(), cols.size());
  const auto value = [&](const std::string& name) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (cols[i] == name) return std::strtod(row[i].c_str(), nullptr);
    }
    ADD_FAILURE() << "no column " << name;
    return 0.0;
  };
  EXPECT_EQ(value("epoch"), 4.0);
  EXPECT_EQ(value("learning_rate"), e.learning_rate);
  EXPECT_EQ(value("objective"), e.objective);
  EXPECT_EQ(value("train_loss"), e.train.loss);
  EXPECT_EQ(value("train_accuracy"), *e.train.accuracy);
  EXPECT_EQ(value("dev_loss"), e.dev->loss);
  EXPECT_EQ(value("dev_accuracy"), *e.dev->accuracy);
  EXPECT_EQ(value("seconds"), e.seconds);
  EXPECT_EQ(value("samples_per_second"), e.samples_per_second);
  EXPECT_EQ(value("grad_norm.layers.1.b"), 1.0 / 3.0);
}

TEST(MetricsCsv, RegressionColumnsMissingDevAndNonFinite) {
  auto e = regression_epoch(2);
  e.train.r2 = -kInf;
  e.grad_norms[0] = kNaN;
  e.grad_norms[3] = kInf;
  const auto layout = CsvLayout::from(e, true, kNames);
  EXPECT_EQ(layout.kind, MetricsKind::regression);
  const auto header = split_csv(metrics_csv_header(layout));
  const auto row = split_csv(metrics_csv_row(e, layout));
  ASSERT_EQ(header.size(), row.size());
  const std::vector<std::string> expected_header = {
      "epoch", "learning_rate", "objective", "train_cost", "train_loss", "train_rmse", "train_mae", "train_r2",
      "dev_loss", "dev_rmse", "dev_mae", "dev_r2", "seconds", "samples_per_second",
      "grad_norm.layers.0.W", "grad_norm.layers.0.b", "grad_norm.layers.1.W", "grad_norm.layers.1.b"};
  EXPECT_EQ(header, expected_header);
  EXPECT_EQ(row[3], "exact");  // how the train_* columns were measured
  EXPECT_EQ(row[5], "41234.5");
  EXPECT_EQ(row[7], "-inf");
  for (std::size_t i = 8; i <= 11; ++i) EXPECT_EQ(row[i], "") << "dev column " << header[i];
  EXPECT_EQ(row[14], "nan");
  EXPECT_EQ(row[17], "inf");
}

TEST(MetricsCsv, NoDevColumnsWithoutDevAndEmptyGradientFields) {
  auto e = classifier_epoch(1);
  e.grad_norms.clear();
  const auto layout = CsvLayout::from(e, false, kNames);
  const auto header = split_csv(metrics_csv_header(layout));
  EXPECT_EQ(std::count(header.begin(), header.end(), "dev_loss"), 0);
  const auto row = split_csv(metrics_csv_row(e, layout));
  ASSERT_EQ(row.size(), header.size());
  EXPECT_EQ(row.back(), "");
  auto wrong = classifier_epoch(1);
  wrong.grad_norms.pop_back();
  EXPECT_THROW((void)metrics_csv_row(wrong, layout), ShapeError);
}

}  // namespace
}  // namespace mlp::report
