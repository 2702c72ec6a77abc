// Atomic output (temp file + fsync + rename) and bounded input. See include/mlp/io/atomic_file.hpp.
#include "mlp/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
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

thread_local std::optional<testing::Fault> t_fault;

/// The errno an armed fault assigns to `step`, or 0.
int injected(testing::FileStep step) {
  return (t_fault && t_fault->step == step) ? t_fault->error : 0;
}

std::string describe(const std::filesystem::path& path, int error) {
  return path.string() + ": " + std::strerror(error);
}

std::atomic<unsigned> g_temp_counter{0};

}  // namespace

namespace testing {
ScopedFault::ScopedFault(Fault fault) { t_fault = fault; }
ScopedFault::~ScopedFault() { t_fault.reset(); }
}  // namespace testing

AtomicWriter::AtomicWriter(std::filesystem::path final_path) : final_path_(std::move(final_path)) {
  if (final_path_.empty()) throw IoError("cannot write a file with an empty name");
  if (!final_path_.has_filename()) throw IoError(describe(final_path_, EISDIR));
  const std::string stem = final_path_.string() + ".tmp." + std::to_string(::getpid()) + ".";
  for (int attempt = 0; attempt < kMaxNameAttempts; ++attempt) {
    temp_path_ = stem + std::to_string(g_temp_counter.fetch_add(1));
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) break;
    if (errno != EEXIST) throw IoError(describe(final_path_, errno));
  }
  if (fd_ < 0) throw IoError(describe(final_path_, EEXIST));
  buffer_.reserve(kBufferBytes);
}

AtomicWriter::~AtomicWriter() { discard(); }

AtomicWriter::AtomicWriter(AtomicWriter&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)),
      written_(other.written_),
      buffer_(std::move(other.buffer_)),
      committed_(other.committed_) {
  other.temp_path_.clear();
}

AtomicWriter& AtomicWriter::operator=(AtomicWriter&& other) noexcept {
  if (this != &other) {
    discard();
    final_path_ = std::move(other.final_path_);
    temp_path_ = std::move(other.temp_path_);
    other.temp_path_.clear();
    fd_ = std::exchange(other.fd_, -1);
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
  if (::fsync(fd_) != 0) fail(errno);
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) fail(errno);
  if (const int e = injected(testing::FileStep::close); e != 0) fail(e);
  if (const int e = injected(testing::FileStep::rename); e != 0) fail(e);
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) fail(errno);
  temp_path_.clear();
  committed_ = true;
  // Make the rename itself durable. The new file is complete and in place whatever happens
  // here, so a directory that cannot be fsynced (some file systems refuse) is not an error.
  const std::filesystem::path dir =
      final_path_.has_parent_path() ? final_path_.parent_path() : std::filesystem::path(".");
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
