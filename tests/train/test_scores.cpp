// Detailed scores against scikit-learn on committed predictions
// (tests/reference/gen_scores.py writes tests/fixtures/train/scores.json), and by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/train/metrics.hpp"
#include "mlp/train/scores.hpp"
#include "mlp/core/random.hpp"

namespace mlp {
namespace {

using nlohmann::json;

json load_scores() {
  std::ifstream in(std::string(MLP_TEST_DATA_DIR) + "/train/scores.json");
  EXPECT_TRUE(in.good()) << "regenerate with /usr/bin/python3 tests/reference/gen_scores.py";
  return json::parse(in);
}

/// A json array of rows [m][k] as the matrix [k x m] (examples as columns).
Eigen::MatrixXd columns_of(const json& rows) {
  const auto m = static_cast<Index>(rows.size());
  const auto k = static_cast<Index>(rows.at(0).size());
  Eigen::MatrixXd out(k, m);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < k; ++i) out(i, j) = rows[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)].get<double>();
  }
  return out;
}

void expect_class(const ClassScores& s, const json& ref, const std::string& what) {
  EXPECT_NEAR(s.precision, ref.at("precision").get<double>(), 1e-12) << what;
  EXPECT_NEAR(s.recall, ref.at("recall").get<double>(), 1e-12) << what;
  EXPECT_NEAR(s.f1, ref.at("f1-score").get<double>(), 1e-12) << what;
  EXPECT_EQ(s.support, ref.at("support").get<std::int64_t>()) << what;
}

TEST(Scores, ClassificationMatchesScikitLearn) {
  const json data = load_scores();
  ASSERT_EQ(data.at("classification").size(), 3u);
  for (const json& c : data.at("classification")) {
    const std::string name = c.at("name");
    SCOPED_TRACE(name);
    const auto labels = c.at("labels").get<std::vector<std::int32_t>>();
    const auto s = classification_scores(labels, columns_of(c.at("proba")));
    ASSERT_EQ(s.per_class.size(), c.at("per_class").size());
    for (std::size_t i = 0; i < s.per_class.size(); ++i) {
      expect_class(s.per_class[i], c.at("per_class")[i], "class " + std::to_string(i));
    }
    expect_class(s.macro, c.at("macro"), "macro");
    expect_class(s.weighted, c.at("weighted"), "weighted");
    EXPECT_NEAR(s.accuracy, c.at("accuracy").get<double>(), 1e-12);
    EXPECT_EQ(s.confusion, c.at("confusion").get<std::vector<std::vector<std::int64_t>>>());
    EXPECT_NEAR(s.log_loss, c.at("log_loss").get<double>(), 1e-9);
    if (c.at("roc_auc").is_null()) {
      EXPECT_FALSE(s.roc_auc.has_value());
    } else {
      ASSERT_TRUE(s.roc_auc.has_value());
      EXPECT_NEAR(*s.roc_auc, c.at("roc_auc").get<double>(), 1e-12);
    }
  }
}

TEST(Scores, RegressionMatchesScikitLearn) {
  const json r = load_scores().at("regression");
  const auto s = regression_scores(columns_of(r.at("truth")), columns_of(r.at("pred")));
  ASSERT_EQ(s.size(), 2u);
  for (std::size_t t = 0; t < s.size(); ++t) {
    SCOPED_TRACE(t);
    EXPECT_NEAR(s[t].rmse, r.at("rmse")[t].get<double>(), 1e-12);
    EXPECT_NEAR(s[t].mae, r.at("mae")[t].get<double>(), 1e-12);
    EXPECT_NEAR(s[t].r2, r.at("r2")[t].get<double>(), 1e-12);
    // MAPE of the second target is ~8e12 (a zero target divided by ε): relative tolerance.
    EXPECT_NEAR(s[t].mape / r.at("mape")[t].get<double>(), 1.0, 1e-12);
    EXPECT_NEAR(s[t].max_error, r.at("max_error")[t].get<double>(), 1e-12);
  }
}

