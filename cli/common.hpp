// Shared pieces of the `mlp` command: each subcommand lives in its own file and registers
// itself on the CLI11 app; main() parses, runs the chosen command, and is the only place that
// prints errors and picks the exit code (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "mlp/core/setting.hpp"
#include "mlp/train/metrics_json.hpp"
#include "mlp/train/scores.hpp"
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

/// The arguments every command over a run configuration takes: CONFIG, --set KEY=VALUE
/// (repeatable) and --json.
struct ConfigArgs {
  std::string config;
  std::vector<std::string> sets;
  bool json = false;
};
/// Declares ConfigArgs' options on `cmd`; `json_help` says what --json prints.
void add_config_args(CLI::App* cmd, ConfigArgs& a, const std::string& json_help);

/// The validator of every numeric option: the text must be a decimal number (an integer when
/// `integer`) inside `range`, whose bounds also require a finite value, so that nan, inf and
/// out-of-range values are refused with the option's name and the range ("--epsilon: must be
/// > 0 and finite (got nan)", exit 2). A decimal too small for a double (1e-400) reads as 0,
/// as strtod and the TOML parser read it; one too large (1e400) is refused.
CLI::Validator number_in(const Interval& range, bool integer);

/// Adds a numeric option checked by number_in; integer options take integers only.
template <class T>
CLI::Option* add_number(CLI::App* cmd, const std::string& name, T& value, const std::string& help,
                        const Interval& range) {
  return cmd->add_option(name, value, help)->check(number_in(range, std::is_integral_v<T>));
}

/// Metrics as the --json contract: {"loss", "accuracy"} or {"loss", "rmse", "mae", "r2"}.
/// "cost 0.3408, accuracy 0.8917" or "cost 0.12, RMSE 3.1, MAE 2.2, R² 0.87".
std::string metrics_text(const Metrics& m);

/// Per-class precision, recall, F1 and support with their averages, log-loss and ROC-AUC, or
/// one line of scores per regression target (and their mean when there are several), each
/// regression line starting with `prefix` (mlp eval, mlp train).
std::string scores_text(const Scores& s, const std::vector<std::string>& names,
                        std::string_view prefix = {});

/// Thrown when the reader of standard output went away (EPIPE, SIGPIPE ignored): main ends the
/// command quietly with 141, as a program killed by SIGPIPE would.
struct BrokenPipe {};

/// What a failed write to standard output (errno `error`) throws: BrokenPipe for EPIPE,
/// otherwise IoError `standard output: <strerror>` (exit 74).
[[noreturn]] void stdout_failed(int error);

/// Writes `text` on standard output and flushes it, so that a command stops at the first
/// output it cannot deliver (stdout_failed).
void write_stdout(std::string_view text);

/// fmt::print to standard output through write_stdout.
template <class... Args>
void print_out(fmt::format_string<Args...> format, Args&&... args) {
  write_stdout(fmt::format(format, std::forward<Args>(args)...));
}

/// Prints one JSON document on stdout (the --json output of every command).
void print_json(const nlohmann::json& j);

/// For main, after the command: flushes and closes standard output and reports whether
/// anything written to it was lost (0, or the errno; -1 when the error is known but not its
/// errno).
int close_stdout();

/// True when stderr is a terminal and NO_COLOR/TERM=dumb do not ask for plain output.
bool stderr_is_interactive();

}  // namespace mlp::cli
