// Shared by the ONNX exporter and importer (src/io/onnx_*.cpp): metadata keys and names.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

namespace mlp::io::onnx_detail {

inline constexpr const char* kInputName = "features";
inline constexpr const char* kProbabilities = "probabilities";
inline constexpr const char* kLabel = "label";
inline constexpr const char* kPrediction = "prediction";

inline constexpr const char* kMetaTask = "mlp.task";
inline constexpr const char* kMetaFeatures = "mlp.feature_names";
inline constexpr const char* kMetaTargets = "mlp.target_names";
inline constexpr const char* kMetaClasses = "mlp.class_names";

inline constexpr int kMinOpset = 13;
inline constexpr int kMaxOpset = 17;
/// IR version 8 (ONNX 1.10+) carries opsets up to 17.
inline constexpr std::int64_t kIrVersion = 8;

/// The class name as an int64 when all of it is a decimal integer.
inline bool parse_int64(const std::string& s, std::int64_t& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, out);
  return r.ec == std::errc() && r.ptr == end;
}

/// True when every class name is an integer that prints back as itself ("3", "-1"; not "03").
inline bool integer_labels(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    std::int64_t v = 0;
    if (!parse_int64(n, v) || std::to_string(v) != n) return false;
  }
  return !names.empty();
}

}  // namespace mlp::io::onnx_detail
