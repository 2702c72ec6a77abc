// From CSV records to a Dataset: column roles from the header, numbers checked field by field,
// class labels numbered in sorted order.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "io.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"

namespace mlp::data {
namespace {

using Status = ParsedNumber::Status;

struct TargetCell {
  std::string text;
  std::size_t line, col;
  ParsedNumber number;
};

class Loader {
 public:
  Loader(std::string source, const CsvOptions& opts, const CsvSchema* schema)
      : source_(std::move(source)), opts_(opts), schema_(schema) {}

  /// Streaming: every `block_rows` rows (and the rest at the end) go to `sink` as a Dataset,
  /// and are then forgotten, so memory does not grow with the input.
  void stream_to(std::size_t block_rows, const CsvBlockSink* sink) {
    block_rows_ = block_rows;
    sink_ = sink;
  }

  void on_record(const CsvRecord& r) {
    if (header_.empty()) {
      read_header(r);
    } else {
      read_row(r);
    }
  }

  Dataset finish() {
    if (header_.empty()) {
      throw DataError(fmt::format("{}: error: no data rows (the file is empty)", source_));
    }
    if (sink_ != nullptr) {
      if (rows_ > 0) emit_block();
      if (rows_before_ > 0) return {};
    }
    if (rows_ == 0) {
      throw DataError(fmt::format(
          "{}: error: no data rows (only the header{})", source_,
          dropped_rows_ > 0 ? fmt::format("; {} rows dropped for missing values", dropped_rows_)
                            : std::string()));
    }
    return build();
  }

 private:
  /// The rows read so far (since the last block) as a Dataset.
  Dataset build() {
    Dataset ds;
    ds.source = source_;
    const auto m = static_cast<Index>(rows_);
    const auto nf = static_cast<Index>(feature_cols_.size());
    ds.X = Eigen::Map<const MatrixF>(features_.data(), nf, m);
    for (const auto c : feature_cols_) ds.feature_names.push_back(header_[c]);
    for (const auto c : target_cols_) ds.target_names.push_back(header_[c]);
    ds.categorical = categorical_;
    ds.weights = weights_;
    if (weight_col_ != kNone && rows_before_ == 0 && !weights_.empty() &&
        std::all_of(weights_.begin(), weights_.end(), [](float w) { return w == 0.0f; })) {
      fail(header_line_, weight_header_col_,
           fmt::format("{}: every weight is 0, so no example would count in the cost; give "
                       "the examples positive weights",
                       column_label(weight_col_)));
    }
    if (target_cols_.empty()) {
      ds.task = schema_ ? schema_->task : Task::regression;
      if (schema_) ds.class_names = schema_->class_names;
      return ds;
    }
    ds.task = decide_task();
    ds.task_decision = task_decision_;
    if (ds.task == Task::regression) {
      build_regression(ds);
    } else {
      build_classification(ds);
    }
    return ds;
  }

  void emit_block() {
    const Dataset block = build();
    (*sink_)(block, rows_before_);
    rows_before_ += rows_;
    rows_ = 0;
    features_.clear();
    targets_.clear();
    weights_.clear();
    for (auto& c : categorical_) {
      c.values.clear();
      c.where.clear();
    }
  }

  [[noreturn]] void fail(std::size_t line, std::size_t col, const std::string& what) const {
    if (col == 0) throw DataError(fmt::format("{}:{}: error: {}", source_, line, what));
    throw DataError(fmt::format("{}:{}:{}: error: {}", source_, line, col, what));
  }

  std::string column_label(std::size_t c) const {
    return fmt::format("column {} '{}'", c + 1, header_[c]);
  }

  std::size_t find_column(const std::string& name) const {
    for (std::size_t c = 0; c < header_.size(); ++c) {
      if (header_[c] == name) return c;
    }
    return header_.size();
  }

