// Bias/variance verdicts, recommendations, learning-curve reading, JSON and text renderings.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mlp/core/error.hpp"
#include "mlp/report/diagnosis.hpp"

namespace mlp::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool mentions(const std::vector<std::string>& recs, const std::string& needle) {
  for (const auto& r : recs) {
    if (r.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& recs) {
  std::string s;
  for (const auto& r : recs) s += r + "\n";
  return s;
}

DiagnosisOptions with_baseline(double b) {
  DiagnosisOptions o;
  o.baseline_error = b;
  return o;
}

// The four cases of the classic recipe (errors as fractions, human-level error ≈ 0).
TEST(BiasVariance, ClassicCases) {
  EXPECT_EQ(diagnose_errors(0.01, 0.11).verdict, Verdict::high_variance);
  EXPECT_EQ(diagnose_errors(0.15, 0.16).verdict, Verdict::high_bias);
  EXPECT_EQ(diagnose_errors(0.15, 0.30).verdict, Verdict::high_bias_and_variance);
  EXPECT_EQ(diagnose_errors(0.005, 0.01).verdict, Verdict::good_fit);
}

TEST(BiasVariance, GapsAreComputedFromTheBaseline) {
  const auto d = diagnose_errors(0.08, 0.11, with_baseline(0.075));
  EXPECT_DOUBLE_EQ(d.avoidable_bias, 0.08 - 0.075);
  ASSERT_TRUE(d.variance);
  EXPECT_DOUBLE_EQ(*d.variance, 0.11 - 0.08);
  EXPECT_EQ(d.verdict, Verdict::high_variance);
  // The same train/dev errors are high bias against a perfect baseline, fine against a
  // baseline close to the training error.
  EXPECT_EQ(diagnose_errors(0.15, 0.16).verdict, Verdict::high_bias);
  EXPECT_EQ(diagnose_errors(0.15, 0.16, with_baseline(0.14)).verdict, Verdict::good_fit);
  EXPECT_FALSE(diagnose_errors(0.15, 0.16).baseline_error.has_value());
}

TEST(BiasVariance, ThresholdsAreStrictAndConfigurable) {
  // Exactly representable numbers, so the boundary is exact.
  DiagnosisOptions o;
  o.thresholds = {0.25, 0.25};
  EXPECT_EQ(diagnose_errors(0.25, 0.5, o).verdict, Verdict::good_fit);  // both gaps == threshold
  EXPECT_EQ(diagnose_errors(std::nextafter(0.25, 1.0), std::nextafter(0.25, 1.0), o).verdict, Verdict::high_bias);
  EXPECT_EQ(diagnose_errors(0.25, std::nextafter(0.5, 1.0), o).verdict, Verdict::high_variance);
  EXPECT_EQ(diagnose_errors(std::nextafter(0.25, 1.0), 0.75, o).verdict, Verdict::high_bias_and_variance);
  // With a baseline: bias = train − baseline = 0.25 exactly at train 0.5, baseline 0.25.
  o.baseline_error = 0.25;
  EXPECT_EQ(diagnose_errors(0.5, 0.5, o).verdict, Verdict::good_fit);
  EXPECT_EQ(diagnose_errors(std::nextafter(0.5, 1.0), 0.5, o).verdict, Verdict::high_bias);
  // Tighter thresholds turn a good fit into high variance.
  DiagnosisOptions strict;
  strict.thresholds.variance = 0.001;
  EXPECT_EQ(diagnose_errors(0.005, 0.01).verdict, Verdict::good_fit);
  EXPECT_EQ(diagnose_errors(0.005, 0.01, strict).verdict, Verdict::high_variance);
}

TEST(BiasVariance, RecommendationsFollowTheRecipe) {
  const auto bias = diagnose_errors(0.15, 0.16).recommendations;
  for (const char* key : {"model.hidden", "train.epochs", "train.optimizer", "model.activation"}) {
    EXPECT_TRUE(mentions(bias, key)) << key << " missing in:\n" << joined(bias);
  }
  EXPECT_FALSE(mentions(bias, "more training data")) << joined(bias);

  const auto variance = diagnose_errors(0.01, 0.11).recommendations;
  for (const char* key : {"more training data", "train.l2", "model.keep_prob", "[train.early_stopping]"}) {
    EXPECT_TRUE(mentions(variance, key)) << key << " missing in:\n" << joined(variance);
  }
  EXPECT_FALSE(mentions(variance, "bigger network")) << joined(variance);

  // Both: the larger gap comes first.
  const auto var_first = diagnose_errors(0.05, 0.30).recommendations;  // bias .05 < variance .25
  ASSERT_FALSE(var_first.empty());
  EXPECT_EQ(var_first.front().rfind("High variance", 0), 0u) << joined(var_first);
  EXPECT_TRUE(mentions(var_first, "bigger network"));
  const auto bias_first = diagnose_errors(0.30, 0.35).recommendations;  // bias .30 > variance .05
  EXPECT_EQ(bias_first.front().rfind("High bias", 0), 0u) << joined(bias_first);
  EXPECT_TRUE(mentions(bias_first, "train.l2"));

  const auto good = diagnose_errors(0.005, 0.01).recommendations;
  ASSERT_FALSE(good.empty());
  EXPECT_EQ(good.front().rfind("Good fit", 0), 0u) << joined(good);
  // The numbers are in the text.
  EXPECT_TRUE(mentions(variance, "0.1")) << joined(variance);
}

TEST(BiasVariance, RecommendationsStartFromWhatTheRunDoes) {
  RunSettings run;
  run.optimizer = "adam";
  run.learning_rate = 0.003;
  run.l2 = 0.01;
  run.min_keep_prob = 0.9;
  run.early_stopping = true;
  run.patience = 7;
  run.epochs = 40;
  DiagnosisOptions o;
  o.run = run;
  const auto variance = diagnose_errors(0.01, 0.11, o).recommendations;
  EXPECT_TRUE(mentions(variance, "raise train.l2 from 0.01 to 0.1")) << joined(variance);
  EXPECT_TRUE(mentions(variance, "lower model.keep_prob from 0.9 to 0.8")) << joined(variance);
  EXPECT_TRUE(mentions(variance, "Early stopping is on (patience 7)")) << joined(variance);
  EXPECT_FALSE(mentions(variance, "add a [train.early_stopping]")) << joined(variance);

  const auto bias = diagnose_errors(0.15, 0.16, o).recommendations;
  EXPECT_TRUE(mentions(bias, "already uses adam")) << joined(bias);
  EXPECT_TRUE(mentions(bias, "(now 0.003)")) << joined(bias);
  EXPECT_TRUE(mentions(bias, "raise train.epochs from 40 to 80")) << joined(bias);
  EXPECT_TRUE(mentions(bias, "lower train.l2 from 0.01 to 0.001")) << joined(bias);
  EXPECT_TRUE(mentions(bias, "raise model.keep_prob from 0.9")) << joined(bias);

  // An unregularized run is not told to regularize less; plain gd is told to try adam.
  RunSettings plain;
  plain.optimizer = "gd";
  plain.learning_rate = 0.1;
  o.run = plain;
  const auto plain_bias = diagnose_errors(0.15, 0.16, o).recommendations;
  EXPECT_FALSE(mentions(plain_bias, "egularize less")) << joined(plain_bias);
  EXPECT_TRUE(mentions(plain_bias, "(the run uses gd)")) << joined(plain_bias);
  const auto plain_variance = diagnose_errors(0.01, 0.11, o).recommendations;
  EXPECT_TRUE(mentions(plain_variance, "add train.l2 = 0.01")) << joined(plain_variance);
  EXPECT_TRUE(mentions(plain_variance, "add a [train.early_stopping]")) << joined(plain_variance);
}

TEST(BiasVariance, WithoutDevDataVarianceIsUnknown) {
  const auto d = diagnose_errors(0.3, std::nullopt);
  EXPECT_EQ(d.verdict, Verdict::high_bias);
  EXPECT_FALSE(d.variance.has_value());
  EXPECT_TRUE(mentions(d.recommendations, "data.dev"));
  EXPECT_EQ(diagnose_errors(0.001, std::nullopt).verdict, Verdict::good_fit);
}

TEST(BiasVariance, TrainingErrorBelowTheBaselineIsPointedOut) {
  const auto d = diagnose_errors(0.05, 0.06, with_baseline(0.1));
  EXPECT_LT(d.avoidable_bias, 0);
  EXPECT_TRUE(mentions(d.recommendations, "below the baseline"));
}

TEST(BiasVariance, InvalidInputsAreConfigErrors) {
  EXPECT_THROW((void)diagnose_errors(0.1, 0.2, with_baseline(-0.01)), ConfigError);
  EXPECT_THROW((void)diagnose_errors(0.1, 0.2, with_baseline(kNaN)), ConfigError);
  EXPECT_THROW((void)diagnose_errors(kNaN, 0.2), ConfigError);
  EXPECT_THROW((void)diagnose_errors(0.1, std::numeric_limits<double>::infinity()), ConfigError);
  DiagnosisOptions o;
  o.thresholds.bias = -1;
  EXPECT_THROW((void)diagnose_errors(0.1, 0.2, o), ConfigError);
}

TEST(BiasVariance, ErrorOfMetrics) {
  Metrics cls;
  cls.loss = 0.4;
  cls.accuracy = 0.875;
  EXPECT_DOUBLE_EQ(error_of(cls), 0.125);
  Metrics reg;
  reg.loss = 0.3;
  reg.rmse = 12.0;
  EXPECT_DOUBLE_EQ(error_of(reg), 0.3);
}

// ---- histories ------------------------------------------------------------------------------

EpochMetrics epoch(std::uint64_t n, double train_loss, std::optional<double> dev_loss,
                   std::optional<double> train_acc = std::nullopt,
                   std::optional<double> dev_acc = std::nullopt) {
  EpochMetrics e;
  e.epoch = n;
  e.learning_rate = 0.01;
  e.objective = train_loss;
  e.train.loss = train_loss;
  e.train.accuracy = train_acc;
  if (dev_loss) {
    Metrics d;
    d.loss = *dev_loss;
    d.accuracy = dev_acc;
    e.dev = d;
  }
  return e;
}

TEST(LearningCurve, FallingRisingFlatSingle) {
  std::vector<EpochMetrics> falling;
  for (std::uint64_t e = 1; e <= 10; ++e) falling.push_back(epoch(e, 1.0 / double(e), 1.2 / double(e)));
  auto c = read_learning_curve(falling);
  EXPECT_EQ(c.source, "dev");
  EXPECT_EQ(c.trend, "falling");
  EXPECT_EQ(c.best_epoch, 10u);
  EXPECT_NEAR(c.recent_decrease, (1.2 / 5 - 1.2 / 10) / (1.2 / 5), 1e-12);

  std::vector<EpochMetrics> rising;
  const double dev[] = {1.0, 0.6, 0.4, 0.35, 0.36, 0.40, 0.45, 0.52};
  for (std::uint64_t e = 1; e <= 8; ++e) rising.push_back(epoch(e, 0.9 / double(e), dev[e - 1]));
  c = read_learning_curve(rising);
  EXPECT_EQ(c.trend, "rising");
  EXPECT_EQ(c.best_epoch, 4u);
  EXPECT_DOUBLE_EQ(c.best_cost, 0.35);
  EXPECT_DOUBLE_EQ(c.final_cost, 0.52);
  EXPECT_NE(c.note.find("epoch 4"), std::string::npos) << c.note;

  std::vector<EpochMetrics> flat;
  for (std::uint64_t e = 1; e <= 10; ++e) flat.push_back(epoch(e, 0.3, 0.5 + 0.001 * double(e % 2)));
  EXPECT_EQ(read_learning_curve(flat).trend, "flat");

  EXPECT_EQ(read_learning_curve({epoch(1, 0.5, 0.6)}).trend, "single_epoch");
  EXPECT_EQ(read_learning_curve({}).trend, "no_data");

  // Without dev data the training cost is read.
  std::vector<EpochMetrics> train_only;
  for (std::uint64_t e = 1; e <= 6; ++e) train_only.push_back(epoch(e, 1.0 / double(e), std::nullopt));
  c = read_learning_curve(train_only);
  EXPECT_EQ(c.source, "train");
  EXPECT_EQ(c.trend, "falling");
}

TEST(LearningCurve, ThresholdsAreParameters) {
  std::vector<EpochMetrics> h;
  for (std::uint64_t e = 1; e <= 6; ++e) h.push_back(epoch(e, 0.5, 0.5 - 0.0009 * double(e)));
  EXPECT_EQ(read_learning_curve(h).trend, "flat");  // 0.9% over 5 epochs is not > 1%
  CurveThresholds t;
  t.falling = 0.001;
  EXPECT_EQ(read_learning_curve(h, t).trend, "falling");
}

TEST(LearningCurve, NaNEpochsAreSkipped) {
  std::vector<EpochMetrics> h = {epoch(1, 0.5, 0.6), epoch(2, 0.4, kNaN), epoch(3, 0.3, 0.4)};
  const auto c = read_learning_curve(h);
  EXPECT_EQ(c.epochs, 2u);
  EXPECT_EQ(c.final_epoch, 3u);
  EXPECT_EQ(c.best_epoch, 3u);
}

TEST(DiagnoseHistory, OverfittingClassifier) {
  const auto log = read_metrics_jsonl(MLP_TEST_DATA_DIR "/report/overfitting_classifier.metrics.jsonl");
  const auto d = diagnose(log.history, log.slice_names);
  EXPECT_EQ(d.epoch, 12u);
  EXPECT_EQ(d.error_measure, "1 - accuracy");
  EXPECT_DOUBLE_EQ(d.train_error, 1.0 - *log.history.back().train.accuracy);
  EXPECT_DOUBLE_EQ(*d.dev_error, 1.0 - *log.history.back().dev->accuracy);
  EXPECT_EQ(d.verdict, Verdict::high_variance);
  ASSERT_TRUE(d.learning_curve);
  EXPECT_EQ(d.learning_curve->trend, "rising");
  EXPECT_EQ(d.learning_curve->best_epoch, 7u);
  EXPECT_TRUE(mentions(d.recommendations, "train.epochs = 7")) << joined(d.recommendations);
  EXPECT_EQ(d.gradients.size(), 6u);

  // At the best epoch (what early stopping keeps) the variance is smaller.
  DiagnosisOptions best;
  best.use_best_epoch = true;
  const auto b = diagnose(log.history, log.slice_names, best);
  EXPECT_EQ(b.epoch, 7u);
  EXPECT_LT(*b.variance, *d.variance);
}

TEST(DiagnoseHistory, RegressionUsesTheLossAndStillFallingMeansTrainLonger) {
  std::vector<EpochMetrics> h;
  for (std::uint64_t e = 1; e <= 8; ++e) {
    auto m = epoch(e, 0.2 + 1.0 / double(e), 0.21 + 1.0 / double(e));
    m.train.rmse = 10.0;
    m.dev->rmse = 11.0;
    h.push_back(m);
  }
  const auto d = diagnose(h, {});
  EXPECT_EQ(d.error_measure, "loss");
  EXPECT_DOUBLE_EQ(d.train_error, 0.2 + 1.0 / 8);
  EXPECT_EQ(d.verdict, Verdict::high_bias);
  EXPECT_EQ(d.learning_curve->trend, "falling");
  EXPECT_TRUE(mentions(d.recommendations, "still falling")) << joined(d.recommendations);
  EXPECT_TRUE(d.gradients.empty());
}

TEST(DiagnoseHistory, FlatCurveWithVanishingGradientsPutsTheGradientRemedyFirst) {
  // A deep sigmoid network stuck at chance level: costs flat, early layers without gradient.
  std::vector<EpochMetrics> h;
  for (std::uint64_t e = 1; e <= 8; ++e) {
    auto m = epoch(e, 2.303, 2.303, 0.10, 0.10);
    m.grad_norms = {3e-9, 3e-10, 0.3, 0.1};
    m.weight_norms = {1, 1, 1, 1};
    h.push_back(m);
  }
  const auto d = diagnose(h, {"layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"});
  EXPECT_EQ(d.verdict, Verdict::high_bias);
  EXPECT_EQ(d.learning_curve->trend, "flat");
  ASSERT_FALSE(d.recommendations.empty());
  EXPECT_EQ(d.recommendations.front().rfind("Vanishing gradients in layers.0.W, layers.0.b:", 0), 0u)
      << joined(d.recommendations);
  EXPECT_TRUE(mentions(d.recommendations, "Training longer (train.epochs) is unlikely to help"))
      << joined(d.recommendations);
  EXPECT_FALSE(mentions(d.recommendations, "Train longer: raise")) << joined(d.recommendations);
  EXPECT_EQ(to_text(d).find("-0.0%"), std::string::npos) << to_text(d);
}

TEST(DiagnoseHistory, SkipsNonFiniteEpochsAndRejectsUnusableHistories) {
  std::vector<EpochMetrics> h = {epoch(1, 0.5, 0.6, 0.8, 0.7), epoch(2, 0.4, 0.5, 0.85, 0.75),
                                 epoch(3, 0.4, kNaN, 0.9, kNaN)};
  const auto d = diagnose(h, {});
  EXPECT_EQ(d.epoch, 2u);
  EXPECT_THROW((void)diagnose({}, {}), DataError);
  EXPECT_THROW((void)diagnose({epoch(1, kNaN, kNaN, kNaN, kNaN)}, {}), DataError);
}

TEST(DiagnosisOutput, JsonFollowsTheContract) {
  const auto log = read_metrics_jsonl(MLP_TEST_DATA_DIR "/report/overfitting_classifier.metrics.jsonl");
  auto d = diagnose(log.history, log.slice_names, with_baseline(0.01));
  d.gradients[0].update_ratio = kNaN;
  const auto j = nlohmann::json::parse(to_json(d));
  EXPECT_EQ(j["verdict"], "high_variance");
  for (const char* key : {"train_error", "dev_error", "baseline_error", "avoidable_bias", "variance"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_TRUE(j[key].is_number()) << key;
  }
  EXPECT_DOUBLE_EQ(j["avoidable_bias"].get<double>(), d.avoidable_bias);
  EXPECT_TRUE(j["recommendations"].is_array());
  EXPECT_EQ(j["recommendations"].size(), d.recommendations.size());
  ASSERT_EQ(j["gradients"].size(), 6u);
  for (const auto& g : j["gradients"]) {
    for (const char* key : {"name", "first_epoch_norm", "last_epoch_norm", "status", "note", "remedy"}) {
      EXPECT_TRUE(g.contains(key)) << key;
    }
  }
  EXPECT_TRUE(j["gradients"][0]["update_ratio"].is_null());
  EXPECT_EQ(j["learning_curve"]["trend"], "rising");
  EXPECT_EQ(j["learning_curve"]["best_epoch"], 7);

  const auto plain = nlohmann::json::parse(to_json(diagnose_errors(0.1, std::nullopt), -1));
  EXPECT_TRUE(plain["baseline_error"].is_null());
  EXPECT_TRUE(plain["dev_error"].is_null());
  EXPECT_TRUE(plain["variance"].is_null());
  EXPECT_TRUE(plain["learning_curve"].is_null());
  EXPECT_EQ(plain["verdict"], "high_bias");
}

TEST(DiagnosisOutput, TextHasOneLinePerFindingWithNumbers) {
  const auto text = to_text(diagnose_errors(0.01, 0.11, with_baseline(0.005)));
  EXPECT_NE(text.find("Verdict: high variance"), std::string::npos) << text;
  EXPECT_NE(text.find("train error"), std::string::npos);
  EXPECT_NE(text.find("0.11"), std::string::npos) << text;
  EXPECT_NE(text.find("0.005"), std::string::npos) << text;
  EXPECT_NE(text.find("0.1  (threshold 0.02: HIGH)"), std::string::npos) << text;
  EXPECT_NE(text.find("Recommendations:\n  1. High variance"), std::string::npos) << text;
  EXPECT_GE(std::count(text.begin(), text.end(), '\n'), 8);
}

}  // namespace
}  // namespace mlp::report
