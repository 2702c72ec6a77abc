// Typed errors. Library code throws these; only the command-line `main` prints and exits.
// Each error says what was wrong, where (file:line:col, config key, layer or tensor name) and,
// where possible, how to fix it. The exit code a program should use travels with the error.
#pragma once

#include <stdexcept>
#include <string>

namespace mlp {

/// Exit codes of the `mlp` tool (sysexits-style), documented in docs/cli.md.
enum class ExitCode : int {
  ok = 0,
  runtime = 1,     ///< a failure while running (divergence, internal error)
  usage = 2,       ///< bad command line or configuration
  data = 65,       ///< malformed input data or model file
  no_input = 66,   ///< an input file is missing or unreadable
  io = 74,         ///< an output could not be written
  interrupted = 130,
  terminated = 143,
};

/// Base of every error the library throws.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, ExitCode code = ExitCode::runtime)
      : std::runtime_error(what), code_(code) {}
  [[nodiscard]] ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

/// Invalid configuration or API argument (learning rate <= 0, unknown activation name, ...).
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& what) : Error(what, ExitCode::usage) {}
};

/// Malformed data: CSV, IDX, or a model file that is truncated, corrupt or inconsistent.
class DataError : public Error {
 public:
  explicit DataError(const std::string& what) : Error(what, ExitCode::data) {}
};

/// Shapes that do not fit together (input width vs the first layer, labels vs outputs, ...).
class ShapeError : public Error {
 public:
  explicit ShapeError(const std::string& what) : Error(what, ExitCode::data) {}
};

/// An input file that does not exist or cannot be opened.
class InputError : public Error {
 public:
  explicit InputError(const std::string& what) : Error(what, ExitCode::no_input) {}
};

/// An output that could not be written (disk full, read-only directory, ...).
class IoError : public Error {
 public:
  explicit IoError(const std::string& what) : Error(what, ExitCode::io) {}
};

/// A numerical failure: non-finite cost or gradient during training.
class NumericError : public Error {
 public:
  explicit NumericError(const std::string& what) : Error(what, ExitCode::runtime) {}
};

}  // namespace mlp