  [[noreturn]] void unknown_column(const std::string& what, const std::string& name) const {
    std::vector<std::string_view> cands(header_.begin(), header_.end());
    throw ConfigError(fmt::format("{}: error: {} column '{}' is not in the header{}; available "
                                  "columns: {}",
                                  source_, what, name, did_you_mean(name, cands),
                                  detail::join_names(header_, 50)));
  }

  void read_header(const CsvRecord& r) {
    std::map<std::string_view, std::size_t> seen;
    for (std::size_t c = 0; c < r.fields.size(); ++c) {
      const auto& f = r.fields[c];
      if (f.text.empty()) fail(f.line, f.col, fmt::format("column {} has an empty name", c + 1));
      if (!detail::valid_utf8(f.text)) {
        fail(f.line, f.col,
             fmt::format("column {} name {} is not valid UTF-8", c + 1,
                         detail::quote_bytes(f.text)));
      }
      const auto [it, inserted] = seen.emplace(f.text, c);
      if (!inserted) {
        fail(f.line, f.col,
             fmt::format("duplicate column name '{}' (columns {} and {}); column names must "
                         "be unique",
                         f.text, it->second + 1, c + 1));
      }
    }
    for (const auto& f : r.fields) header_.emplace_back(f.text);
    header_line_ = r.line;

    std::vector<bool> dropped(header_.size(), false);
    for (const auto& name : opts_.drop) {
      const std::size_t c = find_column(name);
      if (c == header_.size()) unknown_column("drop", name);
      dropped[c] = true;
    }
    for (const auto& f : r.fields) header_cols_.push_back(f.col);
    if (schema_ == nullptr) {
      plan_training(dropped);
    } else {
      plan_prediction(dropped);
    }
    row_features_.resize(feature_cols_.size());
    row_targets_.resize(target_cols_.size());
  }

  void plan_training(const std::vector<bool>& dropped) {
    if (opts_.targets.empty()) {
      for (std::size_t c = header_.size(); c-- > 0;) {
        if (!dropped[c]) {
          target_cols_.push_back(c);
          break;
        }
      }
    }
    for (const auto& name : opts_.targets) {
      const std::size_t c = find_column(name);
      if (c == header_.size()) unknown_column("target", name);
      if (dropped[c]) {
        throw ConfigError(fmt::format("{}: error: column '{}' is both a target and dropped",
                                      source_, name));
      }
      if (std::find(target_cols_.begin(), target_cols_.end(), c) != target_cols_.end()) {
        throw ConfigError(fmt::format("{}: error: target column '{}' given twice", source_, name));
      }
      target_cols_.push_back(c);
    }
    if (target_cols_.empty()) {
      throw ConfigError(fmt::format("{}: error: no target column (all columns dropped)", source_));
    }
    if (opts_.task == Task::classification && target_cols_.size() != 1) {
      throw ConfigError(fmt::format(
          "{}: error: classification needs exactly one target column, got {}; name one "
          "target column, or predict several numeric columns as a regression", source_,
          target_cols_.size()));
    }
    plan_weight_and_categories(dropped);
    for (std::size_t c = 0; c < header_.size(); ++c) {
      if (!dropped[c] && c != weight_col_ &&
          std::find(target_cols_.begin(), target_cols_.end(), c) == target_cols_.end() &&
          std::find(cat_cols_.begin(), cat_cols_.end(), c) == cat_cols_.end()) {
        feature_cols_.push_back(c);
      }
    }
    if (feature_cols_.empty() && cat_cols_.empty()) {
      throw ConfigError(fmt::format(
          "{}: error: no feature columns left after removing the target(s) and dropped "
          "columns; columns: {}",
          source_, detail::join_names(header_, 50)));
    }
  }

