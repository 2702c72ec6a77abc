// Parsing and validation of the run configuration. toml++ parses the text (and reports syntax
// errors and duplicate keys with their position); this file checks the schema: every key known,
// every value of the right type and in range, the combinations consistent. All problems are
// collected and reported together, each as "LOCATION: error: KEY ...".
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <utility>
#include <vector>
#include <toml++/toml.h>

#include "schema.hpp"
#include "mlp/train/monitor.hpp"
#include "mlp/core/setting.hpp"
#include "mlp/nn/names.hpp"
#include "mlp/config/config.hpp"
#include "mlp/config/keys.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"

namespace mlp {
namespace {

using namespace config;
namespace sc = config::schema;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kSplitTolerance = 1e-9;

using sc::join;

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string quote(std::string_view s) {
  constexpr std::size_t kMax = 80;
  std::string q = sc::quoted(s.substr(0, std::min(s.size(), kMax)));
  if (s.size() > kMax) q += "...";
  return q;
}

/// Text for a message location: at most 100 bytes (cut at a UTF-8 character boundary), "..."
/// after a cut, so that a huge --set value does not become a huge message.
std::string shortened(std::string_view s) {
  constexpr std::size_t kMax = 100;
  if (s.size() <= kMax) return std::string(s);
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

/// A number as the message shows it: shortest round-trip form ("0.1", "-inf", "nan").
std::string num(double x) { return fmt::format("{}", x); }

std::string describe(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "string " + quote(n.as_string()->get());
    case toml::node_type::integer: return fmt::format("integer {}", n.as_integer()->get());
    case toml::node_type::floating_point: return "float " + num(n.as_floating_point()->get());
    case toml::node_type::boolean: return n.as_boolean()->get() ? "true" : "false";
    case toml::node_type::array: return fmt::format("a list of {}", n.as_array()->size());
    case toml::node_type::table: return "a table";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::optional<double> as_real(const toml::node& n) {
  if (const auto* f = n.as_floating_point()) return f->get();
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  return std::nullopt;
}

using Range = Interval;

/// The range of a key, from the key table (also for the keys read by code of their own).
const Range& range_of(std::string_view key) { return sc::find_key(key)->range; }

/// The file name part of a path, lower-cased.
std::string lower_file_name(std::string_view path) {
  std::string name = std::filesystem::path(std::string(path)).filename().string();
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// ---- nesting, before the TOML parser ------------------------------------------------------

/// The index of the last character of the string literal that starts at t[i] (a quote), or the
/// last index of the text for one left open; line and line_start follow the newlines inside.
std::size_t skip_string(std::string_view t, std::size_t i, std::size_t& line,
                        std::size_t& line_start) {
  const char q = t[i];
  const std::string triple(3, q);
  const bool multi = t.substr(i, 3) == triple;
  const bool escapes = q == '"';
  for (std::size_t j = i + (multi ? 3 : 1); j < t.size(); ++j) {
    const char c = t[j];
    if (escapes && c == '\\') {
      ++j;  // the escaped character (a newline after a line-ending backslash is still a line)
      if (j < t.size() && t[j] == '\n') {
        ++line;
        line_start = j + 1;
      }
      continue;
    }
    if (c == '\n') {
      if (!multi) return j - 1;  // unterminated: toml++ reports it; the newline ends the line
      ++line;
      line_start = j + 1;
      continue;
    }
    if (c != q) continue;
    if (!multi) return j;
    if (t.substr(j, 3) == triple) {
      j += 3;  // up to two more quotes are content before the closing three
      for (int extra = 0; extra < 2 && j < t.size() && t[j] == q; ++extra) ++j;
      return j - 1;
    }
  }
  return t.size() - 1;
}

/// Where the text first nests deeper than kMaxConfigDepth: {line, column}, both from 1.
/// Counted along the position: the parts of the last table header, the dots of the current
/// key-value pair (a float's point counts too, erring on the safe side) and each open array or
/// inline table with the dots of the key it is the value of. Strings and comments are skipped;
/// anything malformed is left to toml++, which reports it.
std::optional<std::pair<std::size_t, std::size_t>> too_deep(std::string_view t) {
  std::vector<std::size_t> open;  // depth of each open [ or {
  std::size_t header = 0;         // depth of the last [table] or [[array of tables]]
  std::size_t dots = 0;           // dots of the current key-value pair at this level
  std::size_t line = 1, line_start = 0;
  bool line_begins = true, in_header = false;
  const auto depth = [&] { return (open.empty() ? header : open.back()) + dots + 1; };
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      dots = 0;
      line_begins = true;
      in_header = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    const bool first = line_begins;
    line_begins = false;
    const std::pair here{line, i - line_start + 1};
    switch (c) {
      case '#': {
        const auto end = t.find('\n', i);
        if (end == std::string_view::npos) return std::nullopt;
        i = end - 1;
        break;
      }
      case '"':
      case '\'':
        i = skip_string(t, i, line, line_start);
        break;
      case '.':
        ++dots;
        if (depth() > kMaxConfigDepth) return here;
        break;
      case ',': dots = 0; break;
      case '[':
        if (in_header) break;  // the second bracket of [[table]]
        if (first && open.empty()) {
          in_header = true;
          dots = 0;
          break;
        }
        [[fallthrough]];
      case '{':
        open.push_back(depth());
        dots = 0;
        if (open.back() > kMaxConfigDepth) return here;
        break;
      case ']':
      case '}':
        if (in_header) {
          header = dots + 1;
          in_header = false;
        } else if (!open.empty()) {
          open.pop_back();
        }
        dots = 0;
        break;
      default: break;
    }
  }
  return std::nullopt;
}

std::string too_deep_message() {
  return fmt::format(
      "nested deeper than {} levels (parts of dotted keys and table names, inline tables and "
      "arrays, counted together); a configuration needs at most 4 — is this a configuration "
      "file?",
      kMaxConfigDepth);
}

/// The key of the table that line `line` of `text` sets ("train.l2" for `l2 = 1e400` under
/// [train]), for a value toml++ could not read; nullptr when the line sets no such key.
const sc::Key* key_on_line(std::string_view text, std::size_t line) {
  std::string section;
  std::size_t start = 0;
  for (std::size_t l = 1; start <= text.size(); ++l) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string row = trim(text.substr(start, end - start));
    if (l == line) {
      const auto eq = row.find('=');
      if (row.empty() || row.front() == '[' || eq == std::string::npos) return nullptr;
      const std::string key = trim(std::string_view(row).substr(0, eq));
      return sc::find_key(section.empty() ? key : section + "." + key);
    }
    if (!row.empty() && row.front() == '[') {
      const auto close = row.find(']');
      section = trim(std::string_view(row).substr(0, close).substr(row.rfind('[', close) + 1));
    }
    start = end + 1;
  }
  return nullptr;
}

/// Hint for a key written in the wrong section: "train.learning_rate" for "learning_rate".
std::optional<std::string> other_section_with(std::string_view leaf, std::string_view not_in) {
  for (const auto& s : sc::sections()) {
    if (s.name == not_in) continue;
    if (std::find(s.keys.begin(), s.keys.end(), leaf) != s.keys.end()) {
      return fmt::format("{}.{}", s.name, leaf);
    }
  }
  return std::nullopt;
}

class Validator {
 public:
  Validator(std::string source, std::string_view text, toml::table& root)
      : source_(std::move(source)), text_(text), root_(root) {
    cfg_.source = source_;
  }

  void apply_overrides(const std::vector<std::string>& overrides);
  RunConfig run();

 private:
  struct Sec {
    std::string name;
    const toml::table* table = nullptr;
  };

  // ---- locations and errors -------------------------------------------------------------
  [[nodiscard]] std::string loc(std::string_view key, const toml::source_region& r) const {
    std::string base(key.substr(0, key.find('[')));
    if (auto it = set_text_.find(base); it != set_text_.end()) return it->second;
    if (r.begin.line == 0) return source_;
    return fmt::format("{}:{}:{}", source_, r.begin.line, r.begin.column);
  }
  void error_at(const std::string& location, const std::string& msg) {
    errors_.push_back(fmt::format("{}: error: {}", location, msg));
  }
  void error(std::string_view key, const toml::node& n, const std::string& msg) {
    error_at(loc(key, n.source()), msg);
  }
  /// Error about a key already read: cite where it was written (or the file for a default).
  void error_key(std::string_view key, const std::string& msg) {
    error_at(cfg_.location_of(key), msg);
  }

  // ---- structure ------------------------------------------------------------------------
  void check_structure(const toml::table& t, const sc::Section& s);
  Sec section(const std::string& name);

  // ---- typed getters: each records the key's location and leaves `out` at its default when
  // the key is absent or wrong -------------------------------------------------------------
  const toml::node* get(const Sec& s, std::string_view key) {
    if (s.table == nullptr) return nullptr;
    const toml::node* n = s.table->get(key);
    if (n != nullptr) {
      const std::string full = name(s, key);
      cfg_.where[full] = loc(full, n->source());
    }
    return n;
  }
  [[nodiscard]] bool has(const Sec& s, std::string_view key) const {
    return s.table != nullptr && s.table->contains(key);
  }
  static std::string name(const Sec& s, std::string_view key) {
    return fmt::format("{}.{}", s.name, key);
  }

  bool real_value(const std::string& full, const toml::node& n, Range r, double& out) {
    const auto v = as_real(n);
    if (!v) {
      error(full, n, fmt::format("{} must be a number {} (got {})", full, r.text(), describe(n)));
      return false;
    }
    if (!r.contains(*v)) {
      error(full, n, fmt::format("{} must be {} (got {})", full, r.text(), shown_real(full, n, *v)));
      return false;
    }
    out = *v;
    return true;
  }
  /// A refused number for the message; one that reads as 0 but is not written as zero (1e-400,
  /// below the smallest denormal: TOML, like strtod, reads it as 0) as written, with that said.
  [[nodiscard]] std::string shown_real(std::string_view key, const toml::node& n, double v) const {
    if (v != 0.0) return num(v);
    const std::string written = literal(key, n);
    const auto mantissa = std::string_view(written).substr(0, written.find_first_of("eE"));
    if (mantissa.find_first_of("123456789") == std::string_view::npos) return num(v);
    return fmt::format("{}, which is 0 as a double", written);
  }
  /// The text of a number as written in the file or in `--set key=value` (not for list elements
  /// of a --set); empty when unknown.
  [[nodiscard]] std::string literal(std::string_view key, const toml::node& n) const {
    if (auto it = set_text_.find(key); it != set_text_.end()) {
      return trim(std::string_view(it->second).substr(it->second.find('=') + 1));
    }
    if (set_text_.count(std::string(key.substr(0, key.find('[')))) != 0) return {};
    const auto& b = n.source().begin;
    if (b.line == 0 || b.column == 0) return {};
    std::size_t at = 0;
    for (std::size_t line = 1; line < b.line; ++line) {
      at = text_.find('\n', at);
      if (at == std::string_view::npos) return {};
      ++at;
    }
    at += b.column - 1;
    if (at >= text_.size()) return {};
    const auto end = text_.find_first_of(" \t\r\n,]}#", at);
    return std::string(text_.substr(at, end == std::string_view::npos ? end : end - at));
  }
  /// An integer in `r` (open bounds exclude their integer; hi = inf: no upper bound).
  bool integer_value(const std::string& full, const toml::node& n, const Range& r,
                     std::int64_t& out) {
    const auto lo = static_cast<std::int64_t>(r.lo_open ? r.lo + 1 : r.lo);
    const auto hi = r.hi == kInf ? kInt64Max : static_cast<std::int64_t>(r.hi_open ? r.hi - 1 : r.hi);
    const auto* i = n.as_integer();
    if (i == nullptr || i->get() < lo || i->get() > hi) {
      error(full, n,
            fmt::format("{} must be {} (got {})", full, r.text(true),
                        i == nullptr ? describe(n) : fmt::format("{}", i->get())));
      return false;
    }
    out = i->get();
    return true;
  }
  bool text_value(const std::string& full, const toml::node& n, std::string_view what,
                  std::string& out) {
    const auto* str = n.as_string();
    if (str == nullptr || str->get().empty()) {
      error(full, n, fmt::format("{} must be {} (got {})", full, what, describe(n)));
      return false;
    }
    out = str->get();
    return true;
  }
  void path(const Sec& s, std::string_view key, std::optional<std::string>& out) {
    const toml::node* n = get(s, key);
    std::string v;
    if (n != nullptr && text_value(name(s, key), *n, "a non-empty path string", v)) out = v;
  }

  template <class E>
  bool choice_value(const std::string& full, const toml::node& n, const sc::NameTable<E>& table,
                    E& out) {
    std::vector<std::string_view> names;
    for (const auto& [nm, e] : table) names.push_back(nm);
    const auto* str = n.as_string();
    if (str != nullptr) {
      for (const auto& [nm, e] : table) {
        if (nm == str->get()) {
          out = e;
          return true;
        }
      }
    }
    error(full, n,
          fmt::format("{} must be one of {} (got {}){}", full, join(names), describe(n),
                      str != nullptr ? did_you_mean(str->get(), names) : std::string()));
    return false;
  }
  bool name_value(const std::string& full, const toml::node& n,
                  const std::vector<std::string_view>& names, std::string& out) {
    const auto* str = n.as_string();
    if (str != nullptr && std::find(names.begin(), names.end(), str->get()) != names.end()) {
      out = str->get();
      return true;
    }
    error(full, n,
          fmt::format("{} must be one of {} (got {}){}", full, join(names), describe(n),
                      str != nullptr ? did_you_mean(str->get(), names) : std::string()));
    return false;
  }

  template <class E>
  bool choice(const Sec& s, std::string_view key, const sc::NameTable<E>& table, E& out) {
    const toml::node* n = get(s, key);
    return n == nullptr || choice_value(name(s, key), *n, table, out);
  }

  /// A string or a list of strings (non-empty, distinct).
  bool string_list(const Sec& s, std::string_view key, std::vector<std::string>& out);

  /// Keys that only some variants use: an explicit one the chosen variant ignores is an error.
  void check_unused(const Sec& s, const std::vector<std::string_view>& candidates,
                    const std::vector<std::string_view>& used, const std::string& chooser);

  /// Reads every key of `section` that the table can read by itself (numbers, booleans, paths,
  /// names, registered settings); the others are read by the section's own code.
  void read_keys(const std::string& section);
  bool read_key(const sc::Key& key, const toml::node& n);
  bool setting_value(const sc::Key& key, const toml::node& n);
  /// After the section is read: every setting the chosen optimizer/schedule publishes, given or
  /// its default; a given key the choice does not use is an error.
  void resolve_settings(const Sec& s, sc::Group group, const std::string& chooser);
  [[nodiscard]] bool ok(std::string_view key) const { return failed_.count(std::string(key)) == 0; }

  void read_data();
  void read_split(const Sec& s);
  void read_categorical_and_weight(const Sec& s);
  void read_class_weight(const Sec& s);
  void check_csv_keys(const Sec& s);
  void check_idx_keys(const Sec& s);
  void check_separate_files();
  void read_model();
  bool read_hidden(const Sec& s);
  void read_activations(const Sec& s, bool hidden_ok);
  void read_keep_prob(const Sec& s, bool hidden_ok);
  void read_train();
  void read_schedule();
  void read_early_stopping();
  void cross_checks();

  std::string source_;
  std::string_view text_;  // the file's text, for numbers as written
  toml::table& root_;
  std::map<std::string, std::string, std::less<>> set_text_;  // dotted key -> "--set k=v"
  std::vector<std::string> errors_;
  RunConfig cfg_;
  std::set<std::string> failed_;  // keys whose value was refused
  bool split_ok_ = true;
  bool loss_ok_ = true;
  bool output_ok_ = true;
  bool task_ok_ = true;
};

// ---- overrides ----------------------------------------------------------------------------

void Validator::apply_overrides(const std::vector<std::string>& overrides) {
  const auto& keys = config_keys();
  for (const auto& o : overrides) {
    const std::string where = "--set " + shortened(o);
    const auto eq = o.find('=');
    if (eq == std::string::npos) {
      error_at(where, "expected --set section.key=value, e.g. --set train.learning_rate=0.01");
      continue;
    }
    const std::string key = trim(std::string_view(o).substr(0, eq));
    const std::string text = trim(std::string_view(o).substr(eq + 1));
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      std::string msg = fmt::format("unknown key {}", key);
      const std::string dym = did_you_mean(key, keys);
      msg += dym;
      if (dym.empty()) {
        const auto dot = key.rfind('.');
        const std::string leaf = dot == std::string::npos ? key : key.substr(dot + 1);
        if (auto other = other_section_with(leaf, "")) {
          msg += fmt::format(" (did you mean '{}'?)", *other);
        }
      }
      error_at(where, msg + "; keys are written section.key, e.g. train.learning_rate (see "
                            "docs/config.md)");
      continue;
    }
    // The value is TOML ("0.01", "[64, 32]", "\"step\"", "true"); anything else is a string.
    const std::string doc = "v = " + text;
    if (too_deep(doc)) {
      error_at(where, too_deep_message());
      continue;
    }
    std::unique_ptr<toml::node> value;
    try {
      toml::table t = toml::parse(std::string_view(doc), std::string_view("--set"));
      if (t.size() == 1 && t.contains("v")) {
        t.get("v")->visit([&](auto&& v) {
          using V = std::remove_cv_t<std::remove_reference_t<decltype(v)>>;
          value = std::make_unique<V>(v);
        });
      }
    } catch (const toml::parse_error&) {
    }
    if (!value) value = std::make_unique<toml::value<std::string>>(text);

    // Walk to the key's table, creating missing tables; a non-table on the way is reported
    // by the structure check of the file.
    toml::table* cur = &root_;
    std::size_t start = 0;
    bool reachable = true;
    for (std::size_t dot = key.find('.'); dot != std::string::npos;
         start = dot + 1, dot = key.find('.', start)) {
      const std::string part = key.substr(start, dot - start);
      if (!cur->contains(part)) cur->insert(part, toml::table{});
      toml::node* next = cur->get(part);
      if (!next->is_table()) {
        reachable = false;
        break;
      }
      cur = next->as_table();
    }
    if (!reachable) continue;
    const std::string leaf = key.substr(start);
    value->visit([&](auto&& v) { cur->insert_or_assign(leaf, v); });
    set_text_[key] = where;
  }
}

// ---- structure: unknown keys, sections that are not tables --------------------------------

void Validator::check_structure(const toml::table& t, const sc::Section& s) {
  for (auto&& [k, v] : t) {
    const std::string_view leaf = k.str();
    const std::string full = s.name.empty() ? std::string(leaf) : fmt::format("{}.{}", s.name, leaf);
    const bool is_key = std::find(s.keys.begin(), s.keys.end(), leaf) != s.keys.end();
    const bool is_table = std::find(s.tables.begin(), s.tables.end(), leaf) != s.tables.end();
    if (s.name.empty() && leaf == "search") {  // `mlp search`'s table, read by config/search.cpp
      if (!v.is_table()) {
        error(full, v, fmt::format("search must be a table (got {}); write it as the section [search]",
                                   describe(v)));
      } else {
        cfg_.search_table = loc(full, v.source());
      }
      continue;
    }
    if (is_table) {
      if (!v.is_table()) {
        error(full, v,
              fmt::format("{} must be a table (got {}); write it as the section [{}]", full,
                          describe(v), full));
      } else {
        check_structure(*v.as_table(), *sc::find_section(full));
      }
      continue;
    }
    if (is_key) continue;
    if (full == "train.eval_every") {  // a key of earlier versions that nothing read
      error_at(loc(full, k.source()),
               "train.eval_every was removed: every epoch is evaluated on the training and dev "
               "sets; remove the key");
      continue;
    }
    std::vector<std::string_view> candidates(s.keys.begin(), s.keys.end());
    candidates.insert(candidates.end(), s.tables.begin(), s.tables.end());
    if (s.name.empty()) candidates.push_back("search");
    std::string msg = fmt::format("unknown key {}{}", full, did_you_mean(leaf, candidates));
    if (msg.find("did you mean") == std::string::npos) {
      if (auto other = other_section_with(leaf, s.name)) {
        msg += fmt::format(" (did you mean '{}'? it belongs in [{}])", *other,
                           other->substr(0, other->rfind('.')));
      }
    }
    if (s.name.empty()) {
      msg += fmt::format("; valid sections: {}", join(candidates));
    } else {
      msg += fmt::format("; valid keys in [{}]: {}", s.name, join(candidates));
    }
    error_at(loc(full, k.source()), msg);
  }
}

Validator::Sec Validator::section(const std::string& dotted) {
  Sec s{dotted, nullptr};
  const toml::table* cur = &root_;
  std::size_t start = 0;
  while (cur != nullptr) {
    const auto dot = dotted.find('.', start);
    const std::string part = dotted.substr(start, dot == std::string::npos ? dot : dot - start);
    const toml::node* n = cur->get(part);
    cur = n != nullptr ? n->as_table() : nullptr;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  s.table = cur;
  return s;
}

bool Validator::string_list(const Sec& s, std::string_view key, std::vector<std::string>& out) {
  const toml::node* n = get(s, key);
  if (n == nullptr) return true;
  const std::string full = name(s, key);
  std::vector<std::string> values;
  if (n->is_string()) {
    std::string v;
    if (!text_value(full, *n, "a non-empty column name", v)) return false;
    values.push_back(v);
  } else if (const auto* arr = n->as_array()) {
    bool ok = true;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const std::string elem = fmt::format("{}[{}]", full, i);
      const toml::node& e = *arr->get(i);
      cfg_.where[elem] = loc(elem, e.source());
      std::string v;
      if (!text_value(elem, e, "a non-empty column name", v)) {
        ok = false;
        continue;
      }
      if (std::find(values.begin(), values.end(), v) != values.end()) {
        error(elem, e, fmt::format("{} repeats the column {}", elem, quote(v)));
        ok = false;
        continue;
      }
      values.push_back(v);
    }
    if (!ok) return false;
  } else {
    error(full, *n,
          fmt::format("{} must be a column name or a list of column names (got {})", full,
                      describe(*n)));
    return false;
  }
  out = std::move(values);
  return true;
}

void Validator::check_unused(const Sec& s, const std::vector<std::string_view>& candidates,
                             const std::vector<std::string_view>& used,
                             const std::string& chooser) {
  for (auto key : candidates) {
    if (!has(s, key) || std::find(used.begin(), used.end(), key) != used.end()) continue;
    const std::string full = name(s, key);
    error_key(full, fmt::format("{} is not used by {} ({}); remove it", full, chooser,
                                used.empty() ? std::string("it has no parameters")
                                             : "it uses: " + join(used)));
  }
}

// ---- [data] --------------------------------------------------------------------------------

void Validator::read_data() {
  const Sec s = section("data");
  auto& d = cfg_.data;
  {
    std::optional<std::string> train;
    path(s, "train", train);
    if (train) {
      d.train = *train;
    } else if (!has(s, "train")) {
      error_at(source_, "data.train is required: the training data file, e.g. [data] "
                        "train = \"train.csv\"");
    }
  }
  read_keys("data");

  DataFormat format = DataFormat::automatic;
  const bool format_ok = choice(s, "format", sc::formats(), format);
  const bool any_labels = d.train_labels || d.dev_labels || d.test_labels;
  if (format == DataFormat::automatic) {
    format = (lower_file_name(d.train).find("idx") != std::string::npos || any_labels)
                 ? DataFormat::idx
                 : DataFormat::csv;
  }
  d.format = format;

  string_list(s, "target", d.target);
  string_list(s, "drop", d.drop);
  read_categorical_and_weight(s);

  read_split(s);

  task_ok_ = ok("data.task");

  // Format-specific keys.
  if (format_ok && d.format == DataFormat::csv) check_csv_keys(s);
  if (format_ok && d.format == DataFormat::idx) check_idx_keys(s);
  check_separate_files();
}

/// data.split: "auto" or three fractions [train, dev, test] summing to at most 1.
void Validator::read_split(const Sec& s) {
  auto& d = cfg_.data;
  if (const toml::node* n = get(s, "split")) {
    const std::string full = "data.split";
    if (const auto* str = n->as_string(); str != nullptr && str->get() == "auto") {
      d.split.reset();
    } else if (const auto* arr = n->as_array(); arr != nullptr && arr->size() == 3) {
      std::array<double, 3> f{};
      for (std::size_t i = 0; i < 3; ++i) {
        const std::string elem = fmt::format("{}[{}]", full, i);
        const toml::node& e = *arr->get(i);
        cfg_.where[elem] = loc(elem, e.source());
        split_ok_ = real_value(elem, e, i == 0 ? kPositiveReal : kNonNegativeReal, f[i]) && split_ok_;
      }
      if (split_ok_ && f[0] + f[1] + f[2] > 1.0 + kSplitTolerance) {
        error(full, *n,
              fmt::format("data.split fractions [train, dev, test] must sum to at most 1 "
                          "(got {} + {} + {} = {})",
                          num(f[0]), num(f[1]), num(f[2]), num(f[0] + f[1] + f[2])));
        split_ok_ = false;
      }
      if (split_ok_) d.split = f;
    } else {
      error(full, *n,
            fmt::format("data.split must be \"auto\" or a list of three fractions [train, dev, "
                        "test], e.g. [0.8, 0.1, 0.1] (got {})",
                        n->is_array() ? fmt::format("a list of {}", n->as_array()->size())
                                      : describe(*n)));
      split_ok_ = false;
    }
  }
}

/// data.categorical ("auto", "error" or a list of columns) and data.weight (a column name),
/// neither naming a target or dropped column.
void Validator::read_categorical_and_weight(const Sec& s) {
  auto& d = cfg_.data;
  if (const toml::node* n = get(s, "categorical")) {
    const auto* text = n->as_string();
    if (text != nullptr && (text->get() == "auto" || text->get() == "error")) {
      d.categorical = text->get();
    } else if (n->is_array()) {
      if (string_list(s, "categorical", d.categorical_columns)) d.categorical = "list";
    } else {
      error("data.categorical", *n,
            fmt::format("data.categorical must be \"auto\", \"error\" or a list of column names "
                        "(got {}); a single column is written [\"{}\"]",
                        describe(*n), text != nullptr ? text->get() : std::string("name")));
    }
  }
  if (const toml::node* n = get(s, "weight")) {
    std::string v;
    if (text_value("data.weight", *n, "a non-empty column name", v)) d.weight = v;
  }
  const auto role = [&](const std::string& col) -> std::string {
    if (std::find(d.target.begin(), d.target.end(), col) != d.target.end()) return "a target";
    if (std::find(d.drop.begin(), d.drop.end(), col) != d.drop.end()) return "dropped (data.drop)";
    return {};
  };
  if (d.weight && !role(*d.weight).empty()) {
    error_key("data.weight", fmt::format("data.weight names the column {}, which is {}; the "
                                         "weight column must be a column of its own",
                                         quote(*d.weight), role(*d.weight)));
  }
  for (const auto& c : d.categorical_columns) {
    std::string r = role(c);
    if (r.empty() && d.weight && *d.weight == c) r = "the weight column (data.weight)";
    if (!r.empty()) {
      error_key("data.categorical", fmt::format("data.categorical lists the column {}, which is {}; "
                                                "it lists feature columns", quote(c), r));
    }
  }
}

/// train.class_weight: "none", "balanced" or an inline table {label = weight >= 0}.
void Validator::read_class_weight(const Sec& s) {
  auto& t = cfg_.train;
  const toml::node* n = get(s, "class_weight");
  if (n == nullptr) return;
  if (const auto* text = n->as_string()) {
    if (text->get() == "none" || text->get() == "balanced") {
      t.class_weight = text->get();
      return;
    }
  } else if (const auto* table = n->as_table()) {
    std::map<std::string, double, std::less<>> weights;
    bool ok = true;
    for (auto&& [label, v] : *table) {
      const std::string elem = fmt::format("train.class_weight.{}", label.str());
      cfg_.where[elem] = loc(elem, v.source());
      double w = 0;
      if (!real_value(elem, v, kNonNegativeReal, w)) {
        ok = false;
        continue;
      }
      weights.emplace(std::string(label.str()), w);
    }
    if (!ok) {
      failed_.insert("train.class_weight");
      return;
    }
    if (weights.empty()) {
      error("train.class_weight", *n, "train.class_weight = {} names no class; give "
                                      "{label = weight, ...}, \"balanced\" or \"none\"");
      failed_.insert("train.class_weight");
      return;
    }
    t.class_weight = "table";
    t.class_weights = std::move(weights);
    return;
  }
  error("train.class_weight", *n,
        fmt::format("train.class_weight must be \"none\", \"balanced\" or an inline table of "
                    "weights by class label, e.g. {{yes = 5, no = 1}} (got {})",
                    describe(*n)));
  failed_.insert("train.class_weight");
}

/// Keys that CSV data needs or cannot have.
void Validator::check_csv_keys(const Sec& s) {
  auto& d = cfg_.data;
  for (auto key : {"train_labels", "dev_labels", "test_labels"}) {
    if (has(s, key)) {
      error_key(name(s, key),
                fmt::format("data.{} is only used with IDX data, but data.format is \"csv\"",
                            key));
    }
  }
  if (!d.train.empty() && !has(s, "target")) {
    error_key("data.train",
              "data.target is required for CSV data: name the column(s) to predict, e.g. "
              "target = \"label\"");
  }
  if (has(s, "target") && s.table->get("target")->is_array() &&
      s.table->get("target")->as_array()->empty()) {
    error_key("data.target", "data.target must name at least one column (got an empty list)");
  }
  for (const auto& t : d.target) {
    if (std::find(d.drop.begin(), d.drop.end(), t) != d.drop.end()) {
      error_key("data.drop", fmt::format("data.drop lists the target column {}", quote(t)));
    }
  }
  if (ok("data.max_field_bytes") && ok("data.max_record_bytes") &&
      d.max_field_bytes > d.max_record_bytes) {
    error_key(cfg_.where.count("data.max_field_bytes") ? "data.max_field_bytes" : "data.max_record_bytes",
              fmt::format("data.max_field_bytes ({}) is larger than data.max_record_bytes ({}), "
                          "which bounds every record and so every field; raise "
                          "data.max_record_bytes to at least {}",
                          d.max_field_bytes, d.max_record_bytes, d.max_field_bytes));
  }
}

/// Keys that IDX data needs or cannot have.
void Validator::check_idx_keys(const Sec& s) {
  auto& d = cfg_.data;
  for (auto key : {"target", "drop", "missing", "max_field_bytes", "max_record_bytes",
                   "categorical", "unknown_category", "max_categories", "weight"}) {
    if (has(s, key)) {
      error_key(name(s, key),
                fmt::format("data.{} is only used with CSV data, but data.format is \"idx\"",
                            key));
    }
  }
  if (!d.train.empty() && !d.train_labels && !has(s, "train_labels")) {
    error_key("data.train",
              "data.train_labels is required with IDX data: the IDX image file holds no "
              "labels, e.g. train_labels = \"train-labels-idx1-ubyte.gz\"");
  }
  if (d.dev && !d.dev_labels && !has(s, "dev_labels")) {
    error_key("data.dev", "data.dev_labels is required with IDX data when data.dev is set");
  }
  if (d.test && !d.test_labels && !has(s, "test_labels")) {
    error_key("data.test", "data.test_labels is required with IDX data when data.test is set");
  }
}

/// Label files go with their data files, and a separate dev/test file replaces its fraction.
void Validator::check_separate_files() {
  auto& d = cfg_.data;
  if (d.dev_labels && !d.dev) {
    error_key("data.dev_labels", "data.dev_labels is set but data.dev is not");
  }
  if (d.test_labels && !d.test) {
    error_key("data.test_labels", "data.test_labels is set but data.test is not");
  }

  // A separate file replaces the corresponding split fraction.
  if (d.split) {
    if (d.dev && (*d.split)[1] != 0.0) {
      error_key("data.split[1]",
                fmt::format("data.split[1] (the dev fraction) must be 0 when data.dev is given, "
                            "since the dev set comes from that file (got {})",
                            num((*d.split)[1])));
    }
    if (d.test && (*d.split)[2] != 0.0) {
      error_key("data.split[2]",
                fmt::format("data.split[2] (the test fraction) must be 0 when data.test is "
                            "given, since the test set comes from that file (got {})",
                            num((*d.split)[2])));
    }
  }
}

// ---- [model] -------------------------------------------------------------------------------

void Validator::read_model() {
  const Sec s = section("model");
  auto& m = cfg_.model;
  const bool hidden_ok = read_hidden(s);
  read_activations(s, hidden_ok);

  read_keys("model");
  output_ok_ = ok("model.output");

  read_keep_prob(s, hidden_ok);

  // Keys that only one variant uses.
  if (has(s, "leaky_slope") && !sc::find_key("model.leaky_slope")->used(cfg_)) {
    error_key("model.leaky_slope",
              "model.leaky_slope is only used by the leaky_relu activation, which no hidden "
              "layer uses; remove it");
  }
  if (has(s, "init_scale") && !sc::find_key("model.init_scale")->used(cfg_)) {
    error_key("model.init_scale",
              fmt::format("model.init_scale is only used by init = \"normal\" (model.init is "
                          "\"{}\"); remove it",
                          mlp::to_string(m.init)));
  }
  if (has(s, "init_gain") && !sc::find_key("model.init_gain")->used(cfg_)) {
    error_key("model.init_gain",
              "model.init_gain multiplies the initial weights, and init = \"zeros\" has none to "
              "multiply; remove it, or choose another model.init (e.g. \"identity\")");
  }
}

/// model.hidden: the hidden-layer widths. False when it is missing or invalid.
bool Validator::read_hidden(const Sec& s) {
  auto& m = cfg_.model;
  bool hidden_ok = false;
  if (const toml::node* n = get(s, "hidden")) {
    if (const auto* arr = n->as_array()) {
      hidden_ok = true;
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string elem = fmt::format("model.hidden[{}]", i);
        const toml::node& e = *arr->get(i);
        cfg_.where[elem] = loc(elem, e.source());
        std::int64_t w = 0;
        if (integer_value(elem, e, range_of("model.hidden"), w)) {
          m.hidden.push_back(w);
        } else {
          hidden_ok = false;
        }
      }
    } else {
      error("model.hidden", *n,
            fmt::format("model.hidden must be a list of hidden-layer widths, e.g. [64, 32] or [] "
                        "for none (got {})",
                        describe(*n)));
    }
  } else {
    error_at(source_, "model.hidden is required: the hidden-layer widths, e.g. [model] "
                      "hidden = [64, 32] ([] = no hidden layer: logistic/softmax regression)");
  }
  return hidden_ok;
}

/// model.activation: one name for every hidden layer, or one per hidden layer.
void Validator::read_activations(const Sec& s, bool hidden_ok) {
  auto& m = cfg_.model;
  const std::size_t layers = m.hidden.size();
  m.activation.assign(layers, Activation::relu);
  if (const toml::node* n = get(s, "activation")) {
    std::vector<std::string_view> names;  // the registered activations a hidden layer may use
    for (const auto& entry : activation_table()) {
      if (hidden_allowed(entry.value)) names.push_back(entry.name);
    }
    const auto one = [&](const std::string& key, const toml::node& e, Activation& out) {
      if (const auto* str = e.as_string(); str != nullptr && str->get() == "softmax") {
        error(key, e,
              fmt::format("{}: softmax is only valid as model.output (hidden layers take one of "
                          "{})",
                          key, join(names)));
        return false;
      }
      std::string name;
      if (!name_value(key, e, names, name)) return false;
      out = parse_activation(name);
      return true;
    };
    if (n->is_string()) {
      Activation a = Activation::relu;
      if (one("model.activation", *n, a)) m.activation.assign(layers, a);
    } else if (const auto* arr = n->as_array()) {
      std::vector<Activation> acts;
      bool ok = true;
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string elem = fmt::format("model.activation[{}]", i);
        cfg_.where[elem] = loc(elem, arr->get(i)->source());
        Activation a = Activation::relu;
        ok = one(elem, *arr->get(i), a) && ok;
        acts.push_back(a);
      }
      if (ok && hidden_ok && acts.size() != layers) {
        error("model.activation", *n,
              fmt::format("model.activation lists {} activations but model.hidden has {} hidden "
                          "layers; give one name for all of them or one per hidden layer",
                          acts.size(), layers));
      } else if (ok) {
        m.activation = acts;
      }
    } else {
      error("model.activation", *n,
            fmt::format("model.activation must be a name or a list of names, one per hidden "
                        "layer (got {})",
                        describe(*n)));
    }
  }
}

