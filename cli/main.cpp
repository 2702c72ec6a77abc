// mlp — train, evaluate and inspect multi-layer perceptrons from the command line.
// Exit codes (docs/cli.md): 0 success, 1 runtime failure, 2 usage or configuration error,
// 65 bad data or model file, 66 missing input, 74 output error, 130/143 after SIGINT/SIGTERM.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>

#include "common.hpp"
#include "mlp/core/error.hpp"

int main(int argc, char** argv) {
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
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and the usage hint
    return static_cast<int>(mlp::ExitCode::usage);
  }
  try {
    return action ? action() : 0;
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
