// The RFC 4180 record reader: a byte-at-a-time state machine, fed in chunks, memory bounded
// by the field and record limits.
#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "io.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/core/error.hpp"

namespace mlp::data {

CsvReader::CsvReader(std::string source_name, Callback on_record, std::size_t max_field_bytes,
                     std::size_t max_record_bytes)
    : source_(std::move(source_name)),
      on_record_(std::move(on_record)),
      max_field_(max_field_bytes),
      max_record_(max_record_bytes) {}

void CsvReader::fail(std::size_t line, std::size_t col, const std::string& what) const {
  if (col == 0) throw DataError(fmt::format("{}:{}: error: {}", source_, line, what));
  throw DataError(fmt::format("{}:{}:{}: error: {}", source_, line, col, what));
}

void CsvReader::start_field(bool quoted) {
  spans_.push_back({buffer_.size(), line_, col_, quoted});
}

void CsvReader::end_field() {
  // Nothing to do: the next span (or the end of the buffer) ends this one.
}

void CsvReader::push(char c) {
  buffer_.push_back(c);
  if (buffer_.size() - spans_.back().begin > max_field_) {
    const auto& s = spans_.back();
    fail(s.line, s.col,
         fmt::format("field {} is longer than the limit of {} bytes (data.max_field_bytes)",
                     spans_.size(), max_field_));
  }
}

void CsvReader::end_line() {
  end_field();
  end_record();
  ++line_;
  col_ = 0;
  state_ = State::field_start;
}

bool CsvReader::ends_field(char c) {
  switch (c) {
    case ',':
      end_field();
      state_ = State::field_start;
      return true;
    case '\n': end_line(); return true;
    case '\r': state_ = State::after_cr; return true;
    default: return false;
  }
}

void CsvReader::end_record() {
  const bool blank = spans_.size() == 1 && !spans_[0].quoted && buffer_.empty();
  if (!blank) {
    record_.line = record_line_;
    record_.fields.resize(spans_.size());
    for (std::size_t i = 0; i < spans_.size(); ++i) {
      const std::size_t end = i + 1 < spans_.size() ? spans_[i + 1].begin : buffer_.size();
      record_.fields[i] = CsvField{std::string_view(buffer_).substr(spans_[i].begin,
                                                                    end - spans_[i].begin),
                                   spans_[i].line, spans_[i].col, spans_[i].quoted};
    }
    on_record_(record_);
  }
  buffer_.clear();
  spans_.clear();
  record_bytes_ = 0;
  record_line_ = line_ + 1;  // the terminating LF is on line_
}

void CsvReader::feed(std::string_view chunk) {
  if (!bom_checked_) {
    // The byte-order mark EF BB BF may arrive split over chunks.
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    while (!chunk.empty() && bom_buffer_.size() < 3) {
      bom_buffer_.push_back(chunk.front());
      chunk.remove_prefix(1);
      if (kBom.substr(0, bom_buffer_.size()) != bom_buffer_) break;
    }
    if (bom_buffer_.size() < 3 && kBom.substr(0, bom_buffer_.size()) == bom_buffer_) return;
    bom_checked_ = true;
    std::string pending;
    pending.swap(bom_buffer_);
    if (pending != kBom) feed(pending);  // not a BOM: those bytes are data
  }
  for (const char c : chunk) {
    ++col_;
    if (++record_bytes_ > max_record_) {
      fail(record_line_, 0,
           fmt::format("record is longer than the limit of {} bytes (data.max_record_bytes)",
                       max_record_));
    }
    if (c == '\0') fail(line_, col_, "NUL byte in the input (is this a binary file?)");
    switch (state_) {
      case State::field_start:
        if (spans_.empty()) record_line_ = line_;
        if (c == '"') {
          start_field(true);
          state_ = State::quoted;
          break;
        }
        start_field(false);
        state_ = State::unquoted;
        [[fallthrough]];
      case State::unquoted:
        if (ends_field(c)) break;
        if (c == '"') {
          fail(line_, col_,
               fmt::format("quote character inside unquoted field {}; quote the whole field "
                           "and double inner quotes (\"a\"\"b\")",
                           spans_.size()));
        }
        push(c);
        break;
      case State::quoted:
        if (c == '"') {
          state_ = State::quote_in_quoted;
        } else if (c == '\r') {
          state_ = State::quoted_cr;
        } else {
          push(c);
          if (c == '\n') {
            ++line_;
            col_ = 0;
          }
        }
        break;
      case State::quoted_cr:  // CRLF inside quotes is stored as LF, a lone CR as CR
        if (c == '\n') {
          push('\n');
          ++line_;
          col_ = 0;
          state_ = State::quoted;
        } else {
          push('\r');
          if (c == '"') {
            state_ = State::quote_in_quoted;
          } else {
            push(c);
            state_ = State::quoted;
          }
        }
        break;
      case State::quote_in_quoted:
        if (c == '"') {
          push('"');
          state_ = State::quoted;
        } else if (!ends_field(c)) {
          fail(line_, col_,
               fmt::format("unexpected {} after the closing quote of field {}; expected ',' "
                           "or end of line",
                           detail::quote_bytes(std::string_view(&c, 1)), spans_.size()));
        }
        break;
      case State::after_cr:
        if (c != '\n') {
          fail(line_, col_ - 1,
               "carriage return (CR) not followed by line feed; lines must end with LF or "
               "CRLF");
        }
        end_line();
        break;
    }
  }
}

void CsvReader::finish() {
  if (!bom_checked_) {
    bom_checked_ = true;
    std::string pending;
    pending.swap(bom_buffer_);
    if (pending != "\xEF\xBB\xBF") feed(pending);
  }
  switch (state_) {
    case State::quoted:
    case State::quoted_cr: {
      const auto& s = spans_.back();
      fail(s.line, s.col,
           fmt::format("unterminated quoted field {} (the quote opened here is never closed)",
                       spans_.size()));
    }
    case State::after_cr:
      fail(line_, col_, "carriage return (CR) at the end of the file without line feed");
    case State::field_start:
      if (spans_.empty()) break;  // at the start of a line: nothing pending
      start_field(false);         // "a,b," : the trailing empty field
      end_record();
      break;
    case State::unquoted:
    case State::quote_in_quoted:
      end_record();
      break;
  }
  state_ = State::field_start;
}

std::vector<std::vector<std::string>> read_csv_records(std::string_view text,
                                                       std::string_view source_name) {
  std::vector<std::vector<std::string>> out;
  CsvReader reader(std::string(source_name), [&](const CsvRecord& r) {
    auto& row = out.emplace_back();
    for (const auto& f : r.fields) row.emplace_back(f.text);
  });
  reader.feed(text);
  reader.finish();
  return out;
}

std::string csv_quote(std::string_view field) {
  // An empty field is written "" so that a one-field record is not a blank (skipped) line.
  const bool needs = field.empty() || field.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!needs) return std::string(field);
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_quote(fields[i]);
  }
  out += '\n';
  return out;
}

ParsedNumber parse_number(std::string_view text) {
  using S = ParsedNumber::Status;
  if (text.empty()) return {S::empty, 0.0};
  std::string_view t = text;
  // from_chars takes '-' but not '+'; accept one '+' before a digit or '.'.
  if (t.size() > 1 && t[0] == '+' && t[1] != '-' && t[1] != '+') t.remove_prefix(1);
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v,
                                         std::chars_format::general);
  if (ptr != t.data() + t.size()) return {S::invalid, 0.0};
  if (ec == std::errc::result_out_of_range) return {S::out_of_range, 0.0};
  if (ec != std::errc()) return {S::invalid, 0.0};
  if (!std::isfinite(v)) return {S::non_finite, 0.0};
  return {S::ok, v};
}

}  // namespace mlp::data
