// The configuration schema shared by the parser and the writer: the keys of each section and
// the names of the enumerated choices. Internal to src/config.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlp/config/config.hpp"

namespace mlp::config::schema {

template <class E>
using NameTable = std::vector<std::pair<std::string_view, E>>;

const NameTable<DataFormat>& formats();
const NameTable<Normalize>& normalizations();
const NameTable<Task>& tasks();
const NameTable<Missing>& missing_policies();
const NameTable<Optimizer>& optimizers();
const NameTable<ScheduleType>& schedule_types();
/// Hidden-layer activations (softmax excluded), output activations, losses and initializers:
/// names accepted by the parsers of names.hpp ("auto" maps to nullopt where allowed).
const NameTable<Activation>& hidden_activations();
const NameTable<std::optional<Activation>>& output_activations();
const NameTable<std::optional<Loss>>& losses();
const NameTable<Init>& inits();

/// One table of the file: its dotted name ("" for the root), its value keys and its sub-tables.
struct Section {
  std::string_view name;
  std::vector<std::string_view> keys;
  std::vector<std::string_view> tables;
};
const std::vector<Section>& sections();
const Section* find_section(std::string_view name);

/// Hyper-parameter keys that only some variants use.
const std::vector<std::string_view>& optimizer_keys();  // beta, beta1, ...
std::vector<std::string_view> keys_used_by(Optimizer o);
const std::vector<std::string_view>& schedule_keys();   // decay, gamma, ...
std::vector<std::string_view> keys_used_by(ScheduleType t);

/// `s` as a TOML basic string: double quotes, with backslash, quote and control characters
/// escaped. Used both for messages and for to_toml.
std::string quoted(std::string_view s);

template <class E>
std::string_view name_of(E v, const NameTable<E>& table) {
  for (const auto& [n, e] : table) {
    if (e == v) return n;
  }
  return "?";
}

}  // namespace mlp::config::schema
