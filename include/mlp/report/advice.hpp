// The advice of a diagnosis: what to change next, from the findings (verdict, learning curve,
// gradient health) and what the run already does (RunSettings). One source for `mlp diagnose`
// (text and --json), report.html and the Python binding. Rules: docs/diagnosis.md,
// "Recommendations".
//
// Every recommendation lists the settings it would change and in which direction, so that a
// test can check the promise the list makes: no key is both raised and lowered, never a bigger
// and a smaller network at once, and nothing is "added" that the run already has (a schedule,
// clipping, L2, dropout, early stopping, Adam, the initializer it uses).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mlp/report/diagnosis.hpp"

namespace mlp::report {

/// How a recommendation changes a setting.
enum class Direction {
  raise,  ///< a larger value (more epochs, a bigger network, more L2; "add train.l2 = 0.01")
  lower,  ///< a smaller value (a smaller network, less L2; dropout lowers keep_prob; clipping
          ///< lowers clip_norm from "off" = ∞)
  set,    ///< a named choice (optimizer, initializer, activation, a schedule, early stopping)
};
[[nodiscard]] const char* to_string(Direction d);

/// One setting a recommendation changes: a configuration key ("train.l2", "model.hidden") or
/// "data" (more training data), the direction, and for Direction::set the value ("adam",
/// "he_normal"; "*" = another one than the run's).
struct SettingChange {
  std::string key;
  Direction direction = Direction::set;
  std::string value;
  bool operator==(const SettingChange&) const = default;
};

struct Recommendation {
  std::string text;                     ///< one line, naming the keys with their numbers
  std::vector<SettingChange> changes;   ///< empty for a finding without a change
};

/// The advice for `findings` (its verdict, gaps, learning curve and gradient reports; its
/// `recommendations` and `run` are not read), starting from `run` (none: generic advice that
/// names the keys without their values). The larger gap's recipe comes first; gradient
/// problems come first under a high bias (a layer without a useful gradient cannot learn).
[[nodiscard]] std::vector<Recommendation> advise(const Diagnosis& findings,
                                                 const std::optional<RunSettings>& run);

/// The texts of advise(): Diagnosis::recommendations.
[[nodiscard]] std::vector<std::string> recommendation_texts(const Diagnosis& findings,
                                                            const std::optional<RunSettings>& run);

/// The remedy of one gradient status (GradientReport::remedy), from `run` when known; empty
/// for ok.
[[nodiscard]] std::string gradient_remedy(GradientStatus status, const std::optional<RunSettings>& run);

/// Pairs of changes in `advice` that contradict each other (the same key raised and lowered,
/// or set to two different values), each as "KEY: A vs B"; empty when consistent.
[[nodiscard]] std::vector<std::string> contradictions(const std::vector<Recommendation>& advice);

}  // namespace mlp::report