  /// The weight column (not a feature) and the columns named categorical (read as text).
  void plan_weight_and_categories(const std::vector<bool>& dropped) {
    const auto is_target = [&](std::size_t c) {
      return std::find(target_cols_.begin(), target_cols_.end(), c) != target_cols_.end();
    };
    if (!opts_.weight.empty()) {
      const std::size_t c = find_column(opts_.weight);
      if (c == header_.size()) unknown_column("weight", opts_.weight);
      if (dropped[c] || is_target(c)) {
        throw ConfigError(fmt::format("{}: error: the weight column '{}' is also {}; the weight "
                                      "column must be a column of its own",
                                      source_, opts_.weight, dropped[c] ? "dropped" : "a target"));
      }
      weight_col_ = c;
      weight_header_col_ = header_cols_[c];
    }
    for (const auto& name : opts_.categorical_columns) {
      const std::size_t c = find_column(name);
      if (c == header_.size()) unknown_column("categorical", name);
      if (dropped[c] || is_target(c) || c == weight_col_) {
        throw ConfigError(fmt::format(
            "{}: error: categorical column '{}' is {}; data.categorical lists feature columns",
            source_, name, dropped[c] ? "dropped" : is_target(c) ? "a target" : "the weight column"));
      }
      add_categorical(c);
    }
  }

  void add_categorical(std::size_t c) {
    cat_cols_.push_back(c);
    CategoricalColumn col;
    col.name = header_[c];
    categorical_.push_back(std::move(col));
  }

  /// data.categorical = "auto": a feature column whose first data row holds text becomes
  /// categorical (decided once, on the first row read).
  void decide_categorical(const CsvRecord& r) {
    decided_ = true;
    if (schema_ != nullptr || opts_.categorical != CsvOptions::Categorical::automatic) return;
    std::vector<std::size_t> numeric;
    for (const std::size_t c : feature_cols_) {
      if (parse_number(r.fields[c].text).status == Status::invalid) {
        add_categorical(c);
      } else {
        numeric.push_back(c);
      }
    }
    feature_cols_ = std::move(numeric);
    // Categorical columns in file order, whether named or found.
    std::sort(cat_cols_.begin(), cat_cols_.end());
    for (std::size_t k = 0; k < cat_cols_.size(); ++k) categorical_[k].name = header_[cat_cols_[k]];
    first_row_line_ = r.line;
    row_features_.resize(feature_cols_.size());
  }

  void plan_prediction(const std::vector<bool>& dropped) {
    std::vector<std::string> missing;
    for (const auto& name : schema_->feature_names) {
      const std::size_t c = find_column(name);
      if (c == header_.size() || dropped[c]) {
        missing.push_back(name);
      } else {
        feature_cols_.push_back(c);
      }
    }
    for (const auto& name : schema_->categorical_names) {
      const std::size_t c = find_column(name);
      if (c == header_.size() || dropped[c]) {
        missing.push_back(name);
      } else {
        add_categorical(c);
      }
    }
    if (!missing.empty()) {
      throw DataError(fmt::format(
          "{}:{}: error: missing feature column(s) the model was trained on: {}; the file has: "
          "{}",
          source_, header_line_, detail::join_names(missing), detail::join_names(header_, 50)));
    }
    std::size_t present = 0;
    for (const auto& name : schema_->target_names) {
      const std::size_t c = find_column(name);
      if (c != header_.size() && !dropped[c]) ++present;
    }
    if (present == schema_->target_names.size() && present > 0) {
      for (const auto& name : schema_->target_names) target_cols_.push_back(find_column(name));
    } else if (present > 0) {
      throw DataError(fmt::format("{}:{}: error: only some of the target columns ({}) are present",
                                  source_, header_line_, detail::join_names(schema_->target_names)));
    }
  }

