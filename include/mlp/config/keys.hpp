// The configuration keys, described once: name, type, default, what is allowed, what the key
// does. The parser, the override (--set) handling, the did-you-mean, the writer of a run's
// config.toml and the key tables of docs/config.md all read this one table; defaults come from
// the library's option structs, and the names and settings of optimizers, schedules,
// activations, losses and initializers from their registries — a component registered there is
// known to the configuration without further change.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mlp {

struct ConfigKeyInfo {
  std::string key;      ///< dotted: "train.learning_rate"
  std::string type;     ///< "number", "integer", "bool", "string (path)", "name", ...
  std::string default_text;  ///< as written in TOML ("0.001", "\"adam\""), or a phrase
  std::string allowed;  ///< the values accepted, and when the key applies
  std::string doc;      ///< what the key does, one line
  /// `mlp train --resume` may change the value: it changes how long the run trains or what it
  /// keeps, not what it computes. Any other change refuses the resume.
  bool resume_safe = false;
};

/// Every key, in documentation order.
const std::vector<ConfigKeyInfo>& config_key_table();

/// The key table of one section ("data", "model", "train", "train.schedule",
/// "train.early_stopping") as the Markdown table of docs/config.md.
std::string config_keys_markdown(std::string_view section);

/// The keys a command-line option was probably meant to set: `name` is the option without its
/// leading dashes ("epochs", "learning-rate", "train.epochs"), compared with each key whole
/// and with its last component, '-' and '_' counting as the same character. `mlp train` answers
/// `--epochs 5` with `--set train.epochs=5`. Several keys when the last component is shared
/// (in documentation order); empty when none matches.
std::vector<std::string> config_keys_for_option(std::string_view name);

}  // namespace mlp
