// Atomic output (temp file + fsync + rename) and bounded input. See include/mlp/io/atomic_file.hpp.
#include "mlp/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "mlp/core/error.hpp"

namespace mlp::io {
namespace {

constexpr std::size_t kBufferBytes = std::size_t{1} << 16;
constexpr int kMaxNameAttempts = 100;
constexpr int kMaxSymlinks = 40;  // as the kernel's MAXSYMLINKS
constexpr std::string_view kTempInfix = ".tmp.";

thread_local std::optional<testing::Fault> t_fault;

/// The errno an armed fault assigns to `step`, or 0.
int injected(testing::FileStep step) {
  return (t_fault && t_fault->step == step) ? t_fault->error : 0;
}

std::string describe(const std::filesystem::path& path, int error) {
  return path.string() + ": " + std::strerror(error);
}

std::atomic<unsigned> g_temp_counter{0};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// N for the names of an open descriptor (`/dev/fd/N`, `/proc/self/fd/N`, `/dev/stdout`,
/// `/dev/stderr`), -1 for any other path. Opening these names would reopen the file at offset 0
/// (and, for a socket, fail): writing through the descriptor is what the caller means.
int descriptor_of(const std::filesystem::path& path) {
  const std::string s = path.lexically_normal().string();
  if (s == "/dev/stdout") return STDOUT_FILENO;
  if (s == "/dev/stderr") return STDERR_FILENO;
  for (const std::string_view prefix : {std::string_view("/dev/fd/"), std::string_view("/proc/self/fd/")}) {
    if (!s.starts_with(prefix)) continue;
    const std::string_view digits = std::string_view(s).substr(prefix.size());
    int n = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (all_digits(digits) && ec == std::errc() && end == digits.data() + digits.size()) return n;
    return -1;
  }
  return -1;
}

/// What a path finally names, symbolic links followed.
struct Destination {
  std::filesystem::path path;  ///< the last name reached (not a link)
  int descriptor = -1;         ///< >= 0: an open descriptor's name (descriptor_of)
  bool exists = false;
  struct stat st {};
};

Destination resolve(const std::filesystem::path& given) {
  Destination d;
  d.path = given;
  for (int links = 0; links <= kMaxSymlinks; ++links) {
    d.descriptor = descriptor_of(d.path);
    if (d.descriptor >= 0) return d;
    if (::lstat(d.path.c_str(), &d.st) != 0) {
      if (errno == ENOENT) return d;  // created (its directory must exist)
      throw IoError(describe(given, errno));
    }
    if (!S_ISLNK(d.st.st_mode)) {
      d.exists = true;
      return d;
    }
    std::error_code ec;
    const std::filesystem::path target = std::filesystem::read_symlink(d.path, ec);
    if (ec) throw IoError(describe(given, ec.value()));
    d.path = target.is_absolute() ? target : d.path.parent_path() / target;
  }
  throw IoError(describe(given, ELOOP));
}

}  // namespace

std::optional<std::string_view> temporary_file_target(std::string_view name) {
  // NAME.tmp.<pid>.<n>
  const std::size_t last = name.rfind('.');
  if (last == std::string_view::npos || last == 0 || !all_digits(name.substr(last + 1))) return std::nullopt;
  const std::size_t pid = name.rfind('.', last - 1);
  if (pid == std::string_view::npos || !all_digits(name.substr(pid + 1, last - pid - 1))) return std::nullopt;
  const std::string_view head = name.substr(0, pid + 1);  // "NAME.tmp."
  if (head.size() <= kTempInfix.size() || !head.ends_with(kTempInfix)) return std::nullopt;
  return name.substr(0, head.size() - kTempInfix.size());
}

namespace testing {
ScopedFault::ScopedFault(Fault fault) { t_fault = fault; }
ScopedFault::~ScopedFault() { t_fault.reset(); }
}  // namespace testing

AtomicWriter::AtomicWriter(std::filesystem::path final_path) : final_path_(std::move(final_path)) {
  if (final_path_.empty()) throw IoError("cannot write a file with an empty name");
  if (!final_path_.has_filename()) throw IoError(describe(final_path_, EISDIR));
  const Destination d = resolve(final_path_);
  target_path_ = d.path;
  if (d.descriptor >= 0) {
    open_descriptor(d.descriptor);
  } else if (d.exists && !S_ISREG(d.st.st_mode)) {
    open_in_place(d.path, d.st.st_mode & S_IFMT);
  } else {
    // A replaced file keeps its permission bits (the umask may clear more), so a private file
    // does not become readable by others; a new file gets 0666 less the umask.
    open_temporary(d.path, d.exists ? (d.st.st_mode & 0777) : 0666);
  }
  buffer_.reserve(kBufferBytes);
}

void AtomicWriter::open_descriptor(int descriptor) {
  const int flags = ::fcntl(descriptor, F_GETFL);
  if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
    throw IoError(describe(final_path_, flags < 0 ? errno : EBADF) +
                  " — descriptor " + std::to_string(descriptor) + " is not open for writing");
  }
  fd_ = ::fcntl(descriptor, F_DUPFD_CLOEXEC, 0);
  if (fd_ < 0) throw IoError(describe(final_path_, errno));
  struct stat st {};
  sync_streamed_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
  streaming_ = true;
}

