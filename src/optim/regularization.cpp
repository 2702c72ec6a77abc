#include "mlp/optim/regularization.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <type_traits>

#include "mlp/core/error.hpp"

namespace mlp::optim {
namespace {

template <class T>
void check_penalty(std::string_view what, T lambda, std::size_t m) {
  if (!std::isfinite(lambda) || lambda < T(0)) {
    throw ConfigError(fmt::format("regularization.{} must be finite and >= 0 (got {})", what,
                                  static_cast<double>(lambda)));
  }
  if (m == 0) {
    throw ConfigError(fmt::format(
        "regularization.{}: the training-set size m must be >= 1 (got 0)", what));
  }
}

template <class V>
auto segment_of(V& v, const ParamSlice& s) {
  return v.segment(static_cast<Index>(s.offset), static_cast<Index>(s.size()));
}

/// ‖x‖₂ of a contiguous vector. float: sums of squares of blocks of 256 values in float (one
/// vectorized pass; converting every value to double first is ~5x slower), accumulated in
/// double. Falls back to a scaled (overflow-free) norm in double when a sum overflows
/// although every value is finite.
template <class Derived>
double norm2(const Eigen::MatrixBase<Derived>& x) {
  using S = typename Derived::Scalar;
  const Eigen::Map<const Vector<S>> v(x.derived().data(), x.size());
  double sum = 0.0;
  if constexpr (std::is_same_v<S, double>) {
    sum = v.squaredNorm();
  } else {
    constexpr Index kBlock = 256;
    for (Index i = 0; i < v.size(); i += kBlock) {
      sum += static_cast<double>(v.segment(i, std::min(kBlock, v.size() - i)).squaredNorm());
    }
  }
  const double n = std::sqrt(sum);
  if (std::isfinite(n) || !v.allFinite()) return n;
  return v.template cast<double>().eval().stableNorm();
}

}  // namespace

template <class T>
T l2_cost(const Parameters<T>& p, T lambda, std::size_t m) {
  check_penalty("l2", lambda, m);
  const T scale = lambda / (T(2) * static_cast<T>(m));  // λ/2m
  T sum = 0;
  for (const auto& s : p.slices()) {
    if (s.penalized) sum += segment_of(p.theta(), s).squaredNorm();  // ‖W‖₂²
  }
  return scale * sum;
}

template <class T>
T l1_cost(const Parameters<T>& p, T lambda, std::size_t m) {
  check_penalty("l1", lambda, m);
  const T scale = lambda / static_cast<T>(m);  // λ/m
  T sum = 0;
  for (const auto& s : p.slices()) {
    if (s.penalized) sum += segment_of(p.theta(), s).template lpNorm<1>();  // ‖W‖₁
  }
  return scale * sum;
}

template <class T>
T l2_penalty(Parameters<T>& p, T lambda, std::size_t m) {
  const T cost = l2_cost(p, lambda, m);
  const T scale = lambda / static_cast<T>(m);  // λ/m
  for (const auto& s : p.slices()) {
    // dW += (λ/m) W
    if (s.penalized) segment_of(p.dtheta(), s) += scale * segment_of(p.theta(), s);
  }
  return cost;
}

template <class T>
T l1_penalty(Parameters<T>& p, T lambda, std::size_t m) {
  const T cost = l1_cost(p, lambda, m);
  const T scale = lambda / static_cast<T>(m);  // λ/m
  for (const auto& s : p.slices()) {
    // dW += (λ/m) sign(W), sign(0) = 0
    if (s.penalized) segment_of(p.dtheta(), s) += scale * segment_of(p.theta(), s).cwiseSign();
  }
  return cost;
}

template <class T>
double grad_norm(const Parameters<T>& p) {
  return norm2(p.dtheta());
}

template <class T>
void slice_grad_norms(const Parameters<T>& p, std::vector<double>& out) {
  out.resize(p.slot_count());
  for (std::size_t k = 0; k < p.slot_count(); ++k) out[k] = norm2(segment_of(p.dtheta(), p.slice(k)));
}

template <class T>
std::vector<double> slice_grad_norms(const Parameters<T>& p) {
  std::vector<double> out;
  slice_grad_norms(p, out);
  return out;
}

template <class T>
std::vector<double> slice_value_norms(const Parameters<T>& p) {
  std::vector<double> out;
  out.reserve(p.slot_count());
  for (const auto& s : p.slices()) out.push_back(norm2(segment_of(p.theta(), s)));
  return out;
}

template <class T>
double clip_grad_norm(Parameters<T>& p, double max_norm) {
  if (!std::isfinite(max_norm) || max_norm <= 0.0) {
    throw ConfigError(fmt::format("clip.max_norm must be finite and > 0 (got {})", max_norm));
  }
  const double norm = grad_norm(p);
  if (!std::isfinite(norm)) return norm;
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) p.dtheta() *= static_cast<T>(coef);
  return norm;
}

#define MLP_INSTANTIATE(T)                                                  \
  template T l2_penalty<T>(Parameters<T>&, T, std::size_t);                 \
  template T l1_penalty<T>(Parameters<T>&, T, std::size_t);                 \
  template T l2_cost<T>(const Parameters<T>&, T, std::size_t);              \
  template T l1_cost<T>(const Parameters<T>&, T, std::size_t);              \
  template double grad_norm<T>(const Parameters<T>&);                       \
  template std::vector<double> slice_grad_norms<T>(const Parameters<T>&);   \
  template void slice_grad_norms<T>(const Parameters<T>&, std::vector<double>&); \
  template std::vector<double> slice_value_norms<T>(const Parameters<T>&);  \
  template double clip_grad_norm<T>(Parameters<T>&, double);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp::optim