/// model.keep_prob: one number for every hidden layer, or one per hidden layer; none for the
/// output layer.
void Validator::read_keep_prob(const Sec& s, bool hidden_ok) {
  auto& m = cfg_.model;
  const std::size_t layers = m.hidden.size();
  m.keep_prob.assign(layers, 1.0);
  if (const toml::node* n = get(s, "keep_prob")) {
    if (as_real(*n)) {
      double p = 1.0;
      if (real_value("model.keep_prob", *n, range_of("model.keep_prob"), p)) {
        m.keep_prob.assign(layers, p);
      }
    } else if (const auto* arr = n->as_array()) {
      std::vector<double> ps;
      bool ok = true;
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string elem = fmt::format("model.keep_prob[{}]", i);
        cfg_.where[elem] = loc(elem, arr->get(i)->source());
        double p = 1.0;
        ok = real_value(elem, *arr->get(i), range_of("model.keep_prob"), p) && ok;
        ps.push_back(p);
      }
      if (ok && hidden_ok && ps.size() != layers) {
        error("model.keep_prob", *n,
              fmt::format("model.keep_prob lists {} keep-probabilities but model.hidden has {} "
                          "hidden layers{}; give one number for all of them or one per hidden "
                          "layer",
                          ps.size(), layers,
                          ps.size() == layers + 1 ? " (the output layer has no dropout)" : ""));
      } else if (ok) {
        m.keep_prob = ps;
      }
    } else {
      error("model.keep_prob", *n,
            fmt::format("model.keep_prob must be a number in (0, 1] or a list of them, one per "
                        "hidden layer (got {})",
                        describe(*n)));
    }
  }
}

