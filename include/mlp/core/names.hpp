// Names chosen from a list (registries of optimizers, activations, schedules, column names):
// the did-you-mean suggestion and the error for an unknown name.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace mlp {

/// " (did you mean 'relu'?)" when a candidate is close to `name`, otherwise "".
std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates);

/// "unknown WHAT 'NAME' (did you mean 'X'?); valid names: A, B, C" — the message of the
/// ConfigError for a name that is not in `names`.
std::string unknown_name_message(std::string_view what, std::string_view name,
                                 std::span<const std::string_view> names);

}  // namespace mlp
