#include "mlp/core/json.hpp"

#include <fmt/format.h>

#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

namespace mlp {

JsonError::JsonError(std::string_view where, Kind kind, std::string detail,
                     std::optional<std::size_t> offset, std::string key, int level)
    : DataError(fmt::format("{}: {}{}{}", where, kind == Kind::syntax ? "invalid JSON: " : "",
                            detail, offset ? fmt::format(" at byte {}", *offset) : std::string())),
      kind_(kind),
      detail_(std::move(detail)),
      offset_(offset),
      key_(std::move(key)),
      level_(level) {}

namespace {

/// An iterator over the text that records how far the parser has read it: nlohmann's lexer
/// reads one character at a time and calls the callback for '[' / '{' right after reading
/// the bracket, so the last character read is the bracket that opens the new level.
class Reading {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  Reading() = default;
  Reading(const char* at, const char** furthest) : at_(at), furthest_(furthest) {}
  reference operator*() const { return *at_; }
  Reading& operator++() {
    ++at_;
    if (furthest_ != nullptr) *furthest_ = at_;
    return *this;
  }
  Reading operator++(int) {
    Reading before = *this;
    ++*this;
    return before;
  }
  friend bool operator==(const Reading& a, const Reading& b) { return a.at_ == b.at_; }

 private:
  const char* at_ = nullptr;
  const char** furthest_ = nullptr;
};

/// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
/// column 5: " prefix.
std::string library_reason(const char* what) {
  std::string reason = what;
  if (const auto bracket = reason.find("] "); bracket != std::string::npos) {
    reason.erase(0, bracket + 2);
  }
  if (reason.rfind("parse error", 0) == 0) {
    if (const auto colon = reason.find(": "); colon != std::string::npos) reason.erase(0, colon + 2);
  }
  return reason;
}

template <class Json>
Json parse_limited(std::string_view text, std::string_view where) {
  using Event = typename Json::parse_event_t;
  const char* furthest = text.data();
  const auto last_read = [&]() -> std::size_t {
    const auto read = static_cast<std::size_t>(furthest - text.data());
    return read > 0 ? read - 1 : 0;
  };
  // The keys seen so far in each open object, innermost last.
  std::vector<std::set<std::string>> open_objects;
  const typename Json::parser_callback_t on_event = [&](int depth, Event event, Json& parsed) {
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        // `depth` counts the levels already open; this event opens level depth + 1.
        if (depth + 1 > kMaxJsonDepth) {
          throw JsonError(where, JsonError::Kind::too_deep,
                          fmt::format("JSON nests deeper than {} levels", kMaxJsonDepth),
                          last_read());
        }
        if (event == Event::object_start) open_objects.emplace_back();
        break;
      case Event::object_end:
        open_objects.pop_back();
        break;
      case Event::key: {
        auto key = parsed.template get<std::string>();
        if (!open_objects.back().insert(key).second) {
          const int level = static_cast<int>(open_objects.size());
          std::string detail = fmt::format("duplicate key '{}'", key);
          throw JsonError(where, JsonError::Kind::duplicate_key, std::move(detail), std::nullopt,
                          std::move(key), level);
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return Json::parse(Reading(text.data(), &furthest), Reading(text.data() + text.size(), nullptr),
                       on_event, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const typename Json::parse_error& e) {
    std::optional<std::size_t> offset;
    if (e.byte > 0) offset = e.byte - 1;
    throw JsonError(where, JsonError::Kind::syntax, library_reason(e.what()), offset);
  } catch (const typename Json::exception& e) {  // out_of_range.406: a number overflows a double
    throw JsonError(where, JsonError::Kind::syntax, library_reason(e.what()), std::nullopt);
  }
}

}  // namespace

nlohmann::json parse_json(std::string_view text, std::string_view where) {
  return parse_limited<nlohmann::json>(text, where);
}

nlohmann::ordered_json parse_ordered_json(std::string_view text, std::string_view where) {
  return parse_limited<nlohmann::ordered_json>(text, where);
}

}  // namespace mlp
