// Detailed classification and regression scores (include/mlp/train/scores.hpp).
#include "mlp/train/scores.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "mlp/core/error.hpp"
#include "mlp/train/metrics.hpp"

namespace mlp {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

double ratio_or_zero(double num, double den) { return den > 0 ? num / den : 0.0; }

/// Area under the ROC curve of `score` for the examples with positive[j], by ranks: the
/// Mann–Whitney U / (n_pos · n_neg), tied scores sharing their average rank (the trapezoid of
/// the ROC curve). nullopt without a positive or a negative, or with a NaN score (a diverged
/// model: NaN has no rank, as scikit-learn refuses such input).
std::optional<double> auc(std::span<const double> score, const std::vector<bool>& positive) {
  const std::size_t m = score.size();
  if (std::any_of(score.begin(), score.end(), [](double x) { return std::isnan(x); })) return std::nullopt;
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return score[a] < score[b]; });
  double rank_sum = 0;  // Σ ranks (from 1) of the positives
  std::size_t n_pos = 0;
  for (std::size_t i = 0; i < m;) {
    std::size_t j = i + 1;
    while (j < m && score[order[j]] == score[order[i]]) ++j;
    const double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t t = i; t < j; ++t) {
      if (positive[order[t]]) {
        rank_sum += average_rank;
        ++n_pos;
      }
    }
    i = j;
  }
  const std::size_t n_neg = m - n_pos;
  if (n_pos == 0 || n_neg == 0) return std::nullopt;
  const double p = static_cast<double>(n_pos);
  return (rank_sum - p * (p + 1) / 2.0) / (p * static_cast<double>(n_neg));
}

}  // namespace

ClassificationScores classification_scores(std::span<const std::int32_t> labels,
                                           const Eigen::MatrixXd& P) {
  const auto m = static_cast<Index>(labels.size());
  if (P.cols() != m) {
    throw ShapeError(fmt::format("scores: {} labels but {} columns of probabilities", m, P.cols()));
  }
  if (m == 0) throw DataError("scores: no examples to score");
  const Index k = P.rows() == 1 ? 2 : P.rows();
  if (k < 2) throw ShapeError("scores: probabilities need at least one row");
  ClassificationScores s;
  const auto K = static_cast<std::size_t>(k);
  s.confusion.assign(K, std::vector<std::int64_t>(K, 0));
  // p̃: the probability of every class, clipped and renormalized as scikit-learn's log_loss.
  Eigen::VectorXd p(k);
  double log_loss = 0;
  std::int64_t correct = 0;
  for (Index j = 0; j < m; ++j) {
    const std::int32_t y = labels[static_cast<std::size_t>(j)];
    if (y < 0 || y >= k) {
      throw ShapeError(fmt::format("scores: label {} of example {} is not in [0, {})", y, j, k));
    }
    if (P.rows() == 1) {
      p << 1.0 - P(0, j), P(0, j);
    } else {
      p = P.col(j);
    }
    Index predicted = 0;
    if (P.rows() == 1) {
      predicted = P(0, j) >= 0.5 ? 1 : 0;
    } else {
      p.maxCoeff(&predicted);  // the first maximum, as numpy's argmax
    }
    ++s.confusion[static_cast<std::size_t>(y)][static_cast<std::size_t>(predicted)];
    correct += predicted == y;
    p = p.cwiseMax(kEps).cwiseMin(1.0 - kEps);
    log_loss -= std::log(p(y) / p.sum());
  }
  s.log_loss = log_loss / static_cast<double>(m);
  s.accuracy = static_cast<double>(correct) / static_cast<double>(m);

  s.per_class.resize(K);
  for (std::size_t c = 0; c < K; ++c) {
    double tp = static_cast<double>(s.confusion[c][c]), predicted = 0, actual = 0;
    for (std::size_t o = 0; o < K; ++o) {
      predicted += static_cast<double>(s.confusion[o][c]);
      actual += static_cast<double>(s.confusion[c][o]);
    }
    ClassScores& cs = s.per_class[c];
    cs.precision = ratio_or_zero(tp, predicted);
    cs.recall = ratio_or_zero(tp, actual);
    cs.f1 = ratio_or_zero(2 * cs.precision * cs.recall, cs.precision + cs.recall);
    cs.support = static_cast<std::int64_t>(actual);
    const double w = actual / static_cast<double>(m);
    s.macro.precision += cs.precision / static_cast<double>(k);
    s.macro.recall += cs.recall / static_cast<double>(k);
    s.macro.f1 += cs.f1 / static_cast<double>(k);
    s.weighted.precision += w * cs.precision;
    s.weighted.recall += w * cs.recall;
    s.weighted.f1 += w * cs.f1;
  }
  s.macro.support = s.weighted.support = m;

  // ROC-AUC: binary on P(class 1); multiclass, the mean of the one-vs-rest AUCs.
  std::vector<bool> positive(static_cast<std::size_t>(m));
  std::vector<double> score(static_cast<std::size_t>(m));
  double auc_sum = 0;
  bool defined = true;
  for (Index c = (k == 2 ? 1 : 0); c < k && defined; ++c) {
    for (Index j = 0; j < m; ++j) {
      positive[static_cast<std::size_t>(j)] = labels[static_cast<std::size_t>(j)] == c;
      score[static_cast<std::size_t>(j)] = P.rows() == 1 ? P(0, j) : P(c, j);
    }
    const auto a = auc(score, positive);
    defined = a.has_value();
    if (a) auc_sum += *a;
  }
  if (defined) s.roc_auc = k == 2 ? auc_sum : auc_sum / static_cast<double>(k);
  return s;
}

