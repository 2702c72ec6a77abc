// Atomic file output and bounded file input.
//
// Every output of mlp (models, checkpoints, predictions, metrics) goes through AtomicWriter,
// which decides from what the destination is:
//   - a regular file, or no file yet: written to a temporary file in the same directory,
//     `NAME.tmp.<pid>.<n>`, and renamed over NAME only after every write, the fsync and the
//     close have succeeded. A reader therefore sees either the previous complete file or the new
//     complete file, never a partial one. On any failure the temporary file is unlinked, the
//     previous file is left untouched, and an IoError `path: <strerror>` (e.g.
//     `run/model.mlp: No space left on device`) is thrown. The new file gets no permission bits
//     the file it replaces did not have.
//   - a symbolic link: followed (up to 40 links); the file it finally names is written as above,
//     so the link stays a link and its target is replaced atomically (a dangling link's target
//     is created).
//   - a FIFO or a device node (`/dev/null`, a terminal): opened for writing as it is (no
//     truncation, no temporary, no rename) and streamed into: a FIFO's reader gets the output.
//   - `/dev/fd/N`, `/proc/self/fd/N`, `/dev/stdout`, `/dev/stderr`: written through the already
//     open descriptor N (a duplicate of it), at its current position.
//   - a directory, a socket, a descriptor that is not open for writing: IoError, before any byte
//     is written.
// Streamed outputs cannot be undone: after a failure their reader may have part of the output.
//
// A test can make the N-th byte, the fsync, the close or the rename fail with a chosen errno
// through testing::ScopedFault (RELIABILITY P4(c)); see docs/model-format.md.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace mlp::io {

/// Writes a file through a temporary sibling and renames it into place on commit(), or streams
/// into a FIFO, a device or an open descriptor (see above). Output is buffered; write() may
/// throw IoError when a buffer is flushed. A writer destroyed (or moved-over) before commit()
/// removes its temporary file and leaves the final name alone.
class AtomicWriter {
 public:
  /// Creates the temporary file next to the file `final_path` names (or opens the FIFO, device
  /// or descriptor it names). Throws IoError `final_path: <strerror>` when that fails (missing
  /// directory, read-only file system, a directory or socket, ...).
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
  /// name untouched. A streamed output is flushed (fsynced when it is a regular file behind a
  /// descriptor) and closed.
  void commit();

  /// The path given to the constructor (used in messages).
  [[nodiscard]] const std::filesystem::path& path() const { return final_path_; }
  /// The file that is written: path() with symbolic links followed.
  [[nodiscard]] const std::filesystem::path& target_path() const { return target_path_; }
  /// The temporary file; empty for a streamed output.
  [[nodiscard]] const std::filesystem::path& temp_path() const { return temp_path_; }
  /// True when the output is streamed into a FIFO, a device or an open descriptor.
  [[nodiscard]] bool streaming() const { return streaming_; }
  /// Bytes accepted by write() so far.
  [[nodiscard]] std::uint64_t size() const { return written_ + buffer_.size(); }
  [[nodiscard]] bool committed() const { return committed_; }

 private:
  void open_descriptor(int descriptor);
  void open_in_place(const std::filesystem::path& target, unsigned file_type);
  void open_temporary(const std::filesystem::path& target, unsigned mode);
  void flush_buffer();
  void write_all(std::span<const std::byte> bytes);
  [[noreturn]] void fail(int error);
  void discard() noexcept;
  void require_open() const;

  std::filesystem::path final_path_;
  std::filesystem::path target_path_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  bool streaming_ = false;
  bool sync_streamed_ = false;  ///< fsync a streamed output at commit (a regular file)
  std::uint64_t written_ = 0;  ///< bytes handed to the kernel so far
  std::vector<std::byte> buffer_;
  bool committed_ = false;
};

/// For `NAME.tmp.<pid>.<n>`, the name of a temporary file an AtomicWriter for NAME creates
/// (and a killed process may leave behind), NAME; otherwise nullopt.
[[nodiscard]] std::optional<std::string_view> temporary_file_target(std::string_view file_name);

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