// ---- [train] -------------------------------------------------------------------------------

void Validator::read_train() {
  const Sec s = section("train");
  auto& t = cfg_.train;
  if (const toml::node* n = get(s, "seed")) {
    std::int64_t seed = 0;
    if (integer_value("train.seed", *n, range_of("train.seed"), seed)) {
      t.seed = static_cast<std::uint64_t>(seed);
    }
  }
  read_keys("train");
  read_class_weight(s);
  if (const toml::node* n = get(s, "freeze")) {  // train.freeze: layer prefixes or slice names
    const auto* arr = n->as_array();
    if (n->is_string()) {
      std::string v;
      if (text_value("train.freeze", *n, "a layer or slice name such as \"layers.0\"", v)) t.freeze = {v};
    } else if (arr == nullptr) {
      error("train.freeze", *n,
            fmt::format("train.freeze must be a list of layer or slice names, e.g. [\"layers.0\"] (got {})",
                        describe(*n)));
    } else {
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string elem = fmt::format("train.freeze[{}]", i);
        cfg_.where[elem] = loc(elem, arr->get(i)->source());
        std::string v;
        if (text_value(elem, *arr->get(i), "a layer or slice name such as \"layers.0\"", v)) t.freeze.push_back(v);
      }
    }
  }
  loss_ok_ = ok("train.loss");
  if (ok("train.optimizer")) {
    resolve_settings(s, sc::Group::optimizer, fmt::format("optimizer \"{}\"", t.optimizer));
  }
  read_schedule();
  read_early_stopping();
}

