// The one way mlp reads JSON text from a file (model metadata, checkpoint state, metrics.jsonl
// lines): nlohmann's parser with a parser callback that
//   - refuses nesting deeper than kMaxJsonDepth arrays/objects as soon as the parser opens the
//     level past the limit, so no hostile text (`[` x 100 000) can exhaust the stack in the
//     recursive parts of the library (dump(), copies, comparisons) or the memory of the parser;
//   - refuses a key repeated inside one object at any level (nlohmann would silently keep one
//     of the values).
// Errors are JsonError (a DataError, exit 65) `WHERE: what`, carrying the kind of problem and
// its byte offset so that a caller can say it in its own terms (file byte, line:column).
// Using this header needs nlohmann_json (linked by mlp::core).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "mlp/core/error.hpp"

namespace mlp {

/// The deepest nesting of arrays and objects accepted in any JSON text mlp reads. mlp itself
/// writes at most 3 levels (the model header, metrics lines); 64 leaves room for any future
/// field while keeping every recursion over a parsed value shallow.
inline constexpr int kMaxJsonDepth = 64;

/// A JSON text that cannot be used: invalid syntax (or a number out of range), nesting deeper
/// than kMaxJsonDepth, or a duplicate key.
class JsonError : public DataError {
 public:
  enum class Kind { syntax, too_deep, duplicate_key };

  /// The message is "WHERE: invalid JSON: DETAIL" (syntax) or "WHERE: DETAIL", followed by
  /// " at byte OFFSET" when the offset is known.
  JsonError(std::string_view where, Kind kind, std::string detail,
            std::optional<std::size_t> offset, std::string key = {}, int level = 0);

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  /// What is wrong, without the place: the parser's words for a syntax error ("syntax error
  /// while parsing value - invalid literal; last read: 'x'"), "JSON nests deeper than 64
  /// levels", "duplicate key 'k'".
  [[nodiscard]] const std::string& detail() const noexcept { return detail_; }
  /// 0-based byte offset in the text of the character found wrong (the bracket that opens one
  /// level too many, the last character read for a syntax error); empty when unknown.
  [[nodiscard]] std::optional<std::size_t> offset() const noexcept { return offset_; }
  /// kind() == duplicate_key: the key, and the nesting level of its object (1 = the top level).
  [[nodiscard]] const std::string& key() const noexcept { return key_; }
  [[nodiscard]] int level() const noexcept { return level_; }

 private:
  Kind kind_;
  std::string detail_;
  std::optional<std::size_t> offset_;
  std::string key_;
  int level_;
};

/// Parses `text` (read from `where`: a file name, "model.mlp: metadata mlp.model",
/// "metrics.jsonl:7") as one JSON value. Throws JsonError.
[[nodiscard]] nlohmann::json parse_json(std::string_view text, std::string_view where);
/// The same, keeping the order of object keys.
[[nodiscard]] nlohmann::ordered_json parse_ordered_json(std::string_view text,
                                                        std::string_view where);

}  // namespace mlp
