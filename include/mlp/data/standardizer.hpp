// Standardization (SPEC §3), fitted on the training split only:
//   mu_j    = (1/m) sum_i x_ji
//   sigma_j = sqrt((1/m) sum_i (x_ji - mu_j)^2)        (population form, not m - 1)
//   x'_ji   = (x_ji - mu_j) / s_j,   s_j = sigma_j if sigma_j > 0, else 1
// A constant feature (sigma = 0) is only centred: it becomes 0, never NaN. mu and sigma are
// stored as computed (sigma may be 0) so that a model file can save and restore them.
// Rows are features (or targets), columns examples.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mlp/data/dataset.hpp"

namespace mlp::data {

class Standardizer {
 public:
  Standardizer() = default;
  /// From saved statistics; throws DataError unless the sizes agree and every mu is finite and
  /// every sigma finite and >= 0.
  Standardizer(std::vector<float> mean, std::vector<float> stddev);

  /// Fits mu and sigma on X (n x m, m >= 1; accumulated in double). Throws ShapeError if m = 0.
  void fit(const MatrixF& X);
  /// x' = (x - mu) / s, in place, computed in double and rounded once to float (so that finite
  /// inputs near +-FLT_MAX stay finite when |x - mu| / s fits in float). Throws ShapeError if X
  /// has the wrong number of rows.
  void transform(MatrixF& X) const;
  /// x = x' s + mu, in place (predictions back in original units), in double rounded to float.
  void inverse_transform(MatrixF& X) const;

  [[nodiscard]] bool fitted() const { return !mean_.empty(); }
  [[nodiscard]] Index size() const { return static_cast<Index>(mean_.size()); }
  [[nodiscard]] const std::vector<float>& mean() const { return mean_; }
  [[nodiscard]] const std::vector<float>& stddev() const { return stddev_; }
  /// The divisor actually used: sigma, or 1 where sigma = 0.
  [[nodiscard]] float scale(Index j) const;

 private:
  void check_rows(const MatrixF& X, const char* what) const;
  std::vector<float> mean_;
  std::vector<float> stddev_;
};

/// Mean imputation (data.missing = "mean"), fitted on the training split only, before
/// standardization:   mu_j = mean of the finite x_ji over the training examples;
/// a missing x_ji (NaN, as the CSV reader leaves it under Missing::keep_nan) becomes mu_j.
class Imputer {
 public:
  Imputer() = default;
  /// From saved means; throws DataError unless every mean is finite.
  explicit Imputer(std::vector<float> means);
  /// Fits on X (n x m, accumulated in double). Throws DataError naming the feature
  /// (`names[j]` when given) when a feature has no finite value in X.
  void fit(const MatrixF& X, const std::vector<std::string>& names = {});
  /// NaN -> mu_j, in place; returns how many values were filled. ShapeError on a wrong row count.
  std::size_t transform(MatrixF& X) const;
  [[nodiscard]] bool fitted() const { return !means_.empty(); }
  [[nodiscard]] Index size() const { return static_cast<Index>(means_.size()); }
  [[nodiscard]] const std::vector<float>& means() const { return means_; }

 private:
  std::vector<float> means_;
};

/// Feature and (for regression) target standardization of a data set.
struct Normalization {
  Standardizer features;
  std::optional<Standardizer> targets;  ///< regression only, when asked for

  /// Fits on the training split: features always, regression targets if `standardize_targets`.
  static Normalization fit(const Dataset& train, bool standardize_targets = true);
  /// Applies the training statistics to a split (train, dev, test or prediction input).
  void apply(Dataset& data) const;
  /// Model outputs in standardized target units -> original units (no-op without targets).
  void invert_targets(MatrixF& Y) const;
};

}  // namespace mlp::data
