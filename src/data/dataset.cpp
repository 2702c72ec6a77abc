#include "mlp/data/dataset.hpp"

#include <fmt/format.h>

#include "io.hpp"
#include "mlp/core/error.hpp"

namespace mlp::data {

Dataset Dataset::select(std::span<const Index> indices) const {
  Dataset out;
  out.task = task;
  out.feature_names = feature_names;
  out.target_names = target_names;
  out.class_names = class_names;
  out.source = source;
  out.task_decision = task_decision;
  const auto n = static_cast<Index>(indices.size());
  out.X.resize(X.rows(), n);
  const bool has_y = Y.rows() > 0 && Y.cols() == size();
  const bool has_labels = labels.size() == static_cast<std::size_t>(size());
  if (has_y) out.Y.resize(Y.rows(), n);
  if (has_labels) out.labels.resize(indices.size());
  const bool has_weights = weights.size() == static_cast<std::size_t>(size());
  if (has_weights) out.weights.resize(indices.size());
  out.categorical.resize(categorical.size());
  for (std::size_t c = 0; c < categorical.size(); ++c) {
    out.categorical[c].name = categorical[c].name;
    out.categorical[c].values.reserve(indices.size());
    if (!categorical[c].where.empty()) out.categorical[c].where.reserve(indices.size());
  }
  for (Index j = 0; j < n; ++j) {
    const Index i = indices[static_cast<std::size_t>(j)];
    if (i < 0 || i >= size()) {
      throw ConfigError(fmt::format("example index {} out of range [0, {})", i, size()));
    }
    out.X.col(j) = X.col(i);
    if (has_y) out.Y.col(j) = Y.col(i);
    if (has_labels) out.labels[static_cast<std::size_t>(j)] = labels[static_cast<std::size_t>(i)];
    if (has_weights) out.weights[static_cast<std::size_t>(j)] = weights[static_cast<std::size_t>(i)];
    for (std::size_t c = 0; c < categorical.size(); ++c) {
      const auto& from = categorical[c];
      out.categorical[c].values.push_back(from.values.at(static_cast<std::size_t>(i)));
      if (!from.where.empty()) out.categorical[c].where.push_back(from.where.at(static_cast<std::size_t>(i)));
    }
  }
  return out;
}

void Dataset::retain(std::span<const Index> indices) {
  const auto n = static_cast<Index>(indices.size());
  for (Index j = 0; j < n; ++j) {
    const Index i = indices[static_cast<std::size_t>(j)];
    if (i < 0 || i >= size()) {
      throw ConfigError(fmt::format("example index {} out of range [0, {})", i, size()));
    }
    if (j > 0 && i <= indices[static_cast<std::size_t>(j - 1)]) {
      throw ConfigError(fmt::format("example indices to keep must be strictly ascending (index {} follows {})", i,
                                    indices[static_cast<std::size_t>(j - 1)]));
    }
  }
  const bool has_y = Y.rows() > 0 && Y.cols() == size();
  const bool has_labels = labels.size() == static_cast<std::size_t>(size());
  const bool has_weights = weights.size() == static_cast<std::size_t>(size());
  // Ascending indices: example j moves from column i >= j, which no earlier move overwrote.
  for (Index j = 0; j < n; ++j) {
    const Index i = indices[static_cast<std::size_t>(j)];
    const auto js = static_cast<std::size_t>(j), is = static_cast<std::size_t>(i);
    if (i == j) continue;
    X.col(j) = X.col(i);
    if (has_y) Y.col(j) = Y.col(i);
    if (has_labels) labels[js] = labels[is];
    if (has_weights) weights[js] = weights[is];
    for (auto& c : categorical) {
      c.values[js] = std::move(c.values.at(is));
      if (!c.where.empty()) c.where[js] = c.where.at(is);
    }
  }
  // Column-major: dropping the last columns reallocates in place (the tail pages go back).
  X.conservativeResize(Eigen::NoChange, n);
  // What does not have one entry per example is dropped, as select() leaves it out.
  if (has_y) Y.conservativeResize(Eigen::NoChange, n);
  else Y = MatrixF();
  if (!has_labels) labels.clear();
  if (!has_weights) weights.clear();
  const auto shrink = [&](auto& v) {
    v.resize(indices.size());
    v.shrink_to_fit();
  };
  if (has_labels) shrink(labels);
  if (has_weights) shrink(weights);
  for (auto& c : categorical) {
    shrink(c.values);
    if (!c.where.empty()) shrink(c.where);
  }
}

MatrixF one_hot(std::span<const std::int32_t> labels, Index n_classes) {
  MatrixF Y = MatrixF::Zero(n_classes, static_cast<Index>(labels.size()));
  for (std::size_t j = 0; j < labels.size(); ++j) {
    if (labels[j] < 0 || labels[j] >= n_classes) {
      throw DataError(fmt::format("label {} of example {} is outside [0, {})", labels[j], j,
                                  n_classes));
    }
    Y(labels[j], static_cast<Index>(j)) = 1.0f;
  }
  return Y;
}

void check_compatible(const Dataset& reference, const Dataset& other) {
  const auto fail = [&](const std::string& what) {
    throw DataError(fmt::format("{}: error: {} (compared with {})", other.source, what,
                                reference.source));
  };
  if (other.feature_names != reference.feature_names) {
    fail(fmt::format("feature columns differ: [{}] vs [{}]",
                     detail::join_names(other.feature_names),
                     detail::join_names(reference.feature_names)));
  }
  std::vector<std::string> ours, theirs;
  for (const auto& c : reference.categorical) ours.push_back(c.name);
  for (const auto& c : other.categorical) theirs.push_back(c.name);
  if (ours != theirs) {
    fail(fmt::format("categorical columns differ: [{}] vs [{}]", detail::join_names(theirs),
                     detail::join_names(ours)));
  }
  if (other.task != reference.task) fail("the task (regression / classification) differs");
  if (other.has_targets() && other.target_names != reference.target_names) {
    fail(fmt::format("target columns differ: [{}] vs [{}]", detail::join_names(other.target_names),
                     detail::join_names(reference.target_names)));
  }
  if (reference.task == Task::classification && other.class_names != reference.class_names) {
    fail(fmt::format("class names differ: [{}] vs [{}]; load it with the training classes",
                     detail::join_names(other.class_names),
                     detail::join_names(reference.class_names)));
  }
}

}  // namespace mlp::data
