#include "common.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>

#include "mlp/core/error.hpp"

namespace mlp::cli {

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

namespace {

/// For a decimal that from_chars finds out of a double's range: whether it is too small (below
/// the smallest denormal) rather than too large, from the decimal exponent of its first
/// significant digit (|x| < 1 exactly when that exponent is negative).
bool too_small_for_double(std::string_view t) {
  const auto e = t.find_first_of("eE");
  const std::string_view mantissa = t.substr(0, e);
  const auto first = mantissa.find_first_of("123456789");
  if (first == std::string_view::npos) return true;
  const auto point = mantissa.find('.');
  const auto whole_end = point == std::string_view::npos ? mantissa.size() : point;
  long long exponent10 = first < whole_end ? static_cast<long long>(whole_end - first) - 1
                                           : -static_cast<long long>(first - point);
  if (e != std::string_view::npos) {
    std::string_view x = t.substr(e + 1);
    if (!x.empty() && x.front() == '+') x.remove_prefix(1);
    long long written = 0;
    const auto r = std::from_chars(x.data(), x.data() + x.size(), written);
    if (r.ec == std::errc::result_out_of_range) {
      written = !x.empty() && x.front() == '-' ? -(1LL << 62) : (1LL << 62);
    }
    exponent10 += written;
  }
  return exponent10 < 0;
}

/// The whole text as a double (a leading '+' allowed), or nullopt when it is not one number.
/// Out of range: ±0 when too small, ±inf when too large.
std::optional<double> read_double(std::string_view t) {
  if (t.size() > 1 && t.front() == '+' && t[1] != '-' && t[1] != '+') t.remove_prefix(1);
  double v = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), v, std::chars_format::general);
  if (r.ptr != t.data() + t.size() || t.empty()) return std::nullopt;
  if (r.ec == std::errc::result_out_of_range) {
    const bool negative = t.front() == '-';
    const double magnitude = too_small_for_double(t) ? 0.0 : std::numeric_limits<double>::infinity();
    return negative ? -magnitude : magnitude;
  }
  if (r.ec != std::errc()) return std::nullopt;
  return v;
}

}  // namespace

std::string metrics_text(const Metrics& m) {
  std::string s = fmt::format("cost {:.4f}", m.loss);
  if (m.accuracy) s += fmt::format(", accuracy {:.4f}", *m.accuracy);
  if (m.rmse) s += fmt::format(", RMSE {:.4g}", *m.rmse);
  if (m.mae) s += fmt::format(", MAE {:.4g}", *m.mae);
  if (m.r2) s += fmt::format(", R² {:.4f}", *m.r2);
  return s;
}

/// Per-class precision, recall, F1 and support with their averages, log-loss and ROC-AUC
/// (scikit-learn's classification_report layout), or the per-target regression scores.
std::string scores_text(const Scores& s, const std::vector<std::string>& names,
                        std::string_view prefix) {
  const auto name = [&](std::size_t i) { return i < names.size() ? names[i] : std::to_string(i); };
  std::string out;
  if (s.classification) {
    const ClassificationScores& c = *s.classification;
    std::size_t first = std::string("weighted avg").size();
    for (std::size_t i = 0; i < c.per_class.size(); ++i) first = std::max(first, name(i).size());
    out += fmt::format("{:<{}}  {:>9}  {:>9}  {:>9}  {:>9}\n", "", first, "precision", "recall",
                       "f1", "support");
    const auto row = [&](const std::string& label, const ClassScores& r) {
      out += fmt::format("{:<{}}  {:>9.4f}  {:>9.4f}  {:>9.4f}  {:>9}\n", label, first,
                         r.precision, r.recall, r.f1, r.support);
    };
    for (std::size_t i = 0; i < c.per_class.size(); ++i) row(name(i), c.per_class[i]);
    row("macro avg", c.macro);
    row("weighted avg", c.weighted);
    out += fmt::format("log-loss {:.4f}, ROC-AUC {}\n", c.log_loss,
                       c.roc_auc ? fmt::format("{:.4f}{}", *c.roc_auc,
                                               c.per_class.size() > 2 ? " (one-vs-rest, macro)" : "")
                                 : std::string("undefined (a class has no example)"));
  } else {
    const auto row = [&](const std::string& label, const TargetScores& t) {
      out += fmt::format("{}{}: RMSE {:.4g}, MAE {:.4g}, R² {:.4f}, MAPE {:.4g}, max error {:.4g}\n",
                         prefix, label, t.rmse, t.mae, t.r2, t.mape, t.max_error);
    };
    for (std::size_t i = 0; i < s.targets.size(); ++i) row(name(i), s.targets[i]);
    // Several targets: their unweighted mean (scikit-learn's uniform_average), largest max error.
    if (s.targets.size() > 1) {
      row(fmt::format("mean of {} targets", s.targets.size()), mean_scores(s.targets));
    }
  }
  return out;
}

void stdout_failed(int error) {
  if (error == EPIPE) throw BrokenPipe{};
  throw IoError(fmt::format("standard output: {}", std::strerror(error)));
}

void write_stdout(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) stdout_failed(errno);
  if (std::fflush(stdout) != 0) stdout_failed(errno);
}

void print_json(const nlohmann::json& j) { write_stdout(j.dump(2) + "\n"); }

int close_stdout() {
  // CLI11 prints help and the version through std::cout, which (synchronised with stdio, the
  // default) writes into stdout's buffer: flushing stdout delivers both.
  errno = 0;
  if (std::fflush(stdout) != 0) return errno != 0 ? errno : -1;
  const bool earlier_error = std::ferror(stdout) != 0 || !std::cout.flush();
  errno = 0;
  if (std::fclose(stdout) != 0) return errno != 0 ? errno : -1;
  return earlier_error ? -1 : 0;
}

CLI::Validator number_in(const Interval& range, bool integer) {
  const std::string allowed = range.text(integer);
  auto check = [range, integer, allowed](std::string& text) -> std::string {
    double value = 0;
    if (integer) {
      long long i = 0;
      std::string_view t = text;
      if (t.size() > 1 && t.front() == '+') t.remove_prefix(1);
      const auto r = std::from_chars(t.data(), t.data() + t.size(), i);
      if (t.empty() || r.ptr != t.data() + t.size() || r.ec != std::errc()) {
        return fmt::format("must be {} (got {})", allowed, text);
      }
      value = static_cast<double>(i);
    } else {
      const auto v = read_double(text);
      if (!v) return fmt::format("must be a number {} (got {})", allowed, text);
      value = *v;
    }
    if (!range.contains(value)) {
      // 1e-400 reads as 0: say so, since the text does not look like 0.
      const bool rounded =
          value == 0.0 && text.substr(0, text.find_first_of("eE")).find_first_of("123456789") != std::string::npos;
      return fmt::format("must be {} (got {}{})", allowed, text,
                         rounded ? ", which is 0 as a double" : "");
    }
    return {};
  };
  return CLI::Validator(check, allowed);
}

bool stderr_is_interactive() {
  if (!::isatty(STDERR_FILENO)) return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  return !(term && std::strcmp(term, "dumb") == 0);
}

void add_config_args(CLI::App* cmd, ConfigArgs& a, const std::string& json_help) {
  cmd->add_option("config", a.config, "Run configuration (TOML)")->required()->type_name("CONFIG");
  cmd->add_option("--set", a.sets, "Override a configuration key (repeatable)")->type_name("KEY=VALUE");
  cmd->add_flag("--json", a.json, json_help);
}

}  // namespace mlp::cli
