// Shared pieces of the `mlp` command: each subcommand lives in its own file and registers
// itself on the CLI11 app; main() parses, runs the chosen command, and is the only place that
// prints errors and picks the exit code (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlp/train/trainer.hpp"

namespace mlp::cli {

/// The command to run after parsing; returns the exit code.
using Action = std::function<int()>;

/// A subcommand: `setup` adds it to the app and sets `action` when it is selected.
struct Command {
  int order;  ///< position in `mlp --help`
  void (*setup)(CLI::App& app, Action& action);
};
/// Every command file registers itself with a static Registrar (cli/ is linked into the
/// executable directly, so each registrar runs).
std::vector<Command>& commands();
struct Registrar {
  Registrar(int order, void (*setup)(CLI::App&, Action&)) { commands().push_back({order, setup}); }
};

/// Metrics as the --json contract: {"loss", "accuracy"} or {"loss", "rmse", "mae", "r2"}.
nlohmann::json metrics_json(const Metrics& m);
/// "cost 0.3408, accuracy 0.8917" or "cost 0.12, RMSE 3.1, MAE 2.2, R² 0.87".
std::string metrics_text(const Metrics& m);

/// Prints one JSON document on stdout (the --json output of every command).
void print_json(const nlohmann::json& j);

/// True when stderr is a terminal and NO_COLOR/TERM=dumb do not ask for plain output.
bool stderr_is_interactive();

}  // namespace mlp::cli