  /// Returns false if the value is missing (empty / nan / inf) and rows with missing values
  /// are dropped; a missing feature is NaN under keep_nan; throws on anything else that is not
  /// a float32 number.
  bool number(const CsvField& f, std::size_t c, const ParsedNumber& p, float& out,
              bool target = false) const {
    switch (p.status) {
      case Status::ok: {
        out = static_cast<float>(p.value);
        if (!std::isfinite(out)) {
          fail(f.line, f.col,
               fmt::format("{}: value {} does not fit in float32 (largest magnitude {:g})",
                           column_label(c), detail::quote_bytes(f.text),
                           std::numeric_limits<float>::max()));
        }
        return true;
      }
      case Status::empty:
      case Status::non_finite:
        if (opts_.missing == CsvOptions::Missing::drop_row) return false;
        if (opts_.missing == CsvOptions::Missing::keep_nan) {
          if (!target) {
            out = std::numeric_limits<float>::quiet_NaN();
            return true;
          }
          fail(f.line, f.col,
               fmt::format("{}: missing target value ({}); missing = mean fills in features "
                           "only — drop such rows with missing = drop_row",
                           column_label(c),
                           p.status == Status::empty ? std::string("empty field")
                                                     : detail::quote_bytes(f.text)));
        }
        fail(f.line, f.col,
             fmt::format("{}: missing value ({}); expected a finite number (or set "
                         "data.missing = \"drop_row\" to drop such rows, or \"mean\" to fill "
                         "in the feature's training mean)",
                         column_label(c),
                         p.status == Status::empty ? std::string("empty field")
                                                   : detail::quote_bytes(f.text)));
      case Status::out_of_range:
        fail(f.line, f.col,
             fmt::format("{}: number {} is out of range", column_label(c),
                         detail::quote_bytes(f.text)));
      case Status::invalid:
        break;
    }
    const std::string what = fmt::format("{}: expected a number, found {}", column_label(c),
                                         detail::quote_bytes(f.text));
    if (target) fail(f.line, f.col, what);
    // A feature holding text: feature columns are read as numbers only, so the text must become
    // numbers before mlp reads the file, or the column must stay out of the features.
    if (schema_ != nullptr) {
      fail(f.line, f.col,
           fmt::format("{}; '{}' is a numeric feature (numbers in the training data), so it "
                       "must hold numbers here too: encode its values as numbers the way the "
                       "training data does (text is not read as a category)",
                       what, header_[c]));
    }
    if (opts_.categorical == CsvOptions::Categorical::automatic) {
      fail(f.line, f.col,
           fmt::format("{}; '{}' holds a number in its first row (line {}), so it was read as a "
                       "numeric feature: fix the value, or read every value of the column as a "
                       "category with data.categorical = [\"{}\"]",
                       what, header_[c], first_row_line_, header_[c]));
    }
    fail(f.line, f.col,
         fmt::format("{}; feature columns must hold numbers and text is not read as a category: "
                     "encode '{}' as numbers (e.g. one 0/1 column per value), leave it out with "
                     "data.drop = [\"{}\"], or, if it is what to predict, make it the target "
                     "with data.target = \"{}\"; or read its values as categories with "
                     "data.categorical = \"auto\" (or [\"{}\"])",
                     what, header_[c], header_[c], header_[c], header_[c]));
  }

  /// A sample weight: a finite number >= 0 (never missing, whatever data.missing says).
  float read_weight(const CsvField& f) const {
    const ParsedNumber p = parse_number(f.text);
    const float w = p.status == Status::ok ? static_cast<float>(p.value) : 0.0f;
    if (p.status != Status::ok || !std::isfinite(w) || !(w >= 0.0f)) {
      fail(f.line, f.col,
           fmt::format("{}: weight {} is not a finite number >= 0; sample weights must be "
                       "non-negative finite numbers (0 leaves the example out of the cost)",
                       column_label(weight_col_),
                       f.text.empty() ? std::string("(empty)") : detail::quote_bytes(f.text)));
    }
    return w;
  }