void AtomicWriter::open_in_place(const std::filesystem::path& target, unsigned file_type) {
  if (file_type == S_IFDIR) throw IoError(describe(final_path_, EISDIR));
  if (file_type == S_IFSOCK) {
    throw IoError(final_path_.string() + ": is a socket; mlp writes to files, FIFOs, devices and "
                  "/dev/fd/N — give another output path");
  }
  // A FIFO or a device: written as it is. Opening a FIFO waits for its reader, as `>` does.
  do {
    fd_ = ::open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0) throw IoError(describe(final_path_, errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || S_ISREG(st.st_mode)) {
    // Replaced by a regular file since it was looked at: never write into one in place.
    ::close(fd_);
    fd_ = -1;
    open_temporary(target, 0666);
    return;
  }
  streaming_ = true;
}

void AtomicWriter::open_temporary(const std::filesystem::path& target, unsigned mode) {
  const std::string stem = target.string() + std::string(kTempInfix) + std::to_string(::getpid()) + ".";
  for (int attempt = 0; attempt < kMaxNameAttempts; ++attempt) {
    temp_path_ = stem + std::to_string(g_temp_counter.fetch_add(1));
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
    if (fd_ >= 0) return;
    if (errno != EEXIST) {
      const int error = errno;
      temp_path_.clear();
      throw IoError(describe(final_path_, error));
    }
  }
  temp_path_.clear();
  throw IoError(describe(final_path_, EEXIST));
}

AtomicWriter::~AtomicWriter() { discard(); }

AtomicWriter::AtomicWriter(AtomicWriter&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      target_path_(std::move(other.target_path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)),
      streaming_(other.streaming_),
      sync_streamed_(other.sync_streamed_),
      written_(other.written_),
      buffer_(std::move(other.buffer_)),
      committed_(other.committed_) {
  other.temp_path_.clear();
}

AtomicWriter& AtomicWriter::operator=(AtomicWriter&& other) noexcept {
  if (this != &other) {
    discard();
    final_path_ = std::move(other.final_path_);
    target_path_ = std::move(other.target_path_);
    temp_path_ = std::move(other.temp_path_);
    other.temp_path_.clear();
    fd_ = std::exchange(other.fd_, -1);
    streaming_ = other.streaming_;
    sync_streamed_ = other.sync_streamed_;
    written_ = other.written_;
    buffer_ = std::move(other.buffer_);
    committed_ = other.committed_;
  }
  return *this;
}

void AtomicWriter::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
}

void AtomicWriter::fail(int error) {
  discard();
  throw IoError(describe(final_path_, error));
}

void AtomicWriter::require_open() const {
  if (fd_ < 0) {
    throw std::logic_error("AtomicWriter for " + final_path_.string() +
                           " used after commit() or after a failed write");
  }
}

void AtomicWriter::write(std::span<const std::byte> bytes) {
  require_open();
  if (buffer_.size() + bytes.size() > kBufferBytes) flush_buffer();
  if (bytes.size() >= kBufferBytes) {
    write_all(bytes);
  } else {
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  }
}

void AtomicWriter::write(std::string_view text) {
  write(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

void AtomicWriter::flush_buffer() {
  write_all(buffer_);
  buffer_.clear();
}

// Hands `bytes` to the kernel, retrying short writes and EINTR.
void AtomicWriter::write_all(std::span<const std::byte> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    std::size_t want = bytes.size() - done;
    int fault = 0;
    if (t_fault && t_fault->step == testing::FileStep::write &&
        t_fault->at_byte < written_ + want) {
      // Store the bytes before the faulty one, then report the error (a disk filling up).
      want = static_cast<std::size_t>(t_fault->at_byte - std::min(t_fault->at_byte, written_));
      fault = t_fault->error;
      if (want == 0) fail(fault);
    }
    const ssize_t n = ::write(fd_, bytes.data() + done, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    done += static_cast<std::size_t>(n);
    written_ += static_cast<std::uint64_t>(n);
    if (fault != 0 && static_cast<std::size_t>(n) == want) fail(fault);
  }
}

void AtomicWriter::commit() {
  require_open();
  flush_buffer();
  if (const int e = injected(testing::FileStep::fsync); e != 0) fail(e);
  if ((!streaming_ || sync_streamed_) && ::fsync(fd_) != 0) fail(errno);
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) fail(errno);
  if (const int e = injected(testing::FileStep::close); e != 0) fail(e);
  if (streaming_) {
    committed_ = true;
    return;
  }
  if (const int e = injected(testing::FileStep::rename); e != 0) fail(e);
  if (::rename(temp_path_.c_str(), target_path_.c_str()) != 0) fail(errno);
  temp_path_.clear();
  committed_ = true;
  // Make the rename itself durable. The new file is complete and in place whatever happens
  // here, so a directory that cannot be fsynced (some file systems refuse) is not an error.
  const std::filesystem::path dir =
      target_path_.has_parent_path() ? target_path_.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    static_cast<void>(::fsync(dfd));
    ::close(dfd);
  }
}

void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  AtomicWriter writer(path);
  writer.write(bytes);
  writer.commit();
}

void write_file_atomic(const std::filesystem::path& path, std::string_view text) {
  write_file_atomic(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

std::vector<std::byte> read_file(const std::filesystem::path& path, std::uint64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw InputError(describe(path, errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  struct stat st {};
  if (::fstat(fd, &st) != 0) throw InputError(describe(path, errno));
  if (S_ISDIR(st.st_mode)) throw InputError(describe(path, EISDIR));
  const auto too_large = [&](std::uint64_t size, bool at_least) {
    return DataError(path.string() + ": file is " + (at_least ? "more than " : "") +
                     std::to_string(size) + " bytes, larger than the limit of " +
                     std::to_string(max_bytes) + " bytes for this kind of file");
  };
  std::vector<std::byte> bytes;
  if (S_ISREG(st.st_mode)) {
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > max_bytes) throw too_large(size, false);
    bytes.reserve(static_cast<std::size_t>(size));
  }
  std::byte chunk[kBufferBytes];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(describe(path, errno));
    }
    if (n == 0) break;
    if (bytes.size() + static_cast<std::size_t>(n) > max_bytes) throw too_large(max_bytes, true);
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  return bytes;
}

}  // namespace mlp::io
