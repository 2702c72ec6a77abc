// The gradient check of SPEC §2 on a whole network as it is trained: double precision, the
// L1/L2 penalties included (with m = the training-set size, as in training), dropout off (a
// deterministic J), on a batch of real training examples. Reports the relative error overall,
// per parameter slice and per layer (W and b together).
//
//   NetworkGradientCheckOptions o;
//   o.l2 = 0.01;
//   NetworkGradientCheck c = check_network_gradients(spec, train, o);
//   if (!c.result.passed) ...
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mlp/autograd/gradcheck.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {

struct NetworkGradientCheckOptions {
  Index examples = 16;    ///< the first `examples` training examples form the batch (at most all)
  double l1 = 0.0;        ///< penalties as in training: (λ/m)‖W‖₁ and (λ/2m)‖W‖²
  double l2 = 0.0;
  GradCheckOptions check; ///< ε and the pass threshold
};

/// A layer's relative error over its W and b together, with each slice's.
struct LayerGradientError {
  std::string name;        ///< "layers.0"
  double relative_error = 0.0;
  double weights = 0.0;    ///< relative error of W alone
  double bias = 0.0;       ///< relative error of b alone
};

struct NetworkGradientCheck {
  GradCheckResult result;                ///< overall and per slice (layers.k.W, layers.k.b)
  std::vector<LayerGradientError> layers;
  Index examples = 0;                    ///< examples in the checked batch
  std::size_t parameters = 0;            ///< |θ|
};

/// Checks the gradients of a fresh network built from `spec` (dropout switched off) on the
/// first examples of `train` (prepared data: standardized as for training). Throws ConfigError
/// for an empty data set, and what the network throws for data that does not fit it.
NetworkGradientCheck check_network_gradients(const ModelSpec& spec, const data::Dataset& train,
                                             const NetworkGradientCheckOptions& options = {});

}  // namespace mlp
