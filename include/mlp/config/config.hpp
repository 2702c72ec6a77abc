// The run configuration: one TOML file that describes a whole training run (data, model,
// training), parsed and validated into plain values before any data is read.
//
//   RunConfig cfg = load_config("run.toml", {"train.learning_rate=0.01"});
//   std::string text = to_toml(cfg);   // every default filled in; parsing it gives cfg again
//
// Every error is a ConfigError whose message reads
//   run.toml:7:17: error: train.learning_rate must be > 0 and finite (got -0.1)
// (file, line and column of the offending value, the key's dotted name, what is allowed, what was
// found); for a command-line override the location is the override text, `--set key=value`.
// All problems of a file are reported together, one per line. The schema, defaults and ranges are
// documented in docs/config.md.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/data/csv.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/optim/schedule.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp {
namespace config {

/// data.format. `automatic` only exists in the text: the parser resolves it to csv or idx.
enum class DataFormat { automatic, csv, idx };
/// data.normalize
enum class Normalize { standard, none };
/// data.task: automatic = decided from the data (by the data module).
enum class Task { automatic, classification, regression };
/// data.missing: what an empty (or nan/inf) CSV feature value does: error, drop the row, or
/// take the feature's mean over the training split (kept in the model for prediction).
enum class Missing { error, drop_row, mean };

std::string_view to_string(DataFormat v);
std::string_view to_string(Normalize v);
std::string_view to_string(Task v);
std::string_view to_string(Missing v);

/// [data]
struct Data {
  std::string train;                         ///< required
  std::optional<std::string> dev;
  std::optional<std::string> test;
  std::optional<std::string> train_labels;   ///< IDX only
  std::optional<std::string> dev_labels;     ///< IDX only
  std::optional<std::string> test_labels;    ///< IDX only
  DataFormat format = DataFormat::csv;       ///< always csv or idx after parsing
  std::vector<std::string> target;           ///< CSV: target column(s), non-empty
  std::vector<std::string> drop;             ///< CSV: columns to ignore
  /// Fractions {train, dev, test}; nullopt = "auto" (the size rule of SPEC §3).
  std::optional<std::array<double, 3>> split;
  Normalize normalize = Normalize::standard;
  bool normalize_target = true;              ///< regression only
  Task task = Task::automatic;
  Missing missing = Missing::error;          ///< CSV only
  /// CSV: text feature columns (docs/data.md, "Categorical columns"): "auto" (a column whose
  /// first row is text), "error" (text in a feature is an error), or "list" (exactly the
  /// columns of categorical_columns).
  std::string categorical = "auto";
  std::vector<std::string> categorical_columns;  ///< with categorical = "list"
  std::string unknown_category = "ignore";   ///< CSV: "ignore" (all zeros) or "error"
  std::int64_t max_categories = 1000;        ///< CSV: most distinct values of a categorical column
  std::optional<std::string> weight;         ///< CSV: the column of per-example weights
  std::int64_t max_field_bytes = static_cast<std::int64_t>(data::CsvOptions{}.max_field_bytes);
  std::int64_t max_record_bytes = static_cast<std::int64_t>(data::CsvOptions{}.max_record_bytes);
  bool operator==(const Data&) const = default;
};

/// [model]
struct Model {
  std::vector<std::int64_t> hidden;          ///< widths of the hidden layers; empty = regression
  std::vector<Activation> activation;        ///< one per hidden layer (never softmax)
  double leaky_slope = ModelSpec{}.leaky_slope;
  std::optional<Activation> output;          ///< softmax | sigmoid | identity; nullopt = auto
  Init init = ModelSpec{}.init;
  double init_scale = ModelSpec{}.init_scale; ///< standard deviation for init = normal
  double init_gain = ModelSpec{}.init_gain;   ///< W = init_gain · W_init (not with init = zeros)
  std::vector<double> keep_prob;             ///< one per hidden layer, each in (0, 1]
  /// A saved model (model.mlp) whose weights and input standardization training starts from;
  /// relative to the configuration file (as the data paths). nullopt = a fresh initialization.
  std::optional<std::string> init_from;
  bool operator==(const Model&) const = default;
};

/// Settings of a registered component (an optimizer, a schedule) by their keys, every key the
/// component publishes (optim::optimizer_settings / schedule_settings) filled in after parsing.
using Settings = std::map<std::string, double, std::less<>>;

/// [train.schedule]
struct Schedule {
  std::string type = std::string(optim::to_string(optim::ScheduleOptions{}.kind));  ///< schedule_names()
  Settings settings;         ///< decay, gamma, k, step, period, t_mult, factor, patience, threshold, min_lr, warmup_*
  bool operator==(const Schedule&) const = default;
};

/// [train.early_stopping]
struct EarlyStopping {
  bool enabled = false;      ///< true as soon as the table is present (unless enabled = false)
  std::int64_t patience = static_cast<std::int64_t>(EarlyStoppingOptions{}.patience);
  double min_delta = EarlyStoppingOptions{}.min_delta;
  std::string monitor = EarlyStoppingOptions{}.monitor;  ///< train/monitor.hpp: dev_cost, dev_accuracy, ...
  bool restore_best = EarlyStoppingOptions{}.restore_best;
  bool operator==(const EarlyStopping&) const = default;
};

/// [train]. Defaults are the library's (TrainOptions, the optimizer's registered settings).
struct Train {
  std::optional<Loss> loss;  ///< nullopt = auto
  std::string optimizer = TrainOptions{}.optimizer.name;  ///< optim::optimizer_names()
  Settings optimizer_settings;  ///< beta, beta1, beta2, epsilon, nesterov, weight_decay, ...
  double learning_rate = TrainOptions{}.learning_rate;
  std::int64_t batch_size = TrainOptions{}.batch_size;
  std::int64_t epochs = static_cast<std::int64_t>(TrainOptions{}.epochs);
  double l1 = TrainOptions{}.l1;
  double l2 = TrainOptions{}.l2;
  std::uint64_t seed = TrainOptions{}.seed;
  std::int64_t threads = 0;  ///< 0 = all cores
  /// MiB that training may use (estimate: train/memory.hpp); 0 = 75 % of the memory available.
  std::int64_t max_memory = 0;
  double clip_norm = TrainOptions{}.clip_norm;  ///< 0 = off
  bool line_search = TrainOptions{}.line_search;  ///< gd (with a full batch)
  bool drop_last = TrainOptions{}.drop_last;
  TrainCost train_cost = TrainOptions{}.train_cost;  ///< what the train metrics of each epoch measure
  OnDivergence on_divergence = TrainOptions{}.on_divergence;  ///< stop, or roll back and halve the rate
  std::int64_t max_recoveries = static_cast<std::int64_t>(TrainOptions{}.max_recoveries);
  std::int64_t checkpoint_every = 1;  ///< epochs, 0 = off
  std::int64_t keep_checkpoints = 3;  ///< 0 = keep all
  /// "none", "balanced" (w_c = n/(k·n_c) on the training split) or "table" (class_weights).
  std::string class_weight = "none";
  std::map<std::string, double, std::less<>> class_weights;  ///< by class label, with "table"
  /// Slices kept fixed ("layers.0", "layers.1.W"): TrainOptions::freeze.
  std::vector<std::string> freeze;
  /// After training, train again from the initial weights on train + dev for best_epoch epochs
  /// (config::train_run); the model saved is that one.
  bool refit = false;
  Schedule schedule;
  EarlyStopping early_stopping;
  bool operator==(const Train&) const = default;
};

}  // namespace config

