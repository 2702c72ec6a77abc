// IDX input: the MNIST / Fashion-MNIST format (docs/data.md).
//
// A file is: magic 00 00 08 ndim (unsigned bytes), ndim big-endian uint32 sizes, then the
// prod(sizes) bytes of data. Images have ndim = 3 (count, rows, cols), labels ndim = 1.
// A file starting with the gzip magic 1f 8b is decompressed (the name does not matter), with
// the output capped at the size the header declares, so a gzip bomb cannot exhaust memory.
// Every declared size is checked (overflow-safe) against the bytes actually present before the
// matrices are allocated; missing and trailing bytes are both errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/data/dataset.hpp"

namespace mlp::data {

struct IdxImages {
  Index count = 0, rows = 0, cols = 0;
  MatrixF X;  ///< (rows*cols) x count, pixel/255 in [0, 1], row-major pixel order
};

struct IdxLabels {
  std::vector<std::int32_t> labels;
};

/// Parses an images file (raw or gzip) held in memory; `source_name` names it in messages.
[[nodiscard]] IdxImages parse_idx_images(std::span<const std::uint8_t> bytes,
                                         std::string_view source_name);
/// Parses a labels file (raw or gzip) held in memory.
[[nodiscard]] IdxLabels parse_idx_labels(std::span<const std::uint8_t> bytes,
                                         std::string_view source_name);

struct IdxOptions {
  /// Class names, index -> name. Empty: "0", "1", ..., up to the largest label found.
  /// When given, a label >= class_names.size() is an error.
  std::vector<std::string> class_names;
};

/// The ten Fashion-MNIST class names, in label order.
[[nodiscard]] std::vector<std::string> fashion_mnist_class_names();

/// Loads a classification Dataset: X = images (784 x m for 28x28), labels, feature names
/// "pixel0".."pixelN". Both paths must be regular files: each header is read first and its
/// declared size checked against the file's size before the payload is allocated (a gzip file
/// is inflated as it is read). Throws InputError (missing or unreadable file, or not a regular
/// file: /dev/zero, a FIFO) or DataError (malformed, a size that does not match, counts that
/// differ between the two files, a label outside the classes).
[[nodiscard]] Dataset load_idx(const std::filesystem::path& images_path,
                               const std::filesystem::path& labels_path,
                               const IdxOptions& options = {});

/// Loads an images file alone (raw or gzip), for prediction: the same checks as load_idx.
/// Throws InputError (missing, unreadable or not a regular file) or DataError (malformed).
[[nodiscard]] IdxImages load_idx_images(const std::filesystem::path& images_path);

/// The labels file that usually accompanies an images file, when it exists beside it: the name
/// with "images-idx3" replaced by "labels-idx1" (the MNIST / Fashion-MNIST naming:
/// t10k-images-idx3-ubyte.gz -> t10k-labels-idx1-ubyte.gz). Empty when there is none.
[[nodiscard]] std::filesystem::path idx_labels_beside(const std::filesystem::path& images_path);

/// Decompresses a gzip stream, refusing to produce more than `max_output` bytes; throws
/// DataError naming `source_name` on corrupt data, a CRC error, or output beyond the cap.
/// The result may be shorter than max_output (the caller checks the size it expects).
[[nodiscard]] std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> bytes,
                                               std::size_t max_output,
                                               std::string_view source_name);

}  // namespace mlp::data
