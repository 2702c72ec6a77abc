#include "mlp/optim/line_search.hpp"

#include <fmt/format.h>

#include <cmath>

#include "mlp/core/error.hpp"

namespace mlp::optim {

void LineSearchOptions::validate() const {
  if (!(c > 0 && c < 1)) throw ConfigError(fmt::format("line search: c must be in (0, 1) (got {})", c));
  if (!(rho > 0 && rho < 1)) {
    throw ConfigError(fmt::format("line search: rho must be in (0, 1) (got {})", rho));
  }
  if (max_trials < 1) {
    throw ConfigError(fmt::format("line search: max_trials must be >= 1 (got {})", max_trials));
  }
}

template <class T>
BacktrackingLineSearch<T>::BacktrackingLineSearch(LineSearchOptions options)
    : options_(options) {
  options_.validate();
}

template <class T>
LineSearchResult BacktrackingLineSearch<T>::search(Parameters<T>& params, double J0, double t0,
                                                   const Cost& cost) {
  if (!(t0 > 0) || !std::isfinite(t0)) {
    throw ConfigError(fmt::format("line search: the first step t0 must be > 0 and finite (got {})", t0));
  }
  theta0_ = params.theta();                                   // θ0 [P]
  g_ = params.dtheta();                                       // g = ∇J(θ0) [P]
  const double g2 = static_cast<double>(g_.squaredNorm());    // ‖g‖²
  LineSearchResult r;
  double t = t0;
  for (int k = 0; k < options_.max_trials; ++k) {
    params.theta() = theta0_ - static_cast<T>(t) * g_;        // θ = θ0 − t·g
    const double Jt = cost();
    r.trials = k + 1;
    if (std::isfinite(Jt) && Jt <= J0 - options_.c * t * g2) {  // Armijo: sufficient decrease
      r.accepted = true;
      r.step = t;
      r.cost = Jt;
      return r;
    }
    t *= options_.rho;
  }
  params.theta() = theta0_;  // no step decreased J enough: stay at θ0
  r.cost = J0;
  return r;
}

template class BacktrackingLineSearch<float>;
template class BacktrackingLineSearch<double>;

}  // namespace mlp::optim
