// Names chosen from a list (registries of optimizers, activations, schedules, column names):
// the did-you-mean suggestion and the error for an unknown name.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mlp {

/// The candidate closest to `name` in edit distance (the first of equally close ones), when it
/// is close enough to be a likely misspelling: at most max(2, |name|/3) edits away.
std::optional<std::string_view> nearest_name(std::string_view name,
                                             std::span<const std::string_view> candidates);

/// " (did you mean 'relu'?)" when a candidate is close to `name`, otherwise "".
std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates);

/// "unknown WHAT 'NAME' (did you mean 'X'?); valid names: A, B, C" — the message of the
/// ConfigError for a name that is not in `names`.
std::string unknown_name_message(std::string_view what, std::string_view name,
                                 std::span<const std::string_view> names);

}  // namespace mlp
