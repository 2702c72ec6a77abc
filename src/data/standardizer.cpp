#include "mlp/data/standardizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "mlp/core/error.hpp"

namespace mlp::data {

Standardizer::Standardizer(std::vector<float> mean, std::vector<float> stddev)
    : mean_(std::move(mean)), stddev_(std::move(stddev)) {
  if (mean_.size() != stddev_.size()) {
    throw DataError(fmt::format("standardization: {} means but {} standard deviations",
                                mean_.size(), stddev_.size()));
  }
  for (std::size_t j = 0; j < mean_.size(); ++j) {
    if (!std::isfinite(mean_[j]) || !std::isfinite(stddev_[j]) || stddev_[j] < 0.0f) {
      throw DataError(fmt::format("standardization entry {}: mean {} and standard deviation {} "
                                  "must be finite, the deviation >= 0",
                                  j, mean_[j], stddev_[j]));
    }
  }
}

Imputer::Imputer(std::vector<float> means) : means_(std::move(means)) {
  for (std::size_t j = 0; j < means_.size(); ++j) {
    if (!std::isfinite(means_[j])) {
      throw DataError(fmt::format("imputation entry {}: mean {} must be finite", j, means_[j]));
    }
  }
}

void Imputer::fit(const MatrixF& X, const std::vector<std::string>& names) {
  // Column by column (memory order): the sum and the count of the finite values per feature.
  std::vector<double> sum(static_cast<std::size_t>(X.rows()), 0.0);
  std::vector<Index> count(static_cast<std::size_t>(X.rows()), 0);
  for (Index i = 0; i < X.cols(); ++i) {
    for (Index j = 0; j < X.rows(); ++j) {
      const float x = X(j, i);
      if (std::isfinite(x)) {
        sum[static_cast<std::size_t>(j)] += x;
        ++count[static_cast<std::size_t>(j)];
      }
    }
  }
  means_.assign(static_cast<std::size_t>(X.rows()), 0.0f);
  for (std::size_t k = 0; k < means_.size(); ++k) {
    if (count[k] == 0) {
      const std::string name = k < names.size() ? fmt::format("column \"{}\"", names[k])
                                                : fmt::format("feature {}", k);
      throw DataError(fmt::format(
          "{}: no value in the training split to take the mean of (missing = mean) — drop the "
          "column (data.drop) or fill it in", name));
    }
    means_[k] = static_cast<float>(sum[k] / static_cast<double>(count[k]));
  }
}

std::size_t Imputer::transform(MatrixF& X) const {
  if (X.rows() != size()) {
    throw ShapeError(fmt::format("imputation: data has {} features, the means {}", X.rows(), size()));
  }
  std::size_t filled = 0;
  for (Index i = 0; i < X.cols(); ++i) {
    for (Index j = 0; j < X.rows(); ++j) {
      if (std::isnan(X(j, i))) {
        X(j, i) = means_[static_cast<std::size_t>(j)];
        ++filled;
      }
    }
  }
  return filled;
}

float Standardizer::scale(Index j) const {
  const float s = stddev_[static_cast<std::size_t>(j)];
  return s > 0.0f ? s : 1.0f;
}

void Standardizer::fit(const MatrixF& X) {
  if (X.cols() == 0) throw ShapeError("standardization: cannot fit on zero examples");
  const auto m = static_cast<double>(X.cols());
  // Two passes in double: mu = sum(x)/m, sigma^2 = sum((x - mu)^2)/m — column by column, so
  // that memory is read in order (examples are columns; a feature is a strided row).
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(X.rows());
  for (Index i = 0; i < X.cols(); ++i) sum += X.col(i).cast<double>();
  const Eigen::VectorXd mu = sum / m;
  Eigen::VectorXd ss = Eigen::VectorXd::Zero(X.rows());
  for (Index i = 0; i < X.cols(); ++i) ss += (X.col(i).cast<double>() - mu).array().square().matrix();
  mean_.resize(static_cast<std::size_t>(X.rows()));
  stddev_.resize(static_cast<std::size_t>(X.rows()));
  for (Index j = 0; j < X.rows(); ++j) {
    mean_[static_cast<std::size_t>(j)] = static_cast<float>(mu[j]);
    stddev_[static_cast<std::size_t>(j)] = static_cast<float>(std::sqrt(ss[j] / m));
  }
}

void Standardizer::check_rows(const MatrixF& X, const char* what) const {
  if (!fitted()) throw ShapeError(fmt::format("standardization: {} before fit", what));
  if (X.rows() != size()) {
    throw ShapeError(fmt::format("standardization: {} of {} rows, fitted on {}", what, X.rows(),
                                 size()));
  }
}

namespace {
Eigen::ArrayXf divisors(const std::vector<float>& stddev) {
  Eigen::ArrayXf s(static_cast<Index>(stddev.size()));
  for (std::size_t j = 0; j < stddev.size(); ++j) {
    s(static_cast<Index>(j)) = stddev[j] > 0.0f ? stddev[j] : 1.0f;
  }
  return s;
}
}  // namespace

void Standardizer::transform(MatrixF& X) const {
  check_rows(X, "transform");
  // The identity (mean 0, deviation 1: data.normalize = "none") changes no value: no pass over X.
  if (std::all_of(mean_.begin(), mean_.end(), [](float m) { return m == 0.0f && !std::signbit(m); }) &&
      std::all_of(stddev_.begin(), stddev_.end(), [](float s) { return s == 1.0f; })) {
    return;
  }
  // X (n x m): x' = (x - mu) / s, column by column (each example contiguous). Computed in
  // double and rounded once to float: x - mu alone can exceed FLT_MAX for finite float x and mu
  // (3e38 - (-1e38)), which in float would give inf and then NaN in the network.
  const Eigen::ArrayXd mu = Eigen::Map<const Eigen::ArrayXf>(mean_.data(), size()).cast<double>();
  const Eigen::ArrayXd s = divisors(stddev_).cast<double>();
  for (Index i = 0; i < X.cols(); ++i) {
    X.col(i) = ((X.col(i).array().cast<double>() - mu) / s).cast<float>().matrix();
  }
}

void Standardizer::inverse_transform(MatrixF& X) const {
  check_rows(X, "inverse transform");
  // x = x' s + mu, in double and rounded once to float (as transform).
  const Eigen::ArrayXd mu = Eigen::Map<const Eigen::ArrayXf>(mean_.data(), size()).cast<double>();
  const Eigen::ArrayXd s = divisors(stddev_).cast<double>();
  for (Index i = 0; i < X.cols(); ++i) {
    X.col(i) = (X.col(i).array().cast<double>() * s + mu).cast<float>().matrix();
  }
}

Normalization Normalization::fit(const Dataset& train, bool standardize_targets) {
  Normalization n;
  n.features.fit(train.X);
  if (standardize_targets && train.task == Task::regression && train.Y.rows() > 0) {
    n.targets.emplace();
    n.targets->fit(train.Y);
  }
  return n;
}

void Normalization::apply(Dataset& data) const {
  features.transform(data.X);
  if (targets && data.task == Task::regression && data.Y.rows() > 0) targets->transform(data.Y);
}

void Normalization::invert_targets(MatrixF& Y) const {
  if (targets) targets->inverse_transform(Y);
}

}  // namespace mlp::data
