// The table of configuration keys (keys.hpp) as the parser and the writer use it: each key with
// its kind, its range or names, how to reach its value in a RunConfig, and when it applies.
// Internal to src/config.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlp/config/config.hpp"
#include "mlp/core/setting.hpp"

namespace mlp::config::schema {

template <class E>
using NameTable = std::vector<std::pair<std::string_view, E>>;

/// Names of the configuration's own choices (data.format, ...).
const NameTable<DataFormat>& formats();
const NameTable<Normalize>& normalizations();
const NameTable<Task>& tasks();
const NameTable<Missing>& missing_policies();

enum class Kind {
  real,
  integer,
  boolean,
  path,              ///< an optional path string
  choice,            ///< a name from names()
  optimizer_setting, ///< a setting published by the optimizers' registry
  schedule_setting,  ///< a setting published by the schedules' registry
  custom,            ///< read and written by code of its own (lists, split, ...)
};

/// Which component's keys a key belongs to, for the "not used by" error.
enum class Group { none, optimizer, schedule };

struct Key {
  std::string name;  ///< dotted: "train.learning_rate"
  Kind kind = Kind::custom;
  Group group = Group::none;
  std::string type;     ///< for the documentation
  std::string allowed;  ///< for the documentation; generated from range/names when empty
  std::string doc;
  Interval range{};
  double* (*real)(RunConfig&) = nullptr;
  std::int64_t* (*integer)(RunConfig&) = nullptr;
  bool* (*boolean)(RunConfig&) = nullptr;
  std::optional<std::string>* (*path)(RunConfig&) = nullptr;
  std::vector<std::string_view> (*names)() = nullptr;
  std::string_view (*get_name)(const RunConfig&) = nullptr;
  void (*set_name)(RunConfig&, std::string_view) = nullptr;
  /// TOML text of the value for custom keys.
  std::string (*write)(const RunConfig&) = nullptr;
  /// Whether the key applies to `cfg` (nullptr: always). A key written where it does not apply
  /// is an error; to_toml leaves it out.
  bool (*used)(const RunConfig&) = nullptr;
  /// Whether `mlp train --resume` may change the value (it does not change what the resumed run
  /// computes, only how long it runs or what it keeps); any other change refuses the resume.
  bool resume_safe = false;

  [[nodiscard]] std::string_view section() const;
  [[nodiscard]] std::string_view leaf() const;
};

/// Every key in documentation order.
const std::vector<Key>& keys();
const Key* find_key(std::string_view dotted);

/// One table of the file: its dotted name ("" for the root), its value keys and its sub-tables
/// (derived from keys()).
struct Section {
  std::string_view name;
  std::vector<std::string_view> keys;
  std::vector<std::string_view> tables;
};
const std::vector<Section>& sections();
const Section* find_section(std::string_view name);

/// The settings a component publishes: of the optimizer / schedule named (empty when unknown).
std::vector<Setting> optimizer_settings(std::string_view optimizer);
std::vector<Setting> schedule_settings(std::string_view schedule);
/// The setting `key` of whichever registered component publishes it first (its range, kind).
std::optional<Setting> any_setting(Group group, std::string_view key);

/// The keys of `group` that apply to `cfg`, by leaf name ("beta1", "line_search").
std::vector<std::string_view> keys_used(Group group, const RunConfig& cfg);

/// The TOML text of a key's value in `cfg` (only for keys that apply).
std::string value_text(const Key& key, const RunConfig& cfg);
/// The TOML text of a key's value in `cfg`, or "" when the key does not apply to `cfg` (to_toml
/// then leaves it out): two configurations are equal exactly when this text is equal for every
/// key.
std::string applied_value_text(const Key& key, const RunConfig& cfg);

/// `s` as a TOML basic string: double quotes, with backslash, quote and control characters
/// escaped. Used both for messages and for to_toml.
std::string quoted(std::string_view s);
/// The names separated by `sep`.
std::string join(const std::vector<std::string_view>& v, std::string_view sep = ", ");
/// A finite double in TOML float syntax that reads back to the same value.
std::string real_text(double x);

template <class E>
std::string_view name_of(E v, const NameTable<E>& table) {
  for (const auto& [n, e] : table) {
    if (e == v) return n;
  }
  return "?";
}

}  // namespace mlp::config::schema
