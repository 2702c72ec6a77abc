// mlp — train, evaluate and inspect multi-layer perceptrons from the command line.
// Exit codes (docs/cli.md): 0 success, 1 runtime failure, 2 usage or configuration error,
// 65 bad data or model file, 66 missing input, 74 output error, 130/143 after SIGINT/SIGTERM.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <sstream>

#include "common.hpp"
#include "mlp/core/error.hpp"

namespace {

/// --help and --version: CLI11's text, written on stdout like any command's output (so that a
/// failed write is reported the same way).
mlp::cli::Action show(const CLI::App& app, const CLI::Error& e) {
  std::ostringstream out;
  const int code = app.exit(e, out);
  return [text = out.str(), code] {
    mlp::cli::write_stdout(text);
    return code;
  };
}

int run(int argc, char** argv) {
  CLI::App app{"mlp — multi-layer perceptrons: train, evaluate, predict, check gradients, "
               "diagnose bias/variance, cross-validate.\nSee docs/cli.md and docs/config.md.",
               "mlp"};
  app.set_version_flag("--version", std::string("mlp ") + MLP_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);
  mlp::cli::Action action;
  auto& cmds = mlp::cli::commands();
  std::sort(cmds.begin(), cmds.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& c : cmds) c.setup(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    action = show(app, e);
  } catch (const CLI::CallForAllHelp& e) {
    action = show(app, e);
  } catch (const CLI::CallForVersion& e) {
    action = show(app, e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and the usage hint
    return static_cast<int>(mlp::ExitCode::usage);
  }
  try {
    return action ? action() : 0;
  } catch (const mlp::cli::BrokenPipe&) {
    return 141;  // the reader has what it wanted: end as SIGPIPE would (128 + 13), quietly
  } catch (const mlp::Error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "{}{}\n", std::string_view(e.what()).find("error: ") == std::string_view::npos ? "error: " : "", e.what());
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "error: out of memory\n");
    return static_cast<int>(mlp::ExitCode::runtime);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return static_cast<int>(mlp::ExitCode::runtime);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int code = run(argc, argv);
  // Whatever a command printed must have reached standard output: a full disk or a closed
  // descriptor (`mlp eval ... > /dev/full`) is an output error, not a success.
  const int error = mlp::cli::close_stdout();
  if (error == 0 || error == EPIPE || code != 0) return code == 0 && error == EPIPE ? 141 : code;
  fmt::print(stderr, "error: standard output: {}\n", error > 0 ? std::strerror(error) : "write error");
  return static_cast<int>(mlp::ExitCode::io);
}
