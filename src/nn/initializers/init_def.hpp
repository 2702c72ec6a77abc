// What one initializer file defines (src/nn/initializers/<name>.cpp): its distribution, its
// spread as a function of the fans, and its metadata, as a constant `init_<name>` declared here
// for every X(name) of MLP_INITIALIZERS (mlp/nn/registry.hpp). The registry (src/nn/names.cpp) indexes them by enum.
//
//   W [n_out x n_in]: n_in = W.cols() is the fan-in, n_out = W.rows() the fan-out.
// Samples come from mlp::Rng in storage order, so a seed gives the same weights everywhere.
#pragma once

#include <span>
#include <string_view>

#include "mlp/core/random.hpp"
#include "mlp/core/tensor.hpp"
#include "mlp/nn/names.hpp"

namespace mlp::nn_detail {

/// W ~ draw(0, spread): N(0, spread²), U(−spread, spread), or 0 (no sample drawn); identity:
/// W[i][i] = 1 for i < min(n_out, n_in), 0 elsewhere (no sample drawn).
enum class Draw { zeros, normal, uniform, identity };

struct InitDef {
  std::string_view name;                        // canonical name, stored in model files
  std::span<const std::string_view> aliases{};  // also accepted by parse_init
  std::string_view doc;                         // one line
  Draw draw = Draw::zeros;
  /// The standard deviation (normal) or limit (uniform) from the fans of W and
  /// model.init_scale; nullptr for zeros and identity.
  double (*spread)(double n_in, double n_out, double scale) = nullptr;

  /// Fills W [n_out x n_in] element by element in storage order (n_in = W.cols() is the
  /// fan-in, n_out = W.rows() the fan-out), times the gain g (model.init_gain):
  ///   W = g · draw(0, spread)    or    W = g · I (leading diagonal)    or    W = 0.
  /// g = 1 draws exactly the values of the initializer without a gain.
  template <class T>
  void fill(double scale, double gain, Rng& rng, MatrixMap<T> W) const {
    if (draw == Draw::zeros || draw == Draw::identity) {
      W.setZero();
      if (draw == Draw::identity) W.diagonal().setConstant(static_cast<T>(gain));
      return;
    }
    const double s =
        gain * spread(static_cast<double>(W.cols()), static_cast<double>(W.rows()), scale);
    for (Index i = 0; i < W.size(); ++i) {
      W.data()[i] =
          static_cast<T>(draw == Draw::normal ? rng.normal() * s : rng.uniform(-s, s));
    }
  }
};

/// The definition registered for `i` (src/nn/names.cpp).
const InitDef& init_def(Init i);

#define MLP_DECLARE_INIT(n) extern const InitDef init_##n;
MLP_INITIALIZERS(MLP_DECLARE_INIT)
#undef MLP_DECLARE_INIT

}  // namespace mlp::nn_detail
