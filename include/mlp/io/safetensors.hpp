// The mlp model-file container: a safetensors file with a format version and a CRC32.
//
//   [8 bytes]  N, little-endian unsigned header length (a multiple of 8)
//   [N bytes]  JSON header, padded with spaces:
//              {"__metadata__": {"mlp.format_version": "1", "mlp.crc32": "<8 hex>", ...},
//               "NAME": {"dtype": "F32"|"F64", "shape": [..], "data_offsets": [begin, end]}, ...}
//   [rest]     tensor bytes, little-endian, row-major (C order), contiguous, in header order
//
// The CRC32 (zlib) covers the whole file with the 8 hex digits of "mlp.crc32" read as "00000000",
// so every single-bit flip anywhere in the file is detected. Files are treated as hostile: every
// size is checked before anything is allocated, nothing inside is executed and no path named
// inside is ever opened. The full description is docs/model-format.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/tensor.hpp"

namespace mlp::io {

/// The format version this build writes and the newest it reads.
inline constexpr int kFormatVersion = 1;
/// Metadata keys the container reserves for itself (rejected in Container::metadata).
inline constexpr std::string_view kVersionKey = "mlp.format_version";
inline constexpr std::string_view kChecksumKey = "mlp.crc32";
/// The largest JSON header accepted (the safetensors limit).
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
/// The largest model file load() reads.
inline constexpr std::uint64_t kMaxModelFileBytes = std::uint64_t{1} << 34;

/// One named tensor: dtype "F32" or "F64", a shape, and its little-endian bytes in row-major
/// (C) order, as numpy/torch read safetensors.
struct TensorData {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::vector<std::byte> bytes;

  friend bool operator==(const TensorData&, const TensorData&) = default;
};

/// A whole model file: string metadata (structured data is stored as a JSON string under one
/// key) and tensors in file order. The reserved keys kVersionKey and kChecksumKey are added by
/// serialize() and removed by parse(), so parse(serialize(c)) == c.
struct Container {
  std::map<std::string, std::string> metadata;
  std::vector<TensorData> tensors;
  /// The file's format version: set by parse(); serialize() always writes kFormatVersion.
  int format_version = kFormatVersion;

  /// The tensor called `name`, or nullptr.
  [[nodiscard]] const TensorData* find(std::string_view name) const;

  friend bool operator==(const Container&, const Container&) = default;
};

/// Bytes per element of a dtype ("F32" -> 4, "F64" -> 8); 0 for any other name.
[[nodiscard]] std::size_t dtype_size(std::string_view dtype);

/// A rows x cols tensor of dtype F32 (T = float) or F64 (T = double). The file stores row-major
/// order, so matrix element (r, c) becomes flat element r * cols + c (a transpose of Eigen's
/// column-major storage); numpy's frombuffer(...).reshape(rows, cols) gives back the matrix.
template <class T>
[[nodiscard]] TensorData tensor_from_matrix(std::string name, const MatrixCRef<T>& m);

/// The matrix stored in `t`. Shape [r, c] gives r x c, [n] gives n x 1, [] gives 1 x 1.
/// Throws DataError naming the tensor when its dtype is not the one of T or its rank is > 2,
/// after `source` (the file, "model.mlp: tensor 'layers.0.W': dtype F64, expected F32") when
/// one is given.
template <class T>
[[nodiscard]] Matrix<T> matrix_from_tensor(const TensorData& t, std::string_view source = {});

/// The file bytes of `c`. Throws ConfigError for an unnamed, duplicate or reserved tensor
/// name, a reserved metadata key, an unknown dtype, a negative dimension, a byte count that does
/// not match dtype x shape, or a name/value that is not valid UTF-8.
[[nodiscard]] std::vector<std::byte> serialize(const Container& c);

/// Parses and verifies file bytes. Throws DataError `SOURCE: what was found, what was expected`
/// for any truncation, corruption (checksum mismatch), malformed or inconsistent header, a
/// version newer than kFormatVersion (`format v3 not supported (max v1)`) or a file that is not
/// an mlp model at all. Allocates at most about the input size for tensor data.
[[nodiscard]] Container parse(std::span<const std::byte> file, std::string_view source_name);

/// serialize() written atomically (see atomic_file.hpp); IoError on failure.
void save(const std::filesystem::path& path, const Container& c);

/// Reads and parses a model file in parse()'s stages (the first bytes, the header, then exactly
/// the data the header declares), so nothing beyond the checked sizes is read or allocated.
/// InputError (exit 66) when `path` cannot be opened or is not a regular file (a FIFO,
/// /dev/zero: the size is needed); DataError (exit 65) for content, including a file larger
/// than kMaxModelFileBytes. The header nesting limit is mlp::kMaxJsonDepth (mlp/core/json.hpp).
[[nodiscard]] Container load(const std::filesystem::path& path);

}  // namespace mlp::io