/// A validated run configuration. Plain values; equality compares the values only (not where
/// they came from).
struct RunConfig {
  config::Data data;
  config::Model model;
  config::Train train;

  /// The file name (or source name) the configuration was read from.
  std::string source;
  /// Dotted key -> where its value was written: "run.toml:7:17" or "--set key=value". List
  /// elements have their own entries ("model.hidden[1]"). Keys left at their default are absent.
  std::map<std::string, std::string, std::less<>> where;
  /// Where the file's [search] table is ("run.toml:12:1"); empty when it has none. Only
  /// `mlp search` reads the table (config/search.hpp); the other commands leave it alone.
  std::string search_table;

  /// Where `key` was set; for a list element not recorded, the list's location; for a key left
  /// at its default, `source` alone.
  [[nodiscard]] std::string location_of(std::string_view key) const;
  /// "LOCATION: error: MESSAGE" — for later checks that need the data (e.g. output width vs the
  /// number of classes) to cite the key: throw ConfigError(cfg.diagnostic("model.output", ...)).
  [[nodiscard]] std::string diagnostic(std::string_view key, std::string_view message) const;

  bool operator==(const RunConfig& o) const {
    return data == o.data && model == o.model && train == o.train;
  }
};

/// The largest configuration file load_config reads (a configuration lists settings, not data).
inline constexpr std::size_t kMaxConfigBytes = std::size_t(1) << 20;
/// The deepest nesting a configuration (file or --set value) may have, counting each part of a
/// dotted key (`a.b.c = 1` is 3) and each table header part, inline table and array around a
/// value. The schema needs 4; the text is scanned for it before the TOML parser, whose
/// recursion a deeper text (`a.a.a…` with 10⁵ parts) could overflow the stack with.
inline constexpr std::size_t kMaxConfigDepth = 64;

/// Reads and validates a configuration file, then applies `overrides` ("section.key=value",
/// the value parsed as a TOML value, a bare word that is not TOML taken as a string).
/// Throws InputError when the file cannot be read ("path: No such file or directory"),
/// ConfigError for anything wrong inside it or in the overrides.
RunConfig load_config(const std::filesystem::path& path,
                      const std::vector<std::string>& overrides = {});

/// The same from text; `source_name` prefixes every error location.
RunConfig parse_config(std::string_view toml_text, std::string_view source_name,
                       const std::vector<std::string>& overrides = {});

/// The resolved configuration as TOML text: every key the chosen variants use, defaults filled
/// in, keys a variant does not use left out. parse_config(to_toml(c), ...) == c.
std::string to_toml(const RunConfig& cfg);

/// Every key of the schema, dotted ("train.schedule.gamma"), in documentation order
/// (config_key_table() in keys.hpp describes each).
const std::vector<std::string_view>& config_keys();

/// A key whose value differs between two configurations, with both values as TOML text
/// (empty where the key does not apply to that configuration, e.g. another optimizer's beta).
struct ConfigChange {
  std::string key;     ///< dotted
  std::string before;
  std::string after;
  bool resume_safe = false;  ///< `mlp train --resume` may change it (ConfigKeyInfo::resume_safe)
};

/// Every key whose value differs, in documentation order: empty exactly when before == after.
std::vector<ConfigChange> config_changes(const RunConfig& before, const RunConfig& after);

}  // namespace mlp
