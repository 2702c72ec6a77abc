// Export of a model as dependency-free C99 for embedded inference (docs/deployment.md).
//
// export_c writes DIR/PREFIX.h and DIR/PREFIX.c (each atomically, io::AtomicWriter):
//   - the weights as `static const float` arrays (or, with int8, `static const signed char`
//     arrays with one float scale per row: symmetric per-row quantization, q = round(w / s),
//     s = max|w_row| / 127, accumulated in float);
//   - mean imputation (NaN inputs), standardization, every dense layer and its activation, and
//     target de-standardization as plain loops on the stack: no allocation, no library beyond
//     <math.h>'s expf and tanhf (GELU's erfc is computed with expf);
//   - `int PREFIX_predict(const float *features, float *out)`: features in the model's order
//     (PREFIX_feature_names), out receives PREFIX_N_OUTPUTS values: class probabilities (a single
//     sigmoid unit gives [1 − p, p]) or predictions in the original units; returns the class
//     index (classifiers; PREFIX_class_names names it) or 0.
// The code compiles with `cc -std=c99 -Wall -Wextra -Werror -pedantic`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mlp/io/model.hpp"

namespace mlp::io {

struct CExportOptions {
  /// Prefix of every exported name and of the two file names: a C identifier.
  std::string prefix = "mlp_model";
  /// Quantize the weights to int8 (per row), biases stay float.
  bool int8 = false;
};

struct CExportResult {
  std::filesystem::path header;
  std::filesystem::path source;
  /// Bytes of the weights and constants in the generated source (the read-only data).
  std::size_t weight_bytes = 0;
};

/// The header and source text (for tests and export_c).
struct CSources {
  std::string header;
  std::string source;
  std::size_t weight_bytes = 0;
};
[[nodiscard]] CSources c_sources(const Model& model, const CExportOptions& options = {});

/// Writes DIR/PREFIX.h and DIR/PREFIX.c, creating DIR (not its parents) when missing. Throws ConfigError for a prefix that
/// is not a C identifier, IoError when a file cannot be written.
CExportResult export_c(const Model& model, const std::filesystem::path& dir,
                       const CExportOptions& options = {});

}  // namespace mlp::io
