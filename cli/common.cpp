#include "common.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mlp::cli {

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

namespace {
nlohmann::json number(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}
}  // namespace

nlohmann::json metrics_json(const Metrics& m) {
  nlohmann::json j;
  j["loss"] = number(m.loss);
  if (m.accuracy) j["accuracy"] = number(*m.accuracy);
  if (m.rmse) j["rmse"] = number(*m.rmse);
  if (m.mae) j["mae"] = number(*m.mae);
  if (m.r2) j["r2"] = number(*m.r2);
  return j;
}

std::string metrics_text(const Metrics& m) {
  std::string s = fmt::format("cost {:.4f}", m.loss);
  if (m.accuracy) s += fmt::format(", accuracy {:.4f}", *m.accuracy);
  if (m.rmse) s += fmt::format(", RMSE {:.4g}", *m.rmse);
  if (m.mae) s += fmt::format(", MAE {:.4g}", *m.mae);
  if (m.r2) s += fmt::format(", R² {:.4f}", *m.r2);
  return s;
}

void print_json(const nlohmann::json& j) {
  const std::string text = j.dump(2) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

bool stderr_is_interactive() {
  if (!::isatty(STDERR_FILENO)) return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  return !(term && std::strcmp(term, "dumb") == 0);
}

}  // namespace mlp::cli