  void read_row(const CsvRecord& r) {
    if (r.fields.size() != header_.size()) {
      fail(r.line, 0,
           fmt::format("expected {} fields, found {}", header_.size(), r.fields.size()));
    }
    if (!decided_) decide_categorical(r);
    bool keep = true;
    float weight = 1.0f;
    if (weight_col_ != kNone) weight = read_weight(r.fields[weight_col_]);
    for (std::size_t k = 0; k < feature_cols_.size(); ++k) {
      const std::size_t c = feature_cols_[k];
      const auto& f = r.fields[c];
      keep = number(f, c, parse_number(f.text), row_features_[k]) && keep;
    }
    for (std::size_t k = 0; k < target_cols_.size(); ++k) {
      const std::size_t c = target_cols_[k];
      const auto& f = r.fields[c];
      auto& cell = row_targets_[k];
      cell.text.assign(f.text);
      cell.line = f.line;
      cell.col = f.col;
      cell.number = parse_number(f.text);
      if (cell.number.status == Status::empty || cell.number.status == Status::non_finite) {
        float unused = 0;
        keep = number(f, c, cell.number, unused, /*target=*/true) && keep;
      }
    }
    if (!keep) {
      ++dropped_rows_;
      return;
    }
    features_.insert(features_.end(), row_features_.begin(), row_features_.end());
    for (const auto& cell : row_targets_) targets_.push_back(cell);
    if (weight_col_ != kNone) weights_.push_back(weight);
    for (std::size_t k = 0; k < cat_cols_.size(); ++k) {
      // Categories are text as written (an empty cell is the category ""); valid UTF-8.
      const auto& f = r.fields[cat_cols_[k]];
      if (!detail::valid_utf8(f.text)) {
        fail(f.line, f.col,
             fmt::format("{}: category {} is not valid UTF-8", column_label(cat_cols_[k]),
                         detail::quote_bytes(f.text)));
      }
      categorical_[k].values.emplace_back(f.text);
      categorical_[k].where.push_back({f.line, f.col});
    }
    ++rows_;
    if (sink_ != nullptr && rows_ == block_rows_) emit_block();
  }

  const TargetCell& cell(std::size_t row, std::size_t k) const {
    return targets_[row * target_cols_.size() + k];
  }

  Task decide_task() {
    if (schema_ != nullptr) return schema_->task;
    if (opts_.task) return *opts_.task;
    bool any_text = false;
    for (std::size_t k = 0; k < target_cols_.size(); ++k) {
      const TargetCell* first_number = nullptr;
      const TargetCell* first_text = nullptr;
      for (std::size_t i = 0; i < rows_; ++i) {
        const auto& t = cell(i, k);
        if (t.number.status == Status::invalid) {
          if (!first_text) first_text = &t;
        } else if (!first_number) {
          first_number = &t;
        }
      }
      if (first_text && first_number) {
        fail(first_text->line, first_text->col,
             fmt::format("{}: the target mixes numbers (e.g. {} on line {}) and text ({}); fix "
                         "the value, or set the task to classification to treat every value "
                         "as a class name",
                         column_label(target_cols_[k]), detail::quote_bytes(first_number->text),
                         first_number->line, detail::quote_bytes(first_text->text)));
      }
      any_text = any_text || first_text != nullptr;
    }
    if (any_text && target_cols_.size() != 1) {
      throw ConfigError(fmt::format(
          "{}: error: text class labels need exactly one target column, got {}; name one "
          "target column to classify (several target columns must all be numeric: a "
          "multi-target regression)", source_, target_cols_.size()));
    }
    if (any_text) return Task::classification;
    if (opts_.numeric_task == Task::classification && target_cols_.size() != 1) {
      throw ConfigError(fmt::format(
          "{}: error: the model is a classifier (its loss or output layer says so), which "
          "predicts one label column, but {} target columns are given; name one target column, "
          "or use a regression loss and output to predict every column", source_,
          target_cols_.size()));
    }
    if (opts_.numeric_task) return *opts_.numeric_task;
    return integer_labels_task();
  }

