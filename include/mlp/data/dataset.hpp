// A loaded data set: features, targets and the names the model file keeps.
//
// Layout (docs/conventions.md): one example per COLUMN. X is n_features x m; for regression
// Y is n_targets x m; for classification `labels` holds one class index per example and
// `class_names[k]` is the name of class k (docs/data.md: sorted order).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mlp/core/tensor.hpp"

namespace mlp::data {

enum class Task { regression, classification };

/// A categorical feature column as read from a CSV file, before encoding (data/categorical.hpp
/// turns it into one-hot rows of X after the split): the text of each example's cell and
/// where it stands in the file (for errors on categories not seen in training).
struct CategoricalColumn {
  std::string name;                  ///< the CSV column
  std::vector<std::string> values;   ///< one per example
  struct Cell {
    std::size_t line = 0, col = 0;   ///< 1-based; 0 = unknown
  };
  std::vector<Cell> where;           ///< one per example (or empty)
  bool operator==(const CategoricalColumn&) const = default;
};

struct Dataset {
  Task task = Task::regression;
  MatrixF X;                           ///< n_features x m
  MatrixF Y;                           ///< regression: n_targets x m; otherwise 0 x m or empty
  std::vector<std::int32_t> labels;    ///< classification: class index per example
  std::vector<std::string> feature_names;
  std::vector<std::string> target_names;
  std::vector<std::string> class_names;  ///< classification: index -> name
  std::string source;                  ///< where it came from (file name), for messages
  /// Set when the loader decided the task from integer labels: what it found and how to
  /// override it (data.task); empty otherwise.
  std::string task_decision;
  /// Categorical columns not yet encoded (CSV with data.categorical); empty once encoded.
  std::vector<CategoricalColumn> categorical;
  /// Per-example weights w_j >= 0 of the cost J = (1/m) Σ_j w_j·L_j (data.weight, times the
  /// class weights of train.class_weight); empty = every weight 1.
  std::vector<float> weights;

  /// Number of examples m.
  [[nodiscard]] Index size() const { return X.cols(); }
  [[nodiscard]] Index n_features() const { return X.rows(); }
  [[nodiscard]] Index n_classes() const { return static_cast<Index>(class_names.size()); }
  [[nodiscard]] Index n_targets() const {
    return task == Task::classification ? n_classes() : Y.rows();
  }
  /// True when the targets are present (a prediction input may come without them).
  [[nodiscard]] bool has_targets() const {
    return task == Task::classification ? labels.size() == static_cast<std::size_t>(size())
                                        : Y.rows() > 0;
  }
  /// The examples at `indices`, in that order, with the same names (a copy).
  /// Throws ConfigError if an index is out of range.
  [[nodiscard]] Dataset select(std::span<const Index> indices) const;
  /// In place: keeps only the examples at `indices` (strictly ascending), in that order, and
  /// gives the memory of the others back (X shrinks where it lies: no second copy of the data
  /// is made, so a split of a large set needs little more memory than the set). Throws
  /// ConfigError, before changing anything, if an index is out of range or out of order.
  void retain(std::span<const Index> indices);
};

/// The one-hot matrix of `labels`: n_classes x m, Y(labels[j], j) = 1. Throws DataError if a
/// label is outside [0, n_classes).
[[nodiscard]] MatrixF one_hot(std::span<const std::int32_t> labels, Index n_classes);

/// Throws DataError unless `other` has the same features (names and order), task, targets and
/// class names as `reference` (e.g. a separate test file against the training file).
void check_compatible(const Dataset& reference, const Dataset& other);

}  // namespace mlp::data
