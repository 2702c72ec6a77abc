// Detailed scores as JSON, the one mapping used by `mlp eval --json` and summary.json:
//   classification {"classes": [{"class", "precision", "recall", "f1", "support"}...],
//                   "macro_avg": {...}, "weighted_avg": {...}, "confusion": [[...]],
//                   "log_loss", "roc_auc" (null when undefined)}
//   regression     {"targets": [{"target", "rmse", "mae", "r2", "mape", "max_error"}...],
//                   "mean": {"rmse", "mae", "r2", "mape", "max_error"}}  (mean_scores: the
//                   unweighted mean over the targets, the largest max error)
// Non-finite numbers are null. Header-only: the JSON type is the caller's.
#pragma once

#include <string>
#include <vector>

#include "mlp/train/metrics_json.hpp"
#include "mlp/train/scores.hpp"

namespace mlp {

template <class Json = nlohmann::json>
[[nodiscard]] Json class_scores_json(const ClassScores& s) {
  Json j = Json::object();
  j["precision"] = json_number<Json>(s.precision);
  j["recall"] = json_number<Json>(s.recall);
  j["f1"] = json_number<Json>(s.f1);
  j["support"] = s.support;
  return j;
}

/// `names[i]` names class or target i (its index when `names` is shorter).
template <class Json = nlohmann::json>
[[nodiscard]] Json scores_json(const Scores& s, const std::vector<std::string>& names) {
  const auto name = [&](std::size_t i) { return i < names.size() ? names[i] : std::to_string(i); };
  Json j = Json::object();
  if (s.classification) {
    const ClassificationScores& c = *s.classification;
    Json classes = Json::array();
    for (std::size_t i = 0; i < c.per_class.size(); ++i) {
      Json row = Json::object();
      row["class"] = name(i);
      row.update(class_scores_json<Json>(c.per_class[i]));
      classes.push_back(row);
    }
    j["classes"] = classes;
    j["macro_avg"] = class_scores_json<Json>(c.macro);
    j["weighted_avg"] = class_scores_json<Json>(c.weighted);
    j["confusion"] = c.confusion;
    j["log_loss"] = json_number<Json>(c.log_loss);
    j["roc_auc"] = c.roc_auc ? json_number<Json>(*c.roc_auc) : Json(nullptr);
  } else {
    const auto scores = [](const TargetScores& t) {
      Json row = Json::object();
      row["rmse"] = json_number<Json>(t.rmse);
      row["mae"] = json_number<Json>(t.mae);
      row["r2"] = json_number<Json>(t.r2);
      row["mape"] = json_number<Json>(t.mape);
      row["max_error"] = json_number<Json>(t.max_error);
      return row;
    };
    Json targets = Json::array();
    for (std::size_t i = 0; i < s.targets.size(); ++i) {
      Json row = Json::object();
      row["target"] = name(i);
      row.update(scores(s.targets[i]));
      targets.push_back(row);
    }
    j["targets"] = targets;
    if (!s.targets.empty()) j["mean"] = scores(mean_scores(s.targets));
  }
  return j;
}

}  // namespace mlp
