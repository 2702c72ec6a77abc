#include "mlp/data/load.hpp"

#include <fmt/format.h>

#include <fstream>
#include <string>
#include <string_view>

#include "mlp/core/error.hpp"

namespace mlp::data {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Format detect_format(const std::filesystem::path& path) {
  const std::string name = path.string();
  if (name == "-") return Format::csv;
  if (ends_with(name, "-ubyte") || ends_with(name, "-ubyte.gz")) return Format::idx;
  // Only a regular file is sniffed: opening a FIFO would wait for a writer, and reading its
  // first bytes would take them from the CSV reader. IDX is read from regular files only, so
  // anything else (a FIFO, a device, a missing path) is a CSV stream or the CSV reader's error.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Format::csv;
  std::ifstream in(path, std::ios::binary);
  unsigned char magic[4] = {};
  if (!in.read(reinterpret_cast<char*>(magic), sizeof magic)) return Format::csv;
  const bool idx = magic[0] == 0x00 && magic[1] == 0x00 && magic[2] == 0x08;
  const bool gzip = magic[0] == 0x1f && magic[1] == 0x8b;
  return idx || gzip ? Format::idx : Format::csv;
}

Format resolve_format(const std::filesystem::path& path, const LoadOptions& options) {
  if (options.format != Format::automatic) return options.format;
  if (!options.labels.empty()) return Format::idx;
  return detect_format(path);
}

Dataset load(const std::filesystem::path& path, const LoadOptions& options) {
  if (resolve_format(path, options) == Format::idx) {
    if (options.labels.empty()) {
      throw ConfigError(fmt::format("{}: IDX images need a labels file", path.string()));
    }
    return load_idx(path, options.labels, options.idx);
  }
  if (options.schema) return load_csv(path, *options.schema, options.csv);
  return load_csv(path, options.csv);
}

}  // namespace mlp::data