std::vector<TargetScores> regression_scores(const Eigen::MatrixXd& Y, const Eigen::MatrixXd& Yhat) {
  if (Y.rows() != Yhat.rows() || Y.cols() != Yhat.cols()) {
    throw ShapeError(fmt::format("scores: targets [{} x {}] but predictions [{} x {}]", Y.rows(),
                                 Y.cols(), Yhat.rows(), Yhat.cols()));
  }
  if (Y.cols() == 0) throw DataError("scores: no examples to score");
  const auto m = static_cast<double>(Y.cols());
  std::vector<TargetScores> out(static_cast<std::size_t>(Y.rows()));
  for (Index t = 0; t < Y.rows(); ++t) {
    const Eigen::ArrayXd y = Y.row(t).transpose().array();
    const Eigen::ArrayXd e = Yhat.row(t).transpose().array() - y;
    TargetScores& s = out[static_cast<std::size_t>(t)];
    const double sse = e.square().sum();
    s.rmse = std::sqrt(sse / m);
    s.mae = e.abs().mean();
    const double ss_tot = (y - y.mean()).square().sum();
    s.r2 = ss_tot > 0 ? 1.0 - sse / ss_tot : 0.0;
    s.mape = (e.abs() / y.abs().max(kEps)).mean();
    s.max_error = e.abs().maxCoeff();
  }
  return out;
}

TargetScores mean_scores(std::span<const TargetScores> per_target) {
  if (per_target.empty()) throw DataError("scores: no targets to average");
  TargetScores mean;
  const auto k = static_cast<double>(per_target.size());
  for (const TargetScores& t : per_target) {
    mean.rmse += t.rmse / k;
    mean.mae += t.mae / k;
    mean.r2 += t.r2 / k;
    mean.mape += t.mape / k;
    if (!(t.max_error <= mean.max_error)) mean.max_error = t.max_error;  // NaN stays NaN
  }
  return mean;
}

Scores evaluate_scores(Network<float>& net, const data::Dataset& d,
                       const data::Standardizer* targets, Index batch_size) {
  check_data_fits(net, d, "evaluation");
  if (!d.has_targets()) throw DataError(fmt::format("{}: no target values to score", d.source));
  const Index m = d.size();
  // The outputs of every example [n_out x m], in double.
  Eigen::MatrixXd out(net.spec().layers.back().units, m);
  for (Index start = 0; start < m; start += batch_size) {
    const Index b = std::min(batch_size, m - start);
    net.predict(d.X.middleCols(start, b));
    out.middleCols(start, b) = net.A(net.layer_count() - 1).cast<double>();
  }
  Scores s;
  if (d.task == data::Task::classification) {
    s.classification = classification_scores(d.labels, out);
  } else {
    Matrix<float> truth = d.Y;
    if (targets) {
      Matrix<float> pred = out.cast<float>();
      targets->inverse_transform(pred);
      targets->inverse_transform(truth);
      out = pred.cast<double>();
    }
    s.targets = regression_scores(truth.cast<double>(), out);
  }
  return s;
}

}  // namespace mlp
