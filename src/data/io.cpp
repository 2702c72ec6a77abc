#include "io.hpp"

#include <fmt/format.h>

#include "mlp/core/input_file.hpp"

namespace mlp::data::detail {

std::string display_name(const std::filesystem::path& path) {
  return path == "-" ? std::string("<stdin>") : path.string();
}

void read_chunks(const std::filesystem::path& path, std::size_t chunk_bytes,
                 const std::function<void(std::string_view)>& sink) {
  InputFile(path, InputFile::Kind::stream).read_chunks(chunk_bytes, sink);
}

std::string quote_bytes(std::string_view text, std::size_t max_bytes) {
  std::string out = "'";
  const std::size_t n = std::min(text.size(), max_bytes);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '\'';
  if (text.size() > max_bytes) out += fmt::format("... ({} bytes)", text.size());
  return out;
}

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0u) != 0x80u) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string join_names(const std::vector<std::string>& names, std::size_t max_items) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < max_items; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  if (names.size() > max_items) out += fmt::format(", ... ({} in all)", names.size());
  return out;
}

}  // namespace mlp::data::detail
