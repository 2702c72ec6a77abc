// Fuzz target for the run configuration: any byte string either parses into a RunConfig or
// throws ConfigError — nothing else may escape, and nothing may crash. A configuration that
// parses must survive the to_toml round trip unchanged. The first line of the input, when it
// starts with "#set ", is taken as one --set override so that overrides are fuzzed as well.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/config/config.hpp"
#include "mlp/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  if (text.substr(0, 5) == "#set ") {
    const auto eol = text.find('\n');
    overrides.emplace_back(text.substr(5, eol == std::string_view::npos ? eol : eol - 5));
  }
  mlp::RunConfig cfg;
  try {
    cfg = mlp::parse_config(text, "fuzz.toml", overrides);
  } catch (const mlp::ConfigError&) {
    return 0;
  }
  const std::string written = mlp::to_toml(cfg);
  try {
    const mlp::RunConfig again = mlp::parse_config(written, "written.toml");
    if (!(again == cfg) || mlp::to_toml(again) != written) {
      std::fprintf(stderr, "round trip changed the configuration:\n%s\n", written.c_str());
      std::abort();
    }
  } catch (const mlp::ConfigError& e) {
    std::fprintf(stderr, "to_toml wrote a file that does not parse: %s\n%s\n", e.what(),
                 written.c_str());
    std::abort();
  }
  return 0;
}
