// An input file opened for reading, with errors that name it. Every reader of mlp's inputs
// (CSV, IDX, model and checkpoint files) opens its file through this class.
//
// Two kinds of opening:
//   stream   any readable file: regular, FIFO, character device, "-" = standard input. For
//            formats read as a stream, whose reader bounds what it keeps (CSV).
//   regular  only a regular file, because the reader needs the size to check the file's
//            declared sizes against it before it allocates anything (IDX, model files).
//            Opened with O_NONBLOCK, so a FIFO without a writer cannot block the open; anything
//            that is not a regular file (FIFO, /dev/zero, socket) is refused at once.
// Errors are InputError (exit 66): `PATH: No such file or directory`, `PATH: Is a directory`,
// `PATH: not a regular file (a FIFO); WHY`, read errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace mlp {

class InputFile {
 public:
  enum class Kind { stream, regular };

  /// Opens `path`. `why_regular` (Kind::regular) completes the message for a file that is not
  /// regular, e.g. "a model file must be a regular file: its size is checked before reading".
  InputFile(const std::filesystem::path& path, Kind kind, std::string_view why_regular = {});
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  /// The name in messages: the path, or "<stdin>" for "-".
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] bool regular() const noexcept { return regular_; }
  /// The size of a regular file when it was opened (0 for other kinds).
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }

  /// Reads up to `n` bytes into `out`; returns how many (0 at the end of the file).
  std::size_t read_some(void* out, std::size_t n);
  /// Reads until `n` bytes or the end of the file; returns how many were read.
  std::size_t read_full(void* out, std::size_t n);
  /// Calls `sink` with each chunk of at most `chunk_bytes` bytes until the end of the file.
  void read_chunks(std::size_t chunk_bytes, const std::function<void(std::string_view)>& sink);

 private:
  std::string name_;
  int fd_ = -1;
  bool owned_ = false;
  bool regular_ = false;
  std::uint64_t size_ = 0;
};

}  // namespace mlp
