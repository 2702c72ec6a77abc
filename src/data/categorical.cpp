#include "mlp/data/categorical.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "io.hpp"
#include "mlp/core/error.hpp"

namespace mlp::data {

std::string UnseenCategories::message() const {
  return fmt::format("column '{}': {} row{} with categories not seen in training (e.g. {}); "
                     "encoded as all zeros",
                     column, rows, rows == 1 ? "" : "s", detail::quote_bytes(first));
}

OneHotEncoder::OneHotEncoder(std::vector<CategoricalFeature> features, UnknownCategory unknown)
    : features_(std::move(features)), unknown_(unknown) {
  std::set<std::string_view> columns;
  for (const auto& f : features_) {
    if (!columns.insert(f.column).second) {
      throw DataError(fmt::format("categorical column '{}' is listed twice", f.column));
    }
    if (f.categories.empty()) {
      throw DataError(fmt::format("categorical column '{}' has no category", f.column));
    }
    std::set<std::string_view> seen;
    for (const auto& c : f.categories) {
      if (!seen.insert(c).second) {
        throw DataError(fmt::format("categorical column '{}' lists the category {} twice",
                                    f.column, detail::quote_bytes(c)));
      }
    }
  }
}

void OneHotEncoder::fit(const Dataset& train, std::size_t max_categories) {
  std::vector<CategoricalFeature> out;
  for (const auto& col : train.categorical) {
    // std::set<std::string> orders byte-wise, as Python sorts str (code points; UTF-8 keeps it).
    std::set<std::string> values;
    for (const auto& v : col.values) {
      values.insert(v);
      if (values.size() > max_categories) {
        throw DataError(fmt::format(
            "{}: error: categorical column '{}' has more than {} distinct values in the training "
            "split (data.max_categories = {}); a column with this many values is usually an "
            "identifier that one-hot inputs cannot use: leave it out with data.drop = [\"{}\"], "
            "or raise data.max_categories",
            train.source, col.name, max_categories, max_categories, col.name));
      }
    }
    if (values.empty()) {
      throw DataError(fmt::format("{}: error: categorical column '{}' has no value in the "
                                  "training split", train.source, col.name));
    }
    out.push_back({col.name, std::vector<std::string>(values.begin(), values.end())});
  }
  features_ = std::move(out);
}

Index OneHotEncoder::width() const {
  Index w = 0;
  for (const auto& f : features_) w += static_cast<Index>(f.categories.size());
  return w;
}

std::vector<std::string> OneHotEncoder::feature_names() const {
  std::vector<std::string> names;
  for (const auto& f : features_) {
    for (const auto& c : f.categories) names.push_back(f.column + "=" + c);
  }
  return names;
}

std::vector<UnseenCategories> OneHotEncoder::transform(Dataset& data) const {
  std::vector<std::string> want, have;
  for (const auto& f : features_) want.push_back(f.column);
  for (const auto& c : data.categorical) have.push_back(c.name);
  if (want != have) {
    throw DataError(fmt::format("{}: error: the categorical columns are [{}], but the encoder "
                                "was fitted on [{}]",
                                data.source, detail::join_names(have), detail::join_names(want)));
  }
  const Index m = data.size();
  const Index n = data.X.rows();
  MatrixF X = MatrixF::Zero(n + width(), m);
  X.topRows(n) = data.X;
  std::vector<UnseenCategories> unseen;
  Index row = n;
  for (std::size_t c = 0; c < features_.size(); ++c) {
    const CategoricalFeature& f = features_[c];
    const CategoricalColumn& col = data.categorical[c];
    if (static_cast<Index>(col.values.size()) != m) {
      throw DataError(fmt::format("{}: error: categorical column '{}' has {} values for {} "
                                  "examples", data.source, f.column, col.values.size(), m));
    }
    std::map<std::string_view, Index> index;
    for (std::size_t k = 0; k < f.categories.size(); ++k) {
      index.emplace(f.categories[k], static_cast<Index>(k));
    }
    UnseenCategories miss{f.column, 0, {}};
    for (Index j = 0; j < m; ++j) {
      const std::string& v = col.values[static_cast<std::size_t>(j)];
      if (const auto it = index.find(v); it != index.end()) {
        X(row + it->second, j) = 1.0f;
        continue;
      }
      if (unknown_ == UnknownCategory::error) {
        const auto at = static_cast<std::size_t>(j) < col.where.size()
                            ? col.where[static_cast<std::size_t>(j)]
                            : CategoricalColumn::Cell{};
        const std::string where =
            at.line == 0 ? data.source : fmt::format("{}:{}:{}", data.source, at.line, at.col);
        throw DataError(fmt::format(
            "{}: error: column '{}': category {} was not seen in training; known categories: {} "
            "(data.unknown_category = \"error\"; with \"ignore\" it would be encoded as all "
            "zeros)",
            where, f.column, detail::quote_bytes(v), detail::join_names(f.categories, 50)));
      }
      if (miss.rows++ == 0) miss.first = v;
    }
    if (miss.rows > 0) unseen.push_back(std::move(miss));
    row += static_cast<Index>(f.categories.size());
  }
  data.X = std::move(X);
  for (auto& name : feature_names()) data.feature_names.push_back(std::move(name));
  data.categorical.clear();
  return unseen;
}

}  // namespace mlp::data
