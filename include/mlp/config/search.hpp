// `mlp search`: hyper-parameter search over the [search] table of a run configuration
// (docs/cli.md, docs/config.md), each trial scored by the k-fold cross-validation of `mlp cv`.
//
//   config::SearchRunOptions o;
//   o.config = "examples/iris.toml";
//   o.trials = 20;
//   o.out = "runs/iris-search";
//   config::SearchRunResult r = config::search_run(o);  // search.json, search.html, config.toml
//
// A name in [search] is a configuration key: its dotted name ("train.learning_rate", written
// quoted, or as the TOML dotted key train.learning_rate, or inside [search.train]) or, when
// exactly one key ends with it, a shorter name ("learning_rate", "early_stopping.patience").
// Each trial is the configuration with its values applied as `--set KEY=VALUE` overrides after
// the command line's own.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mlp/train/search.hpp"

namespace mlp::config {

/// The search space of the [search] table of the configuration file at `path`: each entry's
/// name resolved to its configuration key, its distribution checked, each choice value and
/// each interval end checked as a value of its key (with the file's other settings and
/// `overrides`). Throws InputError when the file cannot be read, ConfigError listing every
/// problem with its file:line:column (no [search] table, an unknown or ambiguous name, an empty
/// choice, bounds out of order, log_uniform bounds <= 0, a value the key refuses, ...).
search::Space read_search_space(const std::filesystem::path& path,
                                const std::vector<std::string>& overrides = {});

struct SearchRunOptions {
  std::filesystem::path config;
  std::vector<std::string> overrides;  ///< --set, applied before each trial's values
  /// The output directory; empty = runs/<config file stem>-search.
  std::filesystem::path out;
  /// Replace the config.toml, search.json and search.html of a previous search in `out` (only
  /// in a directory holding mlp's run marker; nothing else there is touched).
  bool force = false;
  search::Method method = search::Method::random;
  /// random and halving: the trials drawn (>= 1); grid: 0 = every grid point, fewer = a seeded
  /// subset.
  std::size_t trials = 0;
  int folds = 5;
  int eta = 3;      ///< halving
  int threads = 0;  ///< trials at once; 0 = every core. Each trial trains on one thread.
  std::optional<std::uint64_t> seed;  ///< the search seed; none = train.seed
  /// Called after each scoring (one call at a time), e.g. for progress output.
  search::TrialDone on_trial;
  /// The ranks the trials are dealt over (mlp::dist::world() under mpirun; search::Options::comm):
  /// every rank returns the same search result; rank 0 alone checks and writes the output
  /// directory. Null: one process.
  Communicator* comm = nullptr;
};

struct SearchRunResult {
  search::Result search;
  std::filesystem::path dir;     ///< the output directory
  std::filesystem::path config;  ///< dir/config.toml: the best trial's configuration
  std::filesystem::path json;    ///< dir/search.json
  std::filesystem::path report;  ///< dir/search.html
  std::string json_text;         ///< the contents of search.json
  bool written = true;           ///< false on the ranks other than 0, which write nothing
};

/// Runs the search and writes, atomically, search.json (search::to_json), search.html (the
/// trials ranked, a parallel-coordinates plot) and config.toml (the best trial's configuration,
/// resolved as `mlp train` writes it) into the output directory. Every check of the space and
/// the options comes before the directory is touched. Throws ConfigError (configuration, search
/// space, options, an output directory that already holds a search or run without `force`),
/// InputError, DataError, IoError; when every trial fails, the first trial's error. The kernels
/// run on one thread during the search (set_threads(1), the previous count restored after), so
/// the results do not depend on `threads`.
SearchRunResult search_run(const SearchRunOptions& options);

}  // namespace mlp::config
