// Writes a RunConfig back as TOML: the resolved configuration a run directory keeps. Every key of
// the table (schema.cpp) that applies, in documentation order; keys that the chosen variants do
// not use (another optimizer's betas, another schedule's parameters, CSV keys for IDX data) are
// left out, so that the text parses back to an equal RunConfig.
#include <fmt/format.h>

#include "mlp/config/config.hpp"
#include "schema.hpp"

namespace mlp {

std::string to_toml(const RunConfig& cfg) {
  namespace sc = config::schema;
  std::string out = "# Resolved run configuration: every key with its value (docs/config.md).\n";
  std::string_view section = "-";
  for (const auto& key : sc::keys()) {
    const std::string value = sc::applied_value_text(key, cfg);
    if (value.empty()) continue;  // not used, an optional path not given, a setting not published
    if (key.section() != section) {
      section = key.section();
      out += fmt::format("\n[{}]\n", section);
    }
    out += fmt::format("{} = {}\n", key.leaf(), value);
  }
  return out;
}

}  // namespace mlp