TEST(Scores, MeanOverTargetsMatchesScikitLearnUniformAverage) {
  // Two targets in different units (σ 3 and 0.5): the mean weighs each target equally, as
  // scikit-learn's multioutput="uniform_average"; the max error is the largest of the two.
  const json r = load_scores().at("regression");
  const auto per_target = regression_scores(columns_of(r.at("truth")), columns_of(r.at("pred")));
  const TargetScores mean = mean_scores(per_target);
  const json& ref = r.at("mean");
  EXPECT_NEAR(mean.rmse, ref.at("rmse").get<double>(), 1e-9);
  EXPECT_NEAR(mean.mae, ref.at("mae").get<double>(), 1e-9);
  EXPECT_NEAR(mean.r2, ref.at("r2").get<double>(), 1e-9);
  EXPECT_NEAR(mean.mape / ref.at("mape").get<double>(), 1.0, 1e-9);
  EXPECT_NEAR(mean.max_error, ref.at("max_error").get<double>(), 1e-9);
  // One target: its own scores.
  const TargetScores one = mean_scores(std::span(per_target).first(1));
  EXPECT_EQ(one.rmse, per_target[0].rmse);
  EXPECT_EQ(one.r2, per_target[0].r2);
  EXPECT_EQ(one.max_error, per_target[0].max_error);
  EXPECT_THROW((void)mean_scores({}), DataError);
}

TEST(Scores, PooledMetricsOfSeveralTargetsAreScikitLearnsVarianceWeightedR2) {
  // Metrics (the per-epoch log, "train"/"dev"/"test") pool the targets: RMSE = sqrt of the mean
  // squared error over all k·m values, MAE their mean, R² = 1 − Σ SSE / Σ SS_tot. The inputs
  // pass through float, hence the tolerance.
  const json r = load_scores().at("regression");
  const Eigen::MatrixXd Y = columns_of(r.at("truth")), P = columns_of(r.at("pred"));
  MetricsSums sums;
  sums.add_regression(P.cast<float>(), Y.cast<float>(), 0.0);
  const Eigen::MatrixXd Yf = Y.cast<float>().cast<double>();
  const double ss_tot = (Yf.colwise() - Yf.rowwise().mean()).squaredNorm();
  const Metrics m = sums.metrics(false, Y.rows(), ss_tot);
  const json& ref = r.at("pooled");
  EXPECT_NEAR(*m.rmse, ref.at("rmse").get<double>(), 1e-6);
  EXPECT_NEAR(*m.mae, ref.at("mae").get<double>(), 1e-6);
  EXPECT_NEAR(*m.r2, ref.at("r2").get<double>(), 1e-6);
  // ...which is not the uniform average the per-target scores report.
  EXPECT_GT(std::abs(*m.r2 - r.at("mean").at("r2").get<double>()), 0.01);
}

TEST(Scores, SmallCasesByHand) {
  // Perfect separation: AUC 1; reversed scores: AUC 0; all tied: ½.
  const std::vector<std::int32_t> y{0, 0, 1, 1};
  Eigen::MatrixXd p(1, 4);
  p << 0.1, 0.2, 0.8, 0.9;
  EXPECT_EQ(classification_scores(y, p).roc_auc, 1.0);
  p << 0.9, 0.8, 0.2, 0.1;
  EXPECT_EQ(classification_scores(y, p).roc_auc, 0.0);
  p << 0.5, 0.5, 0.5, 0.5;
  const auto tied = classification_scores(y, p);
  EXPECT_EQ(tied.roc_auc, 0.5);
  // Everything predicted as class 1 (p ≥ 0.5): precision of class 0 is 0/0 = 0.
  EXPECT_EQ(tied.per_class[0].precision, 0.0);
  EXPECT_EQ(tied.per_class[1].precision, 0.5);
  EXPECT_EQ(tied.per_class[1].recall, 1.0);
  EXPECT_EQ(tied.confusion, (std::vector<std::vector<std::int64_t>>{{0, 2}, {0, 2}}));
  // A probability of exactly 0 for the true class is clipped: a finite log-loss.
  p << 0.0, 0.0, 1.0, 0.0;
  EXPECT_TRUE(std::isfinite(classification_scores(y, p).log_loss));
  // One class only: AUC undefined.
  EXPECT_FALSE(classification_scores(std::vector<std::int32_t>{1, 1}, Eigen::MatrixXd::Constant(1, 2, 0.7))
                   .roc_auc.has_value());
}

