// Backtracking (Armijo) line search along the negative gradient (Nocedal & Wright, Algorithm 3.1).
//
//   g = ∇J(θ0)                      (params.dtheta() on entry, [P], P = number of parameters)
//   t := t0
//   while J(θ0 − t·g) > J(θ0) − c·t·‖g‖²:  t := ρ·t          (c = 1e-4, ρ = 0.5)
//
// The search knows nothing of networks or trainers: it moves params.theta() to each trial point
// θ0 − t·g and asks a cost callback for J there. The callback must evaluate the SAME function
// whose value J0 and gradient g the caller computed — for a network trained with dropout, with the
// dropout masks of the gradient's forward pass (Network::forward_with_masks), otherwise the
// costs it compares come from different networks and the Armijo condition means nothing.
#pragma once

#include <functional>

#include "mlp/core/parameters.hpp"
#include "mlp/core/tensor.hpp"

namespace mlp::optim {

struct LineSearchOptions {
  double c = 1e-4;      ///< sufficient-decrease constant, in (0, 1)
  double rho = 0.5;     ///< backtracking factor, in (0, 1)
  int max_trials = 60;  ///< cost evaluations before giving up (θ then stays at θ0); >= 1
  void validate() const;  ///< ConfigError naming the option
};

struct LineSearchResult {
  bool accepted = false;  ///< a trial met the Armijo condition (otherwise θ is back at θ0)
  double step = 0.0;      ///< the accepted t (0 when none was accepted)
  double cost = 0.0;      ///< J(θ0 − t·g) at the accepted t (J0 when none was accepted)
  int trials = 0;         ///< cost evaluations made
};

template <class T>
class BacktrackingLineSearch {
 public:
  /// J at the current params.theta(), the function whose value and gradient at θ0 the caller
  /// hands to search(). A non-finite value rejects the trial step.
  using Cost = std::function<double()>;

  explicit BacktrackingLineSearch(LineSearchOptions options = {});

  /// From θ0 = params.theta() along g = params.dtheta() (left unchanged), with J0 = J(θ0) and the
  /// first trial step t0 > 0: leaves θ at the first θ0 − t·g, t = t0·ρ^k, that meets
  /// J(θ0 − t·g) <= J0 − c·t·‖g‖², or at θ0 when none of max_trials does.
  LineSearchResult search(Parameters<T>& params, double J0, double t0, const Cost& cost);

  [[nodiscard]] const LineSearchOptions& options() const { return options_; }

 private:
  LineSearchOptions options_;
  // θ0 and g of the current search [P]; reused, so a search over parameters of the same size as
  // the last one allocates nothing.
  Vector<T> theta0_, g_;
};

extern template class BacktrackingLineSearch<float>;
extern template class BacktrackingLineSearch<double>;

}  // namespace mlp::optim
