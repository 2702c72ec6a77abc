#include "mlp/autograd/gradcheck.hpp"

#include <algorithm>
#include <cmath>

namespace mlp {

double relative_error(const Vector<double>& approx, const Vector<double>& exact) {
  const double den = approx.norm() + exact.norm();
  if (den == 0.0) return 0.0;
  return (approx - exact).norm() / den;
}

GradCheckResult gradient_check(Parameters<double>& params, const std::function<double()>& cost,
                               const std::function<void()>& gradient,
                               const GradCheckOptions& options) {
  GradCheckResult result;
  result.options = options;
  result.cost = cost();
  gradient();
  const Vector<double> exact = params.dtheta();
  Vector<double> approx(exact.size());
  Vector<double>& theta = params.theta();
  const double eps = options.epsilon;
  for (Index i = 0; i < theta.size(); ++i) {
    const double saved = theta(i);
    theta(i) = saved + eps;
    const double plus = cost();
    theta(i) = saved - eps;
    const double minus = cost();
    theta(i) = saved;
    approx(i) = (plus - minus) / (2.0 * eps);
  }
  const double floor = options.absolute_floor * std::max(1.0, std::abs(result.cost));
  auto judge = [&](double rel, double max_diff) {
    return rel < options.threshold || max_diff < floor;
  };
  result.relative_error = relative_error(approx, exact);
  result.max_abs_difference = exact.size() ? (approx - exact).cwiseAbs().maxCoeff() : 0.0;
  result.passed = judge(result.relative_error, result.max_abs_difference);
  for (const ParamSlice& s : params.slices()) {
    const auto n = static_cast<Index>(s.size());
    const auto off = static_cast<Index>(s.offset);
    const Vector<double> a = approx.segment(off, n), e = exact.segment(off, n);
    SliceCheck c{s.name, relative_error(a, e), (a - e).cwiseAbs().maxCoeff(), false};
    c.passed = judge(c.relative_error, c.max_abs_difference);
    result.passed = result.passed && c.passed;
    result.slices.push_back(std::move(c));
  }
  // Leave dθ holding the analytic gradient, as computed.
  params.dtheta() = exact;
  result.approx = std::move(approx);
  result.exact = exact;
  return result;
}

}  // namespace mlp
