// What one initializer file defines (src/nn/initializers/<name>.cpp): its fill for float and
// double and its metadata, as a constant `init_<name>` declared here for every X(name) of
// MLP_INITIALIZERS (mlp/nn/registry.hpp). The registry (src/nn/names.cpp) indexes them by enum.
//
//   W [n_out x n_in]: n_in = W.cols() is the fan-in, n_out = W.rows() the fan-out.
// Samples come from mlp::Rng in storage order, so a seed gives the same weights everywhere.
#pragma once

#include <span>
#include <string_view>
#include <type_traits>

#include "mlp/core/random.hpp"
#include "mlp/core/tensor.hpp"
#include "mlp/nn/names.hpp"

namespace mlp::nn_detail {

template <class T>
struct InitKernels {
  /// Fills W. `scale` is model.init_scale (read by normal only).
  void (*fill)(double scale, Rng& rng, MatrixMap<T> W);
};

struct InitDef {
  std::string_view name;                      // canonical name, stored in model files
  std::span<const std::string_view> aliases;  // also accepted by parse_init
  std::string_view doc;                       // one line
  InitKernels<float> f32;
  InitKernels<double> f64;

  template <class T>
  const InitKernels<T>& kernels() const {
    if constexpr (std::is_same_v<T, float>) {
      return f32;
    } else {
      return f64;
    }
  }
};

/// W ~ N(0, stddev²), element by element in storage order.
template <class T>
void fill_normal(double stddev, Rng& rng, MatrixMap<T> W) {
  for (Index i = 0; i < W.size(); ++i) W.data()[i] = static_cast<T>(rng.normal() * stddev);
}

/// W ~ U(−limit, limit), element by element in storage order.
template <class T>
void fill_uniform(double limit, Rng& rng, MatrixMap<T> W) {
  for (Index i = 0; i < W.size(); ++i) W.data()[i] = static_cast<T>(rng.uniform(-limit, limit));
}

/// Fan-in n_in and fan-out n_out of W [n_out x n_in].
template <class T>
double fan_in(const MatrixMap<T>& W) {
  return static_cast<double>(W.cols());
}
template <class T>
double fan_out(const MatrixMap<T>& W) {
  return static_cast<double>(W.rows());
}

#define MLP_DECLARE_INIT(n) extern const InitDef init_##n;
MLP_INITIALIZERS(MLP_DECLARE_INIT)
#undef MLP_DECLARE_INIT

/// The definition registered for `i` (src/nn/names.cpp).
const InitDef& init_def(Init i);

}  // namespace mlp::nn_detail
