// ONNX export and import of a model (docs/deployment.md).
//
// export_onnx writes the whole prediction path of a Model as one ONNX graph (opset 13..17):
//   input   features [N, d] float32 (N dynamic)
//   imputation (IsNaN + Where, when the model fills in missing values with training means),
//   standardization (Sub + Div), each dense layer as Gemm (transB = 1), its activation (Relu,
//   LeakyRelu with the model's slope, Sigmoid, Tanh, Softmax; GELU in its erf form
//   ½·x·(1 + erf(x/√2)), since opset 17 has no Gelu op), then
//   classification  probabilities [N, k] float32 (a single sigmoid unit gives [1 − p, p]) and
//                   label [N]: int64 when every class name is an integer, else string
//   regression      prediction [N, t] float32, in the original units (Mul + Add).
// Feature, target and class names and the task are stored in metadata_props (mlp.task,
// mlp.feature_names, mlp.target_names, mlp.class_names; JSON arrays), so that import_onnx gives
// back the same model.
//
// import_onnx reads a graph that is a chain from one float input to its output of:
//   Gemm (transA = 0) or MatMul (+ Add): a dense layer; Relu, LeakyRelu, Sigmoid, Tanh,
//   Softmax (last layer), Gelu or its erf form: the layer's activation; Sub/Div/Mul/Add by a
//   constant before the first layer: standardization; BatchNormalization: folded into the next
//   dense layer; IsNaN + Where before standardization: mean imputation; Identity, Dropout and
//   Flatten: nothing; after the last layer, Mul + Add by constants: target de-standardization;
//   and the label head that export_onnx writes.
// Anything else is refused with a DataError (exit 65) that names the first unsupported node and
// its op type. Without mlp metadata, a softmax output is a classifier (classes "0".."k-1") and
// anything else a regression model, and the features are named x0, x1, ... The file is bounded like a model file: at most
// kMaxOnnxFileBytes, every tensor's element count checked against the bytes it holds before
// anything is allocated, at most kMaxOnnxNodes nodes and kMaxOnnxLayers dense layers.
//
// Without ONNX support in the build (MLP_ONNX=OFF) both functions throw ConfigError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "mlp/io/model.hpp"

namespace mlp::io {

inline constexpr std::uint64_t kMaxOnnxFileBytes = (std::uint64_t{1} << 31) - 1;  // protobuf's limit
inline constexpr std::size_t kMaxOnnxNodes = 10'000;
inline constexpr std::size_t kMaxOnnxLayers = 1'000;

struct OnnxExportOptions {
  /// The ai.onnx opset the graph declares: 13..17.
  int opset = 17;
};

/// True when this build can read and write ONNX files.
[[nodiscard]] bool onnx_supported();

/// The ONNX file's bytes (a serialized ModelProto).
[[nodiscard]] std::string export_onnx_bytes(const Model& model, const OnnxExportOptions& options = {});
/// Writes the ONNX file atomically (io::AtomicWriter). Throws ConfigError for an opset outside
/// 13..17, IoError when the file cannot be written.
void export_onnx(const Model& model, const std::filesystem::path& path,
                 const OnnxExportOptions& options = {});

/// The model an ONNX file's bytes describe; `source` names it in messages.
[[nodiscard]] Model import_onnx_bytes(std::span<const std::byte> bytes, std::string_view source);
/// Reads an ONNX file (InputError when it cannot be read, DataError when it is not a supported
/// graph).
[[nodiscard]] Model import_onnx(const std::filesystem::path& path);

}  // namespace mlp::io