TEST(Scores, NanProbabilitiesOfADivergedModelEndWithoutAnAuc) {
  // NaN has no rank: the AUC is undefined (scikit-learn refuses NaN input), and scoring ends
  // (the tie scan once never advanced past a NaN) with a NaN log-loss.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::int32_t> y{0, 1, 2, 1, 0};
  Eigen::MatrixXd p = Eigen::MatrixXd::Constant(3, 5, nan);
  const auto all = classification_scores(y, p);
  EXPECT_FALSE(all.roc_auc.has_value());
  EXPECT_TRUE(std::isnan(all.log_loss));
  p.setConstant(1.0 / 3);
  p(1, 3) = nan;
  EXPECT_FALSE(classification_scores(y, p).roc_auc.has_value());
  Eigen::MatrixXd binary(1, 4);
  binary << 0.2, nan, 0.7, nan;
  EXPECT_FALSE(classification_scores(std::vector<std::int32_t>{0, 0, 1, 1}, binary).roc_auc.has_value());
}

TEST(Scores, BadInputsAreTypedErrors) {
  Eigen::MatrixXd p(3, 2);
  p.setConstant(1.0 / 3);
  EXPECT_THROW(classification_scores(std::vector<std::int32_t>{0, 3}, p), ShapeError);
  EXPECT_THROW(classification_scores(std::vector<std::int32_t>{0}, p), ShapeError);
  EXPECT_THROW(classification_scores(std::vector<std::int32_t>{}, Eigen::MatrixXd(3, 0)), DataError);
  EXPECT_THROW(regression_scores(Eigen::MatrixXd(1, 2), Eigen::MatrixXd(2, 2)), ShapeError);
  EXPECT_THROW(regression_scores(Eigen::MatrixXd(1, 0), Eigen::MatrixXd(1, 0)), DataError);
}

TEST(Scores, OfANetworkAgreeWithEvaluate) {
  // A small untrained softmax network on random data, scored in batches of 7: the confusion
  // matrix and accuracy are evaluate()'s, the log-loss its cost (float vs double), and the
  // scores are those of the network's own outputs.
  Rng rng(5);
  data::Dataset d;
  d.task = data::Task::classification;
  d.X.resize(3, 40);
  d.class_names = {"a", "b", "c"};
  d.feature_names = {"x0", "x1", "x2"};
  d.source = "random";
  for (Index j = 0; j < 40; ++j) {
    d.labels.push_back(static_cast<std::int32_t>(rng.below(3)));
    for (Index i = 0; i < 3; ++i) d.X(i, j) = static_cast<float>(rng.normal());
  }
  Network<float> net(ModelBuilder(3).hidden(5).output(3, Activation::softmax)
                         .loss(Loss::cross_entropy).seed(2).build());
  const Metrics m = evaluate(net, d);
  const Scores s = evaluate_scores(net, d, nullptr, 7);
  ASSERT_TRUE(s.classification.has_value());
  EXPECT_EQ(s.classification->confusion, m.confusion);
  EXPECT_DOUBLE_EQ(s.classification->accuracy, *m.accuracy);
  EXPECT_NEAR(s.classification->log_loss, m.loss, 1e-5);
  net.predict(d.X);
  const Eigen::MatrixXd P = net.A(net.layer_count() - 1).cast<double>();
  EXPECT_EQ(s.classification->roc_auc, classification_scores(d.labels, P).roc_auc);
  // Regression: per-target RMSE/MAE/R² are evaluate()'s.
  data::Dataset r;
  r.task = data::Task::regression;
  r.X = d.X;
  r.Y.resize(2, 40);
  for (Index j = 0; j < 40; ++j) {
    r.Y(0, j) = static_cast<float>(rng.normal());
    r.Y(1, j) = static_cast<float>(3.0 + rng.normal());
  }
  r.feature_names = d.feature_names;
  r.target_names = {"u", "v"};
  r.source = "random";
  Network<float> reg(ModelBuilder(3).hidden(4).output(2, Activation::identity).loss(Loss::mse).seed(4).build());
  const Metrics rm = evaluate(reg, r);
  const Scores rs = evaluate_scores(reg, r);
  ASSERT_EQ(rs.targets.size(), 2u);
  double sse = 0;
  for (const auto& t : rs.targets) sse += t.rmse * t.rmse * 40;
  EXPECT_NEAR(std::sqrt(sse / 80), *rm.rmse, 1e-6);
  EXPECT_THROW(evaluate_scores(net, r), ShapeError);
}

}  // namespace
}  // namespace mlp
