// One entry point for loading a labelled data set from a file, whatever its format: CSV
// (csv.hpp) or IDX images with their labels file (idx.hpp). The format is given, or found from
// the file itself (docs/data.md):
//   IDX  the name ends in -ubyte or -ubyte.gz, or the file starts with the IDX magic 00 00 08
//        or the gzip magic 1f 8b (CSV input is never compressed);
//   CSV  anything else, standard input ("-") included.
//
//   data::LoadOptions o;
//   o.labels = "t10k-labels-idx1-ubyte.gz";        // IDX: the labels file
//   data::Dataset test = data::load("t10k-images-idx3-ubyte.gz", o);
#pragma once

#include <filesystem>
#include <optional>

#include "mlp/data/csv.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/idx.hpp"

namespace mlp::data {

enum class Format { automatic, csv, idx };

struct LoadOptions {
  /// automatic: IDX when a labels file is given or the file looks like IDX, CSV otherwise.
  Format format = Format::automatic;
  /// IDX: the labels file that goes with the images (required for IDX).
  std::filesystem::path labels;
  /// CSV: how to read the file.
  CsvOptions csv;
  /// CSV: when set, the columns a trained model (or a training file) expects are read by name
  /// (load_csv with a schema); otherwise the file defines them.
  std::optional<CsvSchema> schema;
  /// IDX: the class names.
  IdxOptions idx;
};

/// The format a file looks like, from its name and, for a regular file, its first bytes (see
/// above). A file that cannot be read is CSV (its loader reports the error); "-" (standard
/// input), a FIFO or a device is CSV, never opened here (a FIFO keeps all its bytes for the
/// CSV reader, and one without a writer does not block).
[[nodiscard]] Format detect_format(const std::filesystem::path& path);

/// The format load() reads `path` as: options.format, or for automatic IDX when
/// options.labels is set and detect_format(path) otherwise. Never `automatic`.
[[nodiscard]] Format resolve_format(const std::filesystem::path& path, const LoadOptions& options);

/// Loads `path` in the format resolve_format() gives. Throws ConfigError for IDX images without
/// a labels file, and the errors of load_csv / load_idx (InputError, DataError, ConfigError).
[[nodiscard]] Dataset load(const std::filesystem::path& path, const LoadOptions& options = {});

}  // namespace mlp::data