  /// Numeric targets: classification when there is one target column whose values are all
  /// integers with few distinct values (kMaxIntegerClasses at most, and at most half the rows:
  /// every class seen at least twice on average), as scikit-learn's type_of_target calls an
  /// integer-valued y multiclass; regression otherwise. Sets task_decision_ to say why.
  Task integer_labels_task() {
    if (target_cols_.size() != 1 || rows_ == 0) return Task::regression;
    std::set<double> values;
    for (std::size_t i = 0; i < rows_; ++i) {
      const double v = cell(i, 0).number.value;
      if (!(std::isfinite(v) && v == std::round(v) && std::abs(v) < 1e15)) return Task::regression;
      values.insert(v);
      if (values.size() > kMaxIntegerClasses) return Task::regression;
    }
    if (values.size() < 2 || values.size() * 2 > rows_) return Task::regression;
    task_decision_ = fmt::format(
        "{} holds {} distinct integers ({} … {}): classification. Set data.task = "
        "\"regression\" to predict it as a number",
        column_label(target_cols_[0]), values.size(), *values.begin(), *values.rbegin());
    return Task::classification;
  }

  void build_regression(Dataset& ds) const {
    const auto nt = static_cast<Index>(target_cols_.size());
    ds.Y.resize(nt, static_cast<Index>(rows_));
    for (std::size_t i = 0; i < rows_; ++i) {
      for (std::size_t k = 0; k < target_cols_.size(); ++k) {
        const auto& t = cell(i, k);
        float v = 0;
        number(CsvField{t.text, t.line, t.col, false}, target_cols_[k], t.number, v, /*target=*/true);
        ds.Y(static_cast<Index>(k), static_cast<Index>(i)) = v;
      }
    }
  }

  void build_classification(Dataset& ds) const {
    ds.labels.resize(rows_);
    bool all_numeric = true;
    for (std::size_t i = 0; i < rows_; ++i) {
      all_numeric = all_numeric && cell(i, 0).number.status == Status::ok;
    }
    if (schema_ != nullptr) {
      map_known_labels(ds, all_numeric);
      return;
    }
    if (all_numeric) {
      // Numeric labels: classes in ascending numeric order, named by the shortest decimal
      // that reads back as the same double ("3", "0.5").
      std::set<double> values;
      for (std::size_t i = 0; i < rows_; ++i) values.insert(cell(i, 0).number.value);
      std::map<double, std::int32_t> index;
      for (const double v : values) {
        index.emplace(v, static_cast<std::int32_t>(ds.class_names.size()));
        ds.class_names.push_back(fmt::format("{}", v));
      }
      for (std::size_t i = 0; i < rows_; ++i) ds.labels[i] = index.at(cell(i, 0).number.value);
      return;
    }
    // Text labels: classes in byte-wise sorted order.
    std::map<std::string_view, std::int32_t> index;
    for (std::size_t i = 0; i < rows_; ++i) {
      const auto& t = cell(i, 0);
      if (index.emplace(t.text, 0).second && !detail::valid_utf8(t.text)) {
        fail(t.line, t.col,
             fmt::format("{}: class label {} is not valid UTF-8", column_label(target_cols_[0]),
                         detail::quote_bytes(t.text)));
      }
    }
    for (auto& [name, k] : index) {
      k = static_cast<std::int32_t>(ds.class_names.size());
      ds.class_names.emplace_back(name);
    }
    for (std::size_t i = 0; i < rows_; ++i) ds.labels[i] = index.at(cell(i, 0).text);
  }

  void map_known_labels(Dataset& ds, bool all_numeric) const {
    ds.class_names = schema_->class_names;
    std::map<std::string_view, std::int32_t> by_name;
    std::map<double, std::int32_t> by_value;
    for (std::size_t k = 0; k < ds.class_names.size(); ++k) {
      const auto idx = static_cast<std::int32_t>(k);
      by_name.emplace(ds.class_names[k], idx);
      const auto p = parse_number(ds.class_names[k]);
      if (p.status == Status::ok) by_value.emplace(p.value, idx);
    }
    for (std::size_t i = 0; i < rows_; ++i) {
      const auto& t = cell(i, 0);
      if (const auto it = by_name.find(t.text); it != by_name.end()) {
        ds.labels[i] = it->second;
        continue;
      }
      if (all_numeric) {
        if (const auto it = by_value.find(t.number.value); it != by_value.end()) {
          ds.labels[i] = it->second;
          continue;
        }
      }
      fail(t.line, t.col,
           fmt::format("{}: class label {} was not seen in training; known classes: {}",
                       column_label(target_cols_[0]), detail::quote_bytes(t.text),
                       detail::join_names(ds.class_names, 50)));
    }
  }