void Validator::read_schedule() {
  const Sec s = section("train.schedule");
  auto& sch = cfg_.train.schedule;
  read_keys("train.schedule");
  if (ok("train.schedule.type")) {
    resolve_settings(s, sc::Group::schedule, fmt::format("schedule \"{}\"", sch.type));
  }
  const auto min_lr = sch.settings.find("min_lr");
  if (ok("train.schedule.min_lr") && has(s, "min_lr") && min_lr != sch.settings.end() &&
      min_lr->second > cfg_.train.learning_rate) {
    error_key("train.schedule.min_lr",
              fmt::format("train.schedule.min_lr must be <= train.learning_rate (got {} > {})",
                          num(min_lr->second), num(cfg_.train.learning_rate)));
  }
}

void Validator::read_early_stopping() {
  const Sec s = section("train.early_stopping");
  cfg_.train.early_stopping.enabled = s.table != nullptr;
  read_keys("train.early_stopping");
}

// ---- keys read from the table ---------------------------------------------------------------

void Validator::read_keys(const std::string& dotted) {
  const Sec s = section(dotted);
  for (const auto& key : sc::keys()) {
    if (key.section() != dotted || key.kind == sc::Kind::custom) continue;
    const toml::node* n = get(s, key.leaf());
    if (n != nullptr && !read_key(key, *n)) failed_.insert(key.name);
  }
}

