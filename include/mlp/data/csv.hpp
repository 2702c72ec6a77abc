// CSV input (RFC 4180) — a small strict reader of our own, and the loader that turns a file
// into a Dataset. Conventions (docs/data.md):
//  - the first record is the header; a UTF-8 byte-order mark before it is skipped;
//  - records end with LF or CRLF (a bare CR outside quotes is an error); the last record may
//    lack a final newline; lines with no characters at all are skipped (anywhere);
//  - fields may be quoted: "a,b", "say ""hi""", a newline inside quotes (CRLF inside quotes is
//    stored as LF); a quote inside an unquoted field is an error;
//  - numbers are parsed by std::from_chars (locale-independent, scientific notation, an
//    optional leading '+'); no spaces, no hex, no thousands separators; each value must fit
//    in float32; empty fields, nan and inf are "missing" (error by default);
//  - string class labels are numbered in sorted (byte-wise) order, numeric labels in
//    ascending numeric order; class_names keeps that order for the model file;
//  - memory is bounded: a field or a record longer than the limits is an error.
// Error messages: `file:line:col: error: ...`; line = physical line (1-based), col = byte
// column (1-based) where the field starts; field number and column name in the text.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/data/dataset.hpp"

namespace mlp::data {

/// Most distinct integer values an automatic task reads as class labels (docs/data.md).
inline constexpr std::size_t kMaxIntegerClasses = 20;

struct CsvOptions {
  /// Target column(s) by name. Empty: the last column is the target.
  std::vector<std::string> targets;
  /// Columns to ignore (their contents are not even parsed).
  std::vector<std::string> drop;
  /// nullopt = automatic: a target column whose values are all text -> classification; one
  /// target column of integers with at most kMaxIntegerClasses distinct values, and at most
  /// half as many as rows -> classification (Dataset::task_decision says so); other numbers
  /// -> regression (a mix of numbers and text is an error). Classification needs exactly one
  /// target.
  std::optional<Task> task;
  /// For an automatic task (task unset): what numeric targets are, when something else already
  /// says so (a loss or output layer chosen for the model); nullopt = the integer-label rule.
  /// Text targets are class labels whatever this says.
  std::optional<Task> numeric_task;
  /// keep_nan: a missing feature value is read as NaN, for imputation after the split
  /// (data::impute_means); a missing target value is still an error.
  enum class Missing { error, drop_row, keep_nan };
  /// What to do with an empty, nan or inf value in a used column.
  Missing missing = Missing::error;
  /// Feature columns holding text (docs/data.md, "Categorical columns"): error = text in a
  /// feature is an error naming the cell; automatic = a feature column whose first data row
  /// holds text (not a number, not empty/nan/inf) is categorical, read as text into
  /// Dataset::categorical (a later text value in a column that began with a number is an
  /// error saying to list the column in `categorical_columns`).
  enum class Categorical { error, automatic };
  Categorical categorical = Categorical::error;
  /// Feature columns read as categories whatever they hold (e.g. integer-coded zip codes).
  std::vector<std::string> categorical_columns;
  /// A column of per-example weights (non-negative, finite, not all zero): not a feature;
  /// read into Dataset::weights. Empty: none.
  std::string weight;
  std::size_t max_field_bytes = std::size_t{1} << 20;   ///< longest field
  std::size_t max_record_bytes = std::size_t{1} << 20;  ///< longest record (line)
};

/// What a trained model expects of a prediction input.
struct CsvSchema {
  Task task = Task::regression;
  std::vector<std::string> feature_names;  ///< columns that must be present, in model order
  std::vector<std::string> target_names;   ///< read if present in the file (optional)
  std::vector<std::string> class_names;    ///< classification: the known labels
  /// Columns read as text into Dataset::categorical (the model's categorical inputs).
  std::vector<std::string> categorical_names;
};

/// Loads a CSV file. `path` "-" reads standard input. Throws InputError (missing/unreadable
/// file), DataError (malformed content), ConfigError (unknown target/drop column).
[[nodiscard]] Dataset load_csv(const std::filesystem::path& path, const CsvOptions& options = {});
/// The same, on text in memory; `source_name` stands for the file name in messages.
[[nodiscard]] Dataset parse_csv(std::string_view text, std::string_view source_name,
                                const CsvOptions& options = {});

/// Loads input for a trained model: the feature columns by name (in the model's order; other
/// columns are ignored), the targets only if their columns are present; class labels mapped
/// with the model's class_names (an unseen label is an error naming it).
[[nodiscard]] Dataset load_csv(const std::filesystem::path& path, const CsvSchema& schema,
                               const CsvOptions& options = {});
[[nodiscard]] Dataset parse_csv(std::string_view text, std::string_view source_name,
                                const CsvSchema& schema, const CsvOptions& options = {});

/// Receives a block of rows: the Dataset of those rows (as load_csv would give for them alone)
/// and how many data rows came before it (the block's first row is row first_row + 1).
using CsvBlockSink = std::function<void(const Dataset& block, std::size_t first_row)>;
/// Input for a trained model, as load_csv(path, schema, options), read while it arrives: every
/// `block_rows` rows (and the rest at the end) are handed to `sink` and then dropped, so memory
/// stays bounded for any input length (an endless stdin included). The same checks and errors
/// as load_csv, each thrown when its row is read (after the blocks before it were handed over).
/// Throws ConfigError if block_rows is 0.
void stream_csv(const std::filesystem::path& path, const CsvSchema& schema,
                const CsvOptions& options, std::size_t block_rows, const CsvBlockSink& sink);
/// The same, on text in memory; `source_name` stands for the file name in messages.
void stream_csv(std::string_view text, std::string_view source_name, const CsvSchema& schema,
                const CsvOptions& options, std::size_t block_rows, const CsvBlockSink& sink);

// ---- the record reader --------------------------------------------------------------------

struct CsvField {
  std::string_view text;  ///< unescaped contents (valid until the next record)
  std::size_t line;       ///< physical line where the field starts (1-based)
  std::size_t col;        ///< byte column where the field starts (1-based)
  bool quoted;
};

struct CsvRecord {
  std::vector<CsvField> fields;
  std::size_t line = 0;  ///< physical line where the record starts
};

/// Push parser: feed() bytes in any chunks, then finish(). Each complete record is handed to
/// the callback (the record and its fields are reused, copy what you keep). Throws DataError.
class CsvReader {
 public:
  using Callback = std::function<void(const CsvRecord&)>;
  CsvReader(std::string source_name, Callback on_record, std::size_t max_field_bytes = 1u << 20,
            std::size_t max_record_bytes = 1u << 20);
  void feed(std::string_view chunk);
  void finish();

