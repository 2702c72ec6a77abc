// Metrics as JSON, the one mapping used by metrics.jsonl, summary.json and every command's
// --json output: {"loss", "accuracy"} for a classifier, {"loss", "rmse", "mae", "r2"} for a
// regression; non-finite numbers are null (JSON has no NaN). Header-only because the JSON type
// (nlohmann::json or ordered_json) is the caller's.
#pragma once

#include <cmath>

#include <nlohmann/json.hpp>

#include "mlp/train/trainer.hpp"

namespace mlp {

/// `v`, or null when it is NaN or infinite.
template <class Json = nlohmann::json>
[[nodiscard]] Json json_number(double v) {
  return std::isfinite(v) ? Json(v) : Json(nullptr);
}

template <class Json = nlohmann::json>
[[nodiscard]] Json metrics_json(const Metrics& m) {
  Json j = Json::object();
  j["loss"] = json_number<Json>(m.loss);
  if (m.accuracy) j["accuracy"] = json_number<Json>(*m.accuracy);
  if (m.rmse) j["rmse"] = json_number<Json>(*m.rmse);
  if (m.mae) j["mae"] = json_number<Json>(*m.mae);
  if (m.r2) j["r2"] = json_number<Json>(*m.r2);
  return j;
}

}  // namespace mlp