bool Validator::read_key(const sc::Key& key, const toml::node& n) {
  switch (key.kind) {
    case sc::Kind::real: return real_value(key.name, n, key.range, *key.real(cfg_));
    case sc::Kind::integer:
      return integer_value(key.name, n, key.range, *key.integer(cfg_));
    case sc::Kind::boolean:
      if (const auto* b = n.as_boolean()) {
        *key.boolean(cfg_) = b->get();
        return true;
      }
      error(key.name, n, fmt::format("{} must be true or false (got {})", key.name, describe(n)));
      return false;
    case sc::Kind::path: {
      std::string v;
      if (!text_value(key.name, n, "a non-empty path string", v)) return false;
      *key.path(cfg_) = v;
      return true;
    }
    case sc::Kind::choice: {
      std::string v;
      if (!name_value(key.name, n, key.names(), v)) return false;
      key.set_name(cfg_, v);
      return true;
    }
    case sc::Kind::optimizer_setting:
    case sc::Kind::schedule_setting: return setting_value(key, n);
    case sc::Kind::custom: break;
  }
  return true;
}

bool Validator::setting_value(const sc::Key& key, const toml::node& n) {
  // The range of the chosen component when it publishes the key, else of the first that does.
  const auto chosen = key.group == sc::Group::optimizer
                          ? sc::optimizer_settings(cfg_.train.optimizer)
                          : sc::schedule_settings(cfg_.train.schedule.type);
  std::optional<Setting> setting;
  for (const auto& st : chosen) {
    if (st.key == key.leaf()) setting = st;
  }
  if (!setting) setting = sc::any_setting(key.group, key.leaf());
  auto& settings = key.group == sc::Group::optimizer ? cfg_.train.optimizer_settings
                                                     : cfg_.train.schedule.settings;
  double value = 0.0;
  switch (setting->kind) {
    case Setting::Kind::boolean: {
      const auto* b = n.as_boolean();
      if (b == nullptr) {
        error(key.name, n, fmt::format("{} must be true or false (got {})", key.name, describe(n)));
        return false;
      }
      value = b->get() ? 1.0 : 0.0;
      break;
    }
    case Setting::Kind::integer: {
      std::int64_t i = 0;
      if (!integer_value(key.name, n, setting->range, i)) return false;
      value = static_cast<double>(i);
      break;
    }
    case Setting::Kind::real:
      if (!real_value(key.name, n, setting->range, value)) return false;
      break;
  }
  settings[std::string(key.leaf())] = value;
  return true;
}

