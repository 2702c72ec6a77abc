#include "mlp/train/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "mlp/core/error.hpp"

namespace mlp {

void encode_targets(const ModelSpec& spec, data::Task task, std::span<const std::int32_t> labels,
                    const ConstMatrixMap<float>* Yreg, Index m, Matrix<float>& Y) {
  const Index n = spec.layers.back().units;
  Y.resize(n, m);
  if (task == data::Task::classification) {
    if (n == 1) {
      for (Index j = 0; j < m; ++j) Y(0, j) = labels[static_cast<std::size_t>(j)] != 0 ? 1.0f : 0.0f;
    } else {
      Y.setZero();
      for (Index j = 0; j < m; ++j) Y(labels[static_cast<std::size_t>(j)], j) = 1.0f;
    }
  } else {
    Y = *Yreg;
  }
}

void check_data_fits(const Network<float>& net, const data::Dataset& d, const char* role) {
  const ModelSpec& spec = net.spec();
  if (d.n_features() != spec.inputs) {
    throw ShapeError(fmt::format("{} data {}: {} features, but the model expects {}", role,
                                 d.source, d.n_features(), spec.inputs));
  }
  const Index out = spec.layers.back().units;
  if (d.task == data::Task::classification) {
    const bool ok = out == d.n_classes() || (out == 1 && d.n_classes() <= 2);
    if (!ok) {
      throw ShapeError(fmt::format(
          "{} data {}: {} classes, but the output layer {} has {} units — set the output width to "
          "the number of classes", role, d.source, d.n_classes(),
          net.layer_name(net.layer_count() - 1), out));
    }
  } else if (d.has_targets() && d.Y.rows() != out) {
    throw ShapeError(fmt::format("{} data {}: {} targets, but the output layer has {} units", role,
                                 d.source, d.Y.rows(), out));
  }
}

void fill_targets(const ModelSpec& spec, const data::Dataset& d, std::span<const Index> indices,
                  Matrix<float>& Y) {
  const Index m = static_cast<Index>(indices.size());
  std::vector<std::int32_t> labels;
  Matrix<float> Yreg;
  if (d.task == data::Task::classification) {
    labels.reserve(indices.size());
    for (Index i : indices) labels.push_back(d.labels[static_cast<std::size_t>(i)]);
    encode_targets(spec, d.task, labels, nullptr, m, Y);
  } else {
    Yreg.resize(d.Y.rows(), m);
    for (Index j = 0; j < m; ++j) Yreg.col(j) = d.Y.col(indices[static_cast<std::size_t>(j)]);
    const ConstMatrixMap<float> view(Yreg.data(), Yreg.rows(), Yreg.cols());
    encode_targets(spec, d.task, {}, &view, m, Y);
  }
}

void MetricsSums::add_classification(const Matrix<float>& A, std::span<const std::int32_t> labels,
                                     double J, std::vector<std::vector<std::int64_t>>* confusion) {
  const Index b = A.cols();
  for (Index j = 0; j < b; ++j) {
    Index p = 0;
    if (A.rows() == 1) {
      p = A(0, j) >= 0.5f ? 1 : 0;
    } else {
      A.col(j).maxCoeff(&p);
    }
    const auto t = labels[static_cast<std::size_t>(j)];
    correct += (p == t) ? 1.0 : 0.0;
    if (confusion) (*confusion)[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)] += 1;
  }
  loss += J * static_cast<double>(b);
  examples += static_cast<double>(b);
}

void MetricsSums::add_regression(const Matrix<float>& pred, const Matrix<float>& truth, double J) {
  const auto diff = (pred - truth).array().cast<double>();
  squared += diff.square().sum();
  absolute += diff.abs().sum();
  loss += J * static_cast<double>(pred.cols());
  examples += static_cast<double>(pred.cols());
}

Metrics MetricsSums::metrics(bool classification, Index n_targets, double ss_tot) const {
  Metrics out;
  out.loss = examples > 0 ? loss / examples : std::numeric_limits<double>::quiet_NaN();
  if (classification) {
    out.accuracy = examples > 0 ? correct / examples : std::numeric_limits<double>::quiet_NaN();
  } else {
    const double count = static_cast<double>(n_targets) * examples;
    out.rmse = std::sqrt(squared / count);
    out.mae = absolute / count;
    out.r2 = ss_tot > 0 ? 1.0 - squared / ss_tot : 0.0;
  }
  return out;
}

double total_sum_of_squares(const data::Dataset& d, const data::Standardizer* targets) {
  Matrix<float> truth = d.Y;
  if (targets) targets->inverse_transform(truth);
  const auto t = truth.cast<double>();
  const Eigen::VectorXd mean = t.rowwise().mean();
  return (t.colwise() - mean).squaredNorm();
}

Metrics evaluate(Network<float>& net, const data::Dataset& d, const data::Standardizer* targets,
                 Index batch_size) {
  check_data_fits(net, d, "evaluation");
  if (!d.has_targets()) throw DataError(fmt::format("{}: no target values to evaluate against", d.source));
  const ModelSpec& spec = net.spec();
  const Index m = d.size();
  if (m == 0) throw DataError(fmt::format("{}: no examples to evaluate", d.source));
  const bool classify = d.task == data::Task::classification;
  const Index n_classes = classify ? std::max<Index>(d.n_classes(), 2) : 0;
  std::vector<std::vector<std::int64_t>> confusion;
  if (classify) confusion.assign(static_cast<std::size_t>(n_classes), std::vector<std::int64_t>(static_cast<std::size_t>(n_classes), 0));
  MetricsSums sums;
  Matrix<float> Y, pred, truth;
  std::vector<Index> idx;
  // Targets in original units, for RMSE/MAE and R².
  Matrix<float> all_truth;
  if (!classify) {
    all_truth = d.Y;
    if (targets) targets->inverse_transform(all_truth);
  }
  for (Index start = 0; start < m; start += batch_size) {
    const Index b = std::min(batch_size, m - start);
    idx.resize(static_cast<std::size_t>(b));
    for (Index j = 0; j < b; ++j) idx[static_cast<std::size_t>(j)] = start + j;
    fill_targets(spec, d, idx, Y);
    net.predict(d.X.middleCols(start, b));
    const double J = static_cast<double>(net.loss(Y, false));
    const Matrix<float>& A = net.A(net.layer_count() - 1);
    if (classify) {
      sums.add_classification(A, std::span(d.labels).subspan(static_cast<std::size_t>(start), static_cast<std::size_t>(b)),
                              J, &confusion);
    } else {
      pred = A;
      if (targets) targets->inverse_transform(pred);
      truth = all_truth.middleCols(start, b);
      sums.add_regression(pred, truth, J);
    }
  }
  const double ss_tot = classify ? 0.0 : total_sum_of_squares(d, targets);
  Metrics out = sums.metrics(classify, classify ? 0 : d.Y.rows(), ss_tot);
  out.confusion = std::move(confusion);
  return out;
}

}  // namespace mlp
