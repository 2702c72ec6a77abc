#include "mlp/core/input_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "mlp/core/error.hpp"

namespace mlp {
namespace {

[[noreturn]] void fail_errno(const std::string& name, int error) {
  throw InputError(fmt::format("{}: {}", name, std::strerror(error)));
}

std::string_view file_type(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

InputFile::InputFile(const std::filesystem::path& path, Kind kind, std::string_view why_regular)
    : name_(path == "-" ? std::string("<stdin>") : path.string()) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
  } else {
    // O_NONBLOCK: opening a FIFO that has no writer returns at once instead of waiting; the
    // FIFO is then refused below. A stream keeps the ordinary blocking open (a FIFO waits for
    // its writer, as `cat` does).
    const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | (kind == Kind::regular ? O_NONBLOCK : 0);
    do {
      fd_ = ::open(path.c_str(), flags);
    } while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) fail_errno(name_, errno);
    owned_ = true;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int error = errno;
    if (owned_) ::close(fd_);
    fail_errno(name_, error);
  }
  const auto refuse = [&](const std::string& message) {
    if (owned_) ::close(fd_);
    throw InputError(message);
  };
  if (S_ISDIR(st.st_mode)) refuse(fmt::format("{}: {}", name_, std::strerror(EISDIR)));
  regular_ = S_ISREG(st.st_mode);
  if (kind == Kind::regular) {
    if (!regular_) {
      refuse(fmt::format("{}: {} ({}){}{}", name_, "not a regular file", file_type(st.st_mode),
                         why_regular.empty() ? "" : "; ", why_regular));
    }
    if (owned_) {
      const int fl = ::fcntl(fd_, F_GETFL);
      if (fl >= 0) static_cast<void>(::fcntl(fd_, F_SETFL, fl & ~O_NONBLOCK));
    }
  }
  if (regular_ && st.st_size > 0) size_ = static_cast<std::uint64_t>(st.st_size);
}

InputFile::~InputFile() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

std::size_t InputFile::read_some(void* out, std::size_t n) {
  for (;;) {
    const ssize_t got = ::read(fd_, out, n);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) fail_errno(name_, errno);
  }
}

std::size_t InputFile::read_full(void* out, std::size_t n) {
  auto* p = static_cast<unsigned char*>(out);
  std::size_t done = 0;
  while (done < n) {
    const std::size_t got = read_some(p + done, n - done);
    if (got == 0) break;
    done += got;
  }
  return done;
}

void InputFile::read_chunks(std::size_t chunk_bytes,
                            const std::function<void(std::string_view)>& sink) {
  std::vector<char> buf(chunk_bytes);
  for (;;) {
    const std::size_t got = read_some(buf.data(), buf.size());
    if (got == 0) return;
    sink(std::string_view(buf.data(), got));
  }
}

}  // namespace mlp
