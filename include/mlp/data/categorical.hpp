// One-hot encoding of categorical input columns (docs/data.md, "Categorical columns"), fitted
// on the training split only, as scikit-learn's OneHotEncoder(handle_unknown="ignore"):
//   categories_c = the distinct values of column c in the training split, sorted byte-wise
//                  (the order of OneHotEncoder's categories_ for strings)
//   x_(c=v)      = 1 if the example's value in column c is v, else 0
//   a value not seen in training: all zeros in its column's block (ignore, counted per column)
//                  or a DataError naming file:line:column (error)
// The one-hot rows are appended after the numeric features, column block after column block
// in Dataset::categorical order, and named "column=value" ("color=red"). They are 0/1 inputs:
// the run leaves them unstandardized (mean 0, std 1 in the model's statistics).
//
//   data::OneHotEncoder enc;
//   enc.fit(train);                       // categories of the training split
//   enc.transform(train); enc.transform(dev);   // X gains enc.width() rows
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mlp/data/dataset.hpp"

namespace mlp::data {

/// What a category not seen in training does (data.unknown_category).
enum class UnknownCategory { ignore, error };

/// Most distinct values a categorical column may have in the training split by default
/// (data.max_categories).
inline constexpr std::size_t kDefaultMaxCategories = 1000;

/// One categorical column and its categories, in encoding order.
struct CategoricalFeature {
  std::string column;
  std::vector<std::string> categories;
  bool operator==(const CategoricalFeature&) const = default;
};

/// Rows of one column whose category was not seen in training (UnknownCategory::ignore).
struct UnseenCategories {
  std::string column;
  std::size_t rows = 0;
  std::string first;  ///< the first such value
  /// "column 'color': 3 rows with categories not seen in training (e.g. 'purple'); they are
  /// encoded as all zeros"
  [[nodiscard]] std::string message() const;
};

class OneHotEncoder {
 public:
  OneHotEncoder() = default;
  /// From saved categories (a model file). Throws DataError when a column is named twice, has
  /// no category or a category twice.
  explicit OneHotEncoder(std::vector<CategoricalFeature> features,
                         UnknownCategory unknown = UnknownCategory::ignore);

  /// The categories of every column of train.categorical. Throws DataError (naming the column,
  /// with the fixes: data.drop, data.max_categories) when a column has more than
  /// `max_categories` distinct values.
  void fit(const Dataset& train, std::size_t max_categories = kDefaultMaxCategories);
  /// Replaces data.categorical by one-hot rows appended to X (and their names to
  /// feature_names). Returns the columns with unseen categories (ignore), or throws DataError at
  /// the first one (error). Throws DataError when data's categorical columns are not the
  /// encoder's (by name).
  std::vector<UnseenCategories> transform(Dataset& data) const;

  [[nodiscard]] const std::vector<CategoricalFeature>& features() const { return features_; }
  [[nodiscard]] UnknownCategory unknown() const { return unknown_; }
  void set_unknown(UnknownCategory u) { unknown_ = u; }
  /// The number of one-hot inputs (Σ categories).
  [[nodiscard]] Index width() const;
  /// "column=value" for every one-hot input, in order.
  [[nodiscard]] std::vector<std::string> feature_names() const;
  [[nodiscard]] bool empty() const { return features_.empty(); }

 private:
  std::vector<CategoricalFeature> features_;
  UnknownCategory unknown_ = UnknownCategory::ignore;
};

}  // namespace mlp::data
