// Gradient checking (SPEC §2): compare the analytic gradient dθ with central differences
//   dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / (2ε),   ε = 1e-7 by default,
// and report  ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂)  over all of θ and per named slice.
// Runs in double precision. Around 1e-7 or below is right; around 1e-3 means a bug.
//
// Pass rule: relative error < threshold (1e-6), or — for a slice whose gradients are tiny, so
// that the relative error is rounding noise over noise — max |dθ_approx − dθ| below the noise
// of a central difference, absolute_floor·max(1, |J|) with absolute_floor = 1e-8
// (≈ 2.2e-16·|J|/ε rounded up).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "mlp/core/parameters.hpp"

namespace mlp {

struct GradCheckOptions {
  double epsilon = 1e-7;
  /// Pass when the relative error is below this ...
  double threshold = 1e-6;
  /// ... or when max |dθ_approx − dθ| < absolute_floor·max(1, |J|).
  double absolute_floor = 1e-8;
};

struct SliceCheck {
  std::string name;
  double relative_error;
  double max_abs_difference;
  bool passed;
};

struct GradCheckResult {
  double relative_error = 0;
  double max_abs_difference = 0;
  double cost = 0;  ///< J at θ
  bool passed = false;
  std::vector<SliceCheck> slices;
  GradCheckOptions options;
  Vector<double> approx;  ///< dθ_approx, aligned with θ
  Vector<double> exact;   ///< dθ, aligned with θ
};

/// `cost()` returns J at the current θ (params.theta()); `gradient()` fills params.dtheta()
/// with dJ/dθ at the current θ (it must set, not accumulate — e.g. zero_grad() first).
/// θ is restored exactly afterwards.
GradCheckResult gradient_check(Parameters<double>& params, const std::function<double()>& cost,
                               const std::function<void()>& gradient,
                               const GradCheckOptions& options = {});

/// The relative error of SPEC §2 between two vectors (0 when both are zero).
double relative_error(const Vector<double>& approx, const Vector<double>& exact);

}  // namespace mlp