  std::string source_;
  const CsvOptions& opts_;
  const CsvSchema* schema_;
  std::vector<std::string> header_;
  std::size_t header_line_ = 0;
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> feature_cols_, target_cols_;
  std::vector<std::size_t> cat_cols_;           // categorical columns, in Dataset::categorical order
  std::vector<CategoricalColumn> categorical_;  // their cells (since the last block)
  std::vector<std::size_t> header_cols_;        // byte column of each header field
  std::size_t weight_col_ = kNone;
  std::size_t weight_header_col_ = 0;
  std::vector<float> weights_;
  bool decided_ = false;            // the first data row has decided the categorical columns
  std::size_t first_row_line_ = 0;
  std::vector<float> row_features_;
  std::vector<TargetCell> row_targets_;
  std::vector<float> features_;  // column-major n_features x m, one example after another
  std::vector<TargetCell> targets_;
  std::size_t rows_ = 0;
  std::size_t dropped_rows_ = 0;
  std::string task_decision_;  // why an automatic task is classification (integer labels)
  std::size_t block_rows_ = 0;
  const CsvBlockSink* sink_ = nullptr;
  std::size_t rows_before_ = 0;  // rows handed over in earlier blocks
};

template <class Feed>
Dataset load(std::string source, const CsvOptions& opts, const CsvSchema* schema, Feed&& feed,
             std::size_t block_rows = 0, const CsvBlockSink* sink = nullptr) {
  Loader loader(source, opts, schema);
  loader.stream_to(block_rows, sink);
  CsvReader reader(
      source, [&](const CsvRecord& r) { loader.on_record(r); }, opts.max_field_bytes,
      opts.max_record_bytes);
  feed(reader);
  reader.finish();
  return loader.finish();
}

}  // namespace

Dataset parse_csv(std::string_view text, std::string_view source_name, const CsvOptions& options) {
  return load(std::string(source_name), options, nullptr,
              [&](CsvReader& reader) { reader.feed(text); });
}

Dataset parse_csv(std::string_view text, std::string_view source_name, const CsvSchema& schema,
                  const CsvOptions& options) {
  return load(std::string(source_name), options, &schema,
              [&](CsvReader& reader) { reader.feed(text); });
}

Dataset load_csv(const std::filesystem::path& path, const CsvOptions& options) {
  return load(detail::display_name(path), options, nullptr, [&](CsvReader& reader) {
    detail::read_chunks(path, std::size_t{1} << 16, [&](std::string_view c) { reader.feed(c); });
  });
}

Dataset load_csv(const std::filesystem::path& path, const CsvSchema& schema,
                 const CsvOptions& options) {
  return load(detail::display_name(path), options, &schema, [&](CsvReader& reader) {
    detail::read_chunks(path, std::size_t{1} << 16, [&](std::string_view c) { reader.feed(c); });
  });
}

void stream_csv(const std::filesystem::path& path, const CsvSchema& schema,
                const CsvOptions& options, std::size_t block_rows, const CsvBlockSink& sink) {
  if (block_rows == 0) throw ConfigError("stream_csv: block_rows must be at least 1");
  (void)load(
      detail::display_name(path), options, &schema,
      [&](CsvReader& reader) {
        detail::read_chunks(path, std::size_t{1} << 16,
                            [&](std::string_view c) { reader.feed(c); });
      },
      block_rows, &sink);
}

void stream_csv(std::string_view text, std::string_view source_name, const CsvSchema& schema,
                const CsvOptions& options, std::size_t block_rows, const CsvBlockSink& sink) {
  if (block_rows == 0) throw ConfigError("stream_csv: block_rows must be at least 1");
  (void)load(
      std::string(source_name), options, &schema, [&](CsvReader& reader) { reader.feed(text); },
      block_rows, &sink);
}

}  // namespace mlp::data