 private:
  enum class State { field_start, unquoted, quoted, quoted_cr, quote_in_quoted, after_cr };
  void start_field(bool quoted);
  void end_field();
  void end_record();
  /// LF outside quotes: ends the field and the record; the next line begins.
  void end_line();
  /// After an unquoted field or a closing quote: ',' ends the field, LF the record, CR starts a
  /// line ending. False for any other byte (the caller decides what it means).
  bool ends_field(char c);
  void push(char c);
  [[noreturn]] void fail(std::size_t line, std::size_t col, const std::string& what) const;

  std::string source_;
  Callback on_record_;
  std::size_t max_field_;
  std::size_t max_record_;
  State state_ = State::field_start;
  bool bom_checked_ = false;
  std::string bom_buffer_;
  std::size_t line_ = 1, col_ = 0;  // position of the byte being read
  std::string buffer_;              // unescaped text of the current record's fields
  struct Span {
    std::size_t begin, line, col;
    bool quoted;
  };
  std::vector<Span> spans_;
  std::size_t record_bytes_ = 0;
  std::size_t record_line_ = 1;
  CsvRecord record_;
};

/// Splits the whole text into records (all fields copied); for tests and small inputs.
[[nodiscard]] std::vector<std::vector<std::string>> read_csv_records(
    std::string_view text, std::string_view source_name = "<memory>");

/// One field written as RFC 4180 requires: quoted (with "" for ") when it contains a comma,
/// a quote, CR or LF, or is empty-looking ambiguous; otherwise as is.
[[nodiscard]] std::string csv_quote(std::string_view field);
/// One record: quoted fields joined by commas, ended by "\n".
[[nodiscard]] std::string csv_row(const std::vector<std::string>& fields);

/// A field read as a number with std::from_chars (see the conventions above).
struct ParsedNumber {
  enum class Status {
    ok,            ///< a finite number that fits in double
    empty,         ///< empty field (missing)
    non_finite,    ///< nan / inf / infinity, any case, signed (missing)
    out_of_range,  ///< e.g. 1e400: does not fit in double
    invalid,       ///< not exactly one number (abc, 1e, --3, 0x10, " 7 ")
  };
  Status status;
  double value;  ///< set when status == ok
};
[[nodiscard]] ParsedNumber parse_number(std::string_view text);

}  // namespace mlp::data
