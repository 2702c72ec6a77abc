// Fuzz target for the ONNX importer (mlp import; include/mlp/io/onnx.hpp).
//
// import_onnx_bytes may only succeed or throw mlp::DataError (mlp::ConfigError in a build without
// ONNX support); anything else (another exception, a crash, a sanitizer report, an allocation
// beyond -malloc_limit_mb) is a bug. A graph that imports must predict one example with one
// output per class or target, and export -> import -> export must give the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/io/model.hpp"
#include "mlp/io/onnx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  std::optional<mlp::Model> model;
  try {
    model.emplace(mlp::io::import_onnx_bytes(bytes, "fuzz.onnx"));
  } catch (const mlp::DataError&) {
    return 0;
  } catch (const mlp::ConfigError&) {
    if (mlp::io::onnx_supported()) std::abort();
    return 0;
  }
  const mlp::Preprocessing& pre = model->preprocessing();
  const mlp::MatrixF P = model->predict(mlp::MatrixF::Zero(model->network().inputs(), 1));
  const auto rows = static_cast<std::size_t>(P.rows());
  const bool classify = pre.task == mlp::data::Task::classification;
  if (classify ? pre.class_names.size() != rows
               : !pre.target_names.empty() && pre.target_names.size() != rows) {
    std::abort();
  }
  const std::string once = mlp::io::export_onnx_bytes(*model);
  const mlp::Model again = mlp::io::import_onnx_bytes(
      std::span(reinterpret_cast<const std::byte*>(once.data()), once.size()), "fuzz-again.onnx");
  if (mlp::io::export_onnx_bytes(again) != once) std::abort();
  return 0;
}
