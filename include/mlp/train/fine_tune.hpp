// Fine-tuning: start from the weights of a saved network (warm start) and keep some parameter
// slices fixed while the others train (TrainOptions::freeze).
//
//   Model saved = Model::load("base/model.mlp");
//   warm_start(net, saved.network(), "base/model.mlp");  // θ := the saved θ, same architecture
//   TrainOptions o; o.freeze = {"layers.0"};             // layers.0.W and layers.0.b stay fixed
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/parameters.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {

/// The first difference between the architecture a configuration describes (`expected`) and a
/// saved one (`saved`) that keeps the saved weights from fitting: the input width, the number of
/// layers, then layer by layer (from 0) its units and its activation (and leaky_slope when a
/// layer uses leaky_relu). Empty when the weights fit. Dropout, the loss and the initializer
/// may differ: they do not change what the weights compute.
[[nodiscard]] std::string architecture_difference(const ModelSpec& expected, const ModelSpec& saved);

/// θ of `net` := θ of `from` (bit for bit). ConfigError "SOURCE: the saved network does not fit
/// the configured one: DIFFERENCE" when architecture_difference() finds one; `source` names the
/// saved model (its file).
void warm_start(Network<float>& net, const Network<float>& from, std::string_view source);

/// The slots of `params` that `names` select: a slice name ("layers.0.W") selects that slice, a
/// layer prefix ("layers.0") every slice of that layer. ConfigError for a name that selects
/// nothing, listing the names there are. Sorted, each slot once.
[[nodiscard]] std::vector<std::size_t> frozen_slots(const Parameters<float>& params,
                                                    const std::vector<std::string>& names);

/// dθ := 0 on the slices `slots`.
void zero_gradients(Parameters<float>& params, const std::vector<std::size_t>& slots);

}  // namespace mlp
