// Penalties, gradient clipping and gradient norms over a Parameters<T> (SPEC §4).
//
// Penalties touch only slices with penalized == true (the weights W); biases are never
// penalized. `m` is the size of the TRAINING SET (not of the mini-batch), as in the SPEC:
//   L2:  J += (λ/2m) Σ_W ‖W‖₂²   dW += (λ/m) W
//   L1:  J += (λ/m)  Σ_W ‖W‖₁    dW += (λ/m) sign(W)     (sign(0) = 0, a subgradient)
// The *_penalty functions return the cost term and add the gradient into dtheta (call them
// after the backward pass has written the data gradient); the *_cost functions only evaluate.
#pragma once

#include <cstddef>
#include <vector>

#include "mlp/core/parameters.hpp"

namespace mlp::optim {

/// Returns (λ/2m) Σ‖W‖² and adds (λ/m)W to each dW. λ >= 0 finite, m >= 1 (ConfigError).
template <class T>
T l2_penalty(Parameters<T>& params, T lambda, std::size_t m);
/// Returns (λ/m) Σ‖W‖₁ and adds (λ/m)sign(W) to each dW. λ >= 0 finite, m >= 1 (ConfigError).
template <class T>
T l1_penalty(Parameters<T>& params, T lambda, std::size_t m);
/// The cost terms alone.
template <class T>
T l2_cost(const Parameters<T>& params, T lambda, std::size_t m);
template <class T>
T l1_cost(const Parameters<T>& params, T lambda, std::size_t m);

/// Global L2 norm of dtheta, accumulated in double (no overflow for float gradients).
template <class T>
double grad_norm(const Parameters<T>& params);
/// ‖dW‖₂ of every slice, indexed by slot (gradient-health monitoring: vanishing/exploding).
template <class T>
std::vector<double> slice_grad_norms(const Parameters<T>& params);
/// The same into `out` (resized to the slot count; no allocation once it has that size).
template <class T>
void slice_grad_norms(const Parameters<T>& params, std::vector<double>& out);
/// ‖W‖₂ of every slice, indexed by slot (for update-to-weight ratios).
template <class T>
std::vector<double> slice_value_norms(const Parameters<T>& params);

/// PyTorch clip_grad_norm_: with n = ‖dθ‖₂ over all slices, multiplies dθ by
/// max_norm / (n + 1e-6) when that factor is below 1. Returns n (the norm BEFORE clipping).
/// A non-finite n leaves dθ untouched and is returned as is, so the caller can report the
/// divergence. max_norm must be finite and > 0 (ConfigError).
template <class T>
double clip_grad_norm(Parameters<T>& params, double max_norm);

}  // namespace mlp::optim
