// Atomic file output and bounded file input.
//
// Every output of mlp (models, checkpoints, predictions, metrics) is written to a temporary file
// in the directory of its final name, `NAME.tmp.<pid>.<n>`, and renamed over the final name
// only after every write, the fsync and the close have succeeded. A reader therefore sees either
// the previous complete file or the new complete file, never a partial one. On any failure the
// temporary file is unlinked, the previous file under the final name is left untouched, and an
// IoError `path: <strerror>` (e.g. `run/model.mlp: No space left on device`) is thrown.
//
// A test can make the N-th byte, the fsync, the close or the rename fail with a chosen errno
// through testing::ScopedFault (RELIABILITY P4(c)); see docs/model-format.md.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

namespace mlp::io {

/// Writes a file through a temporary sibling and renames it into place on commit().
/// Output is buffered; write() may throw IoError when a buffer is flushed. A writer destroyed
/// (or moved-over) before commit() removes its temporary file and leaves the final name alone.
class AtomicWriter {
 public:
  /// Creates the temporary file next to `final_path`. Throws IoError `final_path: <strerror>`
  /// when it cannot be created (missing directory, read-only file system, ...).
  explicit AtomicWriter(std::filesystem::path final_path);
  ~AtomicWriter();
  AtomicWriter(AtomicWriter&& other) noexcept;
  AtomicWriter& operator=(AtomicWriter&& other) noexcept;
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  void write(std::span<const std::byte> bytes);
  void write(std::string_view text);

  /// Flushes, fsyncs, closes and renames the temporary file over the final name, then fsyncs
  /// the directory (best effort: the new file is complete and in place at that point). Any
  /// failure before the rename throws IoError, removes the temporary file and leaves the final
  /// name untouched.
  void commit();

  [[nodiscard]] const std::filesystem::path& path() const { return final_path_; }
  [[nodiscard]] const std::filesystem::path& temp_path() const { return temp_path_; }
  /// Bytes accepted by write() so far.
  [[nodiscard]] std::uint64_t size() const { return written_ + buffer_.size(); }
  [[nodiscard]] bool committed() const { return committed_; }

 private:
  void flush_buffer();
  void write_all(std::span<const std::byte> bytes);
  [[noreturn]] void fail(int error);
  void discard() noexcept;
  void require_open() const;

  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  std::uint64_t written_ = 0;  ///< bytes handed to the kernel so far
  std::vector<std::byte> buffer_;
  bool committed_ = false;
};

/// Writes `bytes` to `path` atomically (see AtomicWriter).
void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes);
void write_file_atomic(const std::filesystem::path& path, std::string_view text);

/// Reads a whole file of at most `max_bytes` bytes.
/// Throws InputError `path: No such file or directory` (also `Is a directory`, `Permission
/// denied`, read errors) and DataError when the file is larger than `max_bytes`. Works on
/// regular files and on pipes/FIFOs (the size limit is then enforced while reading).
std::vector<std::byte> read_file(const std::filesystem::path& path, std::uint64_t max_bytes);

namespace testing {

/// The step of AtomicWriter at which an injected fault fires.
enum class FileStep { write, fsync, close, rename };

/// A fault to inject: at FileStep::write, the write that would store byte `at_byte` (0-based
/// offset within the file) stores only the bytes before it and then fails with `error`; at the
/// other steps the step itself fails with `error`.
struct Fault {
  FileStep step = FileStep::write;
  std::uint64_t at_byte = 0;
  int error = ENOSPC;
};

/// Arms a fault for every AtomicWriter used by the current thread while the guard lives.
class ScopedFault {
 public:
  explicit ScopedFault(Fault fault);
  ~ScopedFault();
  ScopedFault(const ScopedFault&) = delete;
  ScopedFault& operator=(const ScopedFault&) = delete;
};

}  // namespace testing
}  // namespace mlp::io
