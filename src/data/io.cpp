#include "io.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mlp/core/error.hpp"

namespace mlp::data::detail {
namespace {

[[noreturn]] void fail_errno(const std::string& name, int err) {
  throw InputError(fmt::format("{}: {}", name, std::strerror(err)));
}

/// Closes a file descriptor on scope exit (never standard input).
struct Fd {
  int fd = -1;
  bool owned = false;
  ~Fd() {
    if (owned && fd >= 0) ::close(fd);
  }
};

void open_input(const std::filesystem::path& path, Fd& f) {
  const std::string name = display_name(path);
  if (path == "-") {
    f.fd = STDIN_FILENO;
    return;
  }
  do {
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (f.fd < 0 && errno == EINTR);
  if (f.fd < 0) fail_errno(name, errno);
  f.owned = true;
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) fail_errno(name, errno);
  if (S_ISDIR(st.st_mode)) fail_errno(name, EISDIR);
}

}  // namespace

std::string display_name(const std::filesystem::path& path) {
  return path == "-" ? std::string("<stdin>") : path.string();
}

void read_chunks(const std::filesystem::path& path, std::size_t chunk_bytes,
                 const std::function<void(std::string_view)>& sink) {
  Fd f;
  open_input(path, f);
  std::vector<char> buf(chunk_bytes);
  for (;;) {
    const ssize_t n = ::read(f.fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(display_name(path), errno);
    }
    if (n == 0) break;
    sink(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  Fd f;
  open_input(path, f);
  std::vector<std::uint8_t> out;
  struct stat st {};
  if (::fstat(f.fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    out.reserve(static_cast<std::size_t>(st.st_size));  // the bytes are there on disk
  }
  std::vector<std::uint8_t> buf(std::size_t{1} << 20);
  for (;;) {
    const ssize_t n = ::read(f.fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(display_name(path), errno);
    }
    if (n == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
  return out;
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
