// mlp — train, evaluate and inspect multi-layer perceptrons from the command line.
// Exit codes (docs/cli.md): 0 success, 1 runtime failure, 2 usage or configuration error,
// 65 bad data or model file, 66 missing input, 74 output error, 130/143 after SIGINT/SIGTERM.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"
#include "mlp/config/keys.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"
#include "mlp/core/tensor.hpp"
#include "mlp/dist/mpi.hpp"

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

/// `text` as one shell word: unchanged when it holds only characters the shell leaves alone,
/// otherwise in single quotes.
std::string shell_word(const std::string& text) {
  constexpr std::string_view kPlain =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-/:=,@%";
  const bool plain = !text.empty() && text.find_first_not_of(kPlain) == std::string::npos;
  if (plain) return text;
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// What a command line the parser refused probably meant, or "" when nothing is clear (the
/// parser's own message then stands):
///   mlp trian ...                    unknown command 'trian'; did you mean 'train'?
///   mlp train c.toml --epochs 5      unknown option --epochs: ... --set train.epochs=5
///   mlp train c.toml --jsn           unknown option --jsn; did you mean --json?
/// Configuration keys come from the key table (config_keys_for_option); commands and options
/// from the parser's own lists.
std::string usage_hint(const CLI::App& app, const std::vector<std::string>& args) {
  const std::vector<CLI::App*> chosen = app.get_subcommands();
  if (chosen.empty()) {
    // No command was recognised: the first word that is not an option was meant as one.
    const auto word = std::find_if(args.begin(), args.end(),
                                   [](const std::string& a) { return a.empty() || a[0] != '-'; });
    if (word == args.end()) return "";
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      names.push_back(sub->get_name());
    }
    const std::vector<std::string_view> views(names.begin(), names.end());
    if (const auto near = mlp::nearest_name(*word, views)) {
      return fmt::format("unknown command '{}'; did you mean '{}'?", *word, *near);
    }
    return fmt::format("unknown command '{}'; the commands are {}", *word, fmt::join(names, ", "));
  }
  const CLI::App& cmd = *chosen.back();
  const bool takes_set = cmd.get_option_no_throw("--set") != nullptr;
  std::vector<std::string> options;
  for (const CLI::Option* o : cmd.get_options()) {
    for (const auto& l : o->get_lnames()) options.push_back("--" + l);
  }
  const std::vector<std::string_view> option_views(options.begin(), options.end());

  // One line per unknown option; the hint replaces the parser's message when at least one
  // option has one.
  std::vector<std::string> lines;
  bool hinted = false;
  for (const std::string& token : app.remaining(true)) {
    if (token.size() < 3 || token.compare(0, 2, "--") != 0) continue;
    const auto eq = token.find('=');
    const std::string name = token.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::optional<std::string> value;
    if (eq != std::string::npos) {
      value = token.substr(eq + 1);
    } else {
      // --X VALUE: the word after the option, unless it is another option (a negative number
      // is a value).
      const auto at = std::find(args.begin(), args.end(), token);
      if (at != args.end() && at + 1 != args.end()) {
        const std::string& next = *(at + 1);
        const bool number = next.size() > 1 && (std::isdigit(static_cast<unsigned char>(next[1])) != 0 || next[1] == '.');
        if (next.empty() || next[0] != '-' || number) value = next;
      }
    }
    const std::vector<std::string> keys =
        takes_set ? mlp::config_keys_for_option(name) : std::vector<std::string>{};
    if (!keys.empty()) {
      std::vector<std::string> sets;
      for (const auto& k : keys) {
        sets.push_back("--set " + (value ? shell_word(k + "=" + *value) : k + "=VALUE"));
      }
      lines.push_back(fmt::format("unknown option --{}: configuration keys are set with --set; write {}",
                                  name, fmt::join(sets, " or ")));
      hinted = true;
    } else if (const auto near = mlp::nearest_name("--" + name, option_views)) {
      lines.push_back(fmt::format("unknown option --{}; did you mean {}?", name, *near));
      hinted = true;
    } else {
      lines.push_back(fmt::format("unknown option --{}", name));
    }
  }
  if (!hinted) return "";
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\nerror: ") + l;
  return out;
}

int run(int argc, char** argv) {
  CLI::App app{"mlp — multi-layer perceptrons: train, evaluate, predict, check gradients, "
               "diagnose bias/variance, cross-validate.\nSee docs/cli.md and docs/config.md.",
               "mlp"};
  // The second line says whether `mpirun -np N mlp train` trains data-parallel (docs/distributed.md).
  app.set_version_flag("--version", std::string("mlp ") + MLP_VERSION + "\ndistributed training: " +
                                        mlp::dist::description());
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
    const std::string hint = usage_hint(app, std::vector<std::string>(argv + 1, argv + argc));
    if (hint.empty()) {
      app.exit(e);  // prints the message and the usage hint
    } else {
      fmt::print(stderr, "error: {}\nRun with --help for more information.\n", hint);
    }
    return static_cast<int>(mlp::ExitCode::usage);
  }
  // MLP_GEMM is checked before a command starts (it would otherwise fail at the first product,
  // after a run directory exists).
  if (const std::string gemm = mlp::gemm_setting_error(); action && !gemm.empty()) {
    fmt::print(stderr, "error: {}\n", gemm);
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
  // Under an MPI launcher: finalize after success; otherwise leave it to the launcher to end the
  // job (mlp/dist/mpi.hpp).
  mlp::dist::finish(code);
  // Whatever a command printed must have reached standard output: a full disk or a closed
  // descriptor (`mlp eval ... > /dev/full`) is an output error, not a success.
  const int error = mlp::cli::close_stdout();
  if (error == 0 || error == EPIPE || code != 0) return code == 0 && error == EPIPE ? 141 : code;
  fmt::print(stderr, "error: standard output: {}\n", error > 0 ? std::strerror(error) : "write error");
  return static_cast<int>(mlp::ExitCode::io);
}