void Validator::resolve_settings(const Sec& s, sc::Group group, const std::string& chooser) {
  const auto used = sc::keys_used(group, cfg_);
  std::vector<std::string_view> candidates;
  for (const auto& key : sc::keys()) {
    if (key.group == group) candidates.push_back(key.leaf());
  }
  check_unused(s, candidates, used, chooser);
  auto& settings = group == sc::Group::optimizer ? cfg_.train.optimizer_settings
                                                 : cfg_.train.schedule.settings;
  const auto published = group == sc::Group::optimizer
                             ? sc::optimizer_settings(cfg_.train.optimizer)
                             : sc::schedule_settings(cfg_.train.schedule.type);
  config::Settings resolved;
  for (const auto& st : published) {
    const auto it = settings.find(st.key);
    resolved[std::string(st.key)] = it != settings.end() ? it->second : st.default_value;
  }
  settings = std::move(resolved);
}

// ---- combinations --------------------------------------------------------------------------

void Validator::cross_checks() {
  const auto& d = cfg_.data;
  const auto& m = cfg_.model;
  const auto& t = cfg_.train;

  // Fused output/loss pairs (names.hpp): cross_entropy needs softmax, BCE needs sigmoid.
  if (loss_ok_ && output_ok_ && t.loss && m.output) {
    const bool ce_bad = *t.loss == Loss::cross_entropy && *m.output != Activation::softmax;
    const bool bce_bad =
        *t.loss == Loss::binary_cross_entropy && *m.output != Activation::sigmoid;
    if (ce_bad || bce_bad) {
      error_key("train.loss",
                fmt::format("train.loss = \"{}\" needs model.output = \"{}\" (model.output is "
                            "\"{}\" at {})",
                            mlp::to_string(*t.loss), ce_bad ? "softmax" : "sigmoid",
                            mlp::to_string(*m.output), cfg_.location_of("model.output")));
    }
  }
  // Class weights are for classifiers; a regression task known from the configuration (data.task
  // or an mse loss) refuses them here, one decided from the data when the data is read.
  if (t.class_weight != "none" && ((task_ok_ && d.task == Task::regression) ||
                                   (loss_ok_ && t.loss && *t.loss == Loss::mse))) {
    error_key("train.class_weight",
              fmt::format("train.class_weight weights classes, but this run is a regression ({}); "
                          "remove it, or use data.weight for per-example weights",
                          d.task == Task::regression ? "data.task = \"regression\""
                                                     : "train.loss = \"mse\""));
  }
  if (task_ok_ && d.task == Task::regression) {
    if (loss_ok_ && t.loss && *t.loss != Loss::mse) {
      error_key("train.loss",
                fmt::format("train.loss = \"{}\" is a classification loss, but data.task is "
                            "\"regression\" (use \"mse\" or \"auto\")",
                            mlp::to_string(*t.loss)));
    }
    if (output_ok_ && m.output && *m.output == Activation::softmax) {
      error_key("model.output",
                "model.output = \"softmax\" is for classification, but data.task is "
                "\"regression\" (use \"identity\" or \"auto\")");
    }
  }
  // Several target columns make a multi-target regression (one linear output per column); a
  // classifier predicts the label of one column.
  if (d.target.size() > 1) {
    const auto several = fmt::format("data.target lists {} columns ({}), a multi-target regression",
                                      d.target.size(), fmt::join(d.target, ", "));
    std::string why;
    if (task_ok_ && d.task == Task::classification) {
      why = "data.task is \"classification\"";
    } else if (loss_ok_ && t.loss && *t.loss != Loss::mse) {
      why = fmt::format("train.loss = \"{}\" is a classification loss", mlp::to_string(*t.loss));
    } else if (output_ok_ && m.output && *m.output == Activation::softmax) {
      why = "model.output = \"softmax\" is a classification output";
    }
    if (!why.empty()) {
      error_key("data.target",
                fmt::format("{}, but {}: a classifier predicts one label column — name one "
                            "target column to classify, or remove the classification setting "
                            "to predict every listed column",
                            several, why));
    }
  }
  if (task_ok_ && d.task == Task::classification && cfg_.where.count("data.normalize_target")) {
    error_key("data.normalize_target",
              "data.normalize_target is only used by regression, but data.task is "
              "\"classification\"; remove it");
  }

  // train.refit retrains on train + dev for the epochs the dev set chose: there must be one.
  if (split_ok_ && d.split && (*d.split)[1] == 0.0 && !d.dev && t.refit) {
    error_key("train.refit",
              "train.refit retrains on train + dev for the best dev epoch's number of epochs, but "
              "data.split gives no dev set (dev fraction 0) and data.dev is not set; set data.dev or a "
              "dev fraction > 0 (e.g. data.split = [0.8, 0.1, 0.1]), or remove train.refit");
  }
  // A monitored metric of the other task (dev_accuracy on a regression): known here when
  // data.task is set; otherwise train_run checks it once the data decided the task.
  if (task_ok_ && ok("train.early_stopping.monitor") && d.task != Task::automatic) {
    try {
      check_monitor_fits(t.early_stopping.monitor, d.task == Task::classification
                                                       ? data::Task::classification
                                                       : data::Task::regression);
    } catch (const ConfigError& e) {
      error_key("train.early_stopping.monitor", e.what());
    }
  }
  // Early stopping and the plateau schedule watch the dev cost: there must be a dev set.
  if (split_ok_ && d.split && (*d.split)[1] == 0.0 && !d.dev) {
    const bool es = t.early_stopping.enabled;
    const bool plateau = t.schedule.type == "plateau";
    if (es || plateau) {
      error_key("data.split",
                fmt::format("data.split gives no dev set (dev fraction 0) and data.dev is not "
                            "set, but {} watches the dev cost; set data.dev or a dev fraction "
                            "> 0",
                            es ? "train.early_stopping" : "train.schedule.type = \"plateau\""));
    }
  }
}

