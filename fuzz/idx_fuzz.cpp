// Fuzz target for the IDX reader (raw and gzip): any bytes must give images/labels or an
// mlp::Error, and never allocate more than the input can justify.
#include <cstddef>
#include <cstdint>
#include <span>

#include "mlp/data/idx.hpp"
#include "mlp/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  try {
    const auto img = mlp::data::parse_idx_images(bytes, "fuzz-images-idx3-ubyte");
    if (img.X.rows() != img.rows * img.cols || img.X.cols() != img.count) __builtin_trap();
    if (img.X.size() > 0 && (img.X.minCoeff() < 0.0f || img.X.maxCoeff() > 1.0f)) __builtin_trap();
  } catch (const mlp::Error&) {
  }
  try {
    (void)mlp::data::parse_idx_labels(bytes, "fuzz-labels-idx1-ubyte");
  } catch (const mlp::Error&) {
  }
  try {
    (void)mlp::data::gunzip(bytes, 1 << 16, "fuzz.gz");
  } catch (const mlp::Error&) {
  }
  return 0;
}
