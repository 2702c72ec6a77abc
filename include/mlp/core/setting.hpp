// A named numeric or boolean setting of a registered component (an optimizer's β, a schedule's
// γ): its key, kind, default, allowed interval and a one-line description. Registries publish
// their settings with these, and the configuration table (config/keys.hpp) reads them to parse,
// validate, document and write the keys — one description for the library and the tool.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <string_view>

namespace mlp {

/// An interval of reals; every bound also requires a finite value.
struct Interval {
  double lo = -std::numeric_limits<double>::infinity();
  bool lo_open = true;
  double hi = std::numeric_limits<double>::infinity();
  bool hi_open = true;

  [[nodiscard]] bool contains(double x) const {
    if (!std::isfinite(x)) return false;
    if (lo_open ? !(x > lo) : !(x >= lo)) return false;
    if (hi == std::numeric_limits<double>::infinity()) return true;
    return hi_open ? x < hi : x <= hi;
  }
  /// "> 0 and finite", "in [0, 1)", "an integer in [1, 10000000]" (integer kinds).
  [[nodiscard]] std::string text(bool integer = false) const;
};

inline constexpr Interval kPositiveReal{0.0, true};
inline constexpr Interval kNonNegativeReal{0.0, false};
inline constexpr Interval kUnitOpenRight{0.0, false, 1.0, true};   ///< [0, 1): decay rates β
inline constexpr Interval kUnitOpenLeft{0.0, true, 1.0, false};    ///< (0, 1]: γ, keep_prob
inline constexpr Interval kUnitOpen{0.0, true, 1.0, true};         ///< (0, 1)

struct Setting {
  enum class Kind { real, integer, boolean };
  std::string_view key;      ///< as written in a configuration file: "beta1", "gamma"
  Kind kind = Kind::real;
  double default_value = 0;  ///< booleans: 0 or 1
  Interval range{};          ///< ignored for booleans
  std::string_view doc;      ///< one line
};

}  // namespace mlp