RunConfig Validator::run() {
  check_structure(root_, *sc::find_section(""));
  read_data();
  read_model();
  read_train();
  cross_checks();
  if (!errors_.empty()) {
    std::string msg;
    for (const auto& e : errors_) msg += (msg.empty() ? "" : "\n") + e;
    throw ConfigError(msg);
  }
  return std::move(cfg_);
}

}  // namespace

// ---- public API ----------------------------------------------------------------------------

std::string RunConfig::location_of(std::string_view key) const {
  if (auto it = where.find(key); it != where.end()) return it->second;
  const auto bracket = key.find('[');
  if (bracket != std::string_view::npos) {
    if (auto it = where.find(key.substr(0, bracket)); it != where.end()) return it->second;
  }
  return source;
}

std::string RunConfig::diagnostic(std::string_view key, std::string_view message) const {
  return fmt::format("{}: error: {}", location_of(key), message);
}

RunConfig parse_config(std::string_view toml_text, std::string_view source_name,
                       const std::vector<std::string>& overrides) {
  if (const auto at = too_deep(toml_text)) {
    throw ConfigError(fmt::format("{}:{}:{}: error: {}", source_name, at->first, at->second,
                                  too_deep_message()));
  }
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    const bool duplicate = e.description().find("redefine") != std::string_view::npos;
    std::string hint = duplicate ? " (a key may appear only once per table)" : "";
    if (const sc::Key* key = key_on_line(toml_text, b.line); key != nullptr && !duplicate) {
      // e.g. a number beyond a double's range (1e400) or an int64's, which TOML cannot hold
      const auto& table = config_key_table();
      const auto info = std::find_if(table.begin(), table.end(), [&](const auto& k) { return k.key == key->name; });
      hint = fmt::format(" (the value of {}: {})", key->name, info->allowed);
    }
    throw ConfigError(fmt::format("{}:{}:{}: error: {}{}", source_name, b.line, b.column,
                                  e.description(), hint));
  }
  Validator v{std::string(source_name), toml_text, root};
  v.apply_overrides(overrides);
  return v.run();
}

RunConfig load_config(const std::filesystem::path& path,
                      const std::vector<std::string>& overrides) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(fmt::format("{}: Is a directory (expected a TOML configuration file)", name));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(name.c_str(), "rb"), &std::fclose);
  if (!f) throw InputError(fmt::format("{}: {}", name, std::strerror(errno)));
  std::string text;
  char buf[65536];
  std::size_t got = 0;
  while ((got = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    text.append(buf, got);
    if (text.size() > kMaxConfigBytes) {
      throw ConfigError(fmt::format(
          "{}: larger than {} bytes (1 MiB), the limit for a configuration file — is this the "
          "data file? Give data files in [data] (train = \"...\")", name, kMaxConfigBytes));
    }
  }
  if (std::ferror(f.get())) throw InputError(fmt::format("{}: read error", name));
  return parse_config(text, name, overrides);
}

}  // namespace mlp
