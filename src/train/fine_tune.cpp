#include "mlp/train/fine_tune.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "mlp/core/error.hpp"
#include "mlp/nn/names.hpp"

namespace mlp {

std::string architecture_difference(const ModelSpec& expected, const ModelSpec& saved) {
  if (expected.inputs != saved.inputs) {
    return fmt::format("input size: {} features in the configuration's data, {} in the saved model",
                       expected.inputs, saved.inputs);
  }
  if (expected.layers.size() != saved.layers.size()) {
    return fmt::format("number of layers: {} in the configuration ({} hidden + output), {} in the saved "
                       "model — model.hidden must list {} hidden layers",
                       expected.layers.size(), expected.layers.size() - 1, saved.layers.size(),
                       saved.layers.size() - 1);
  }
  for (std::size_t k = 0; k < expected.layers.size(); ++k) {
    const LayerSpec& e = expected.layers[k];
    const LayerSpec& s = saved.layers[k];
    const bool output = k + 1 == expected.layers.size();
    const std::string layer = fmt::format("layer {} (layers.{}{})", k, k, output ? ", the output layer" : "");
    if (e.units != s.units) {
      return fmt::format("{}: {} units in the configuration, {} in the saved model", layer, e.units, s.units);
    }
    if (e.activation != s.activation) {
      return fmt::format("{}: activation {} in the configuration, {} in the saved model", layer,
                         to_string(e.activation), to_string(s.activation));
    }
    if (e.activation == Activation::leaky_relu && expected.leaky_slope != saved.leaky_slope) {
      return fmt::format("{}: leaky_slope {} in the configuration, {} in the saved model", layer,
                         expected.leaky_slope, saved.leaky_slope);
    }
  }
  return {};
}

void warm_start(Network<float>& net, const Network<float>& from, std::string_view source) {
  const std::string diff = architecture_difference(net.spec(), from.spec());
  if (!diff.empty()) {
    throw ConfigError(fmt::format("{}: the saved network does not fit the configured one: {}", source, diff));
  }
  net.params().theta() = from.params().theta();
}

std::vector<std::size_t> frozen_slots(const Parameters<float>& params, const std::vector<std::string>& names) {
  std::vector<std::size_t> slots;
  for (const std::string& name : names) {
    bool found = false;
    for (std::size_t s = 0; s < params.slot_count(); ++s) {
      const std::string& slice = params.slice(s).name;
      if (slice == name || (slice.size() > name.size() && slice.compare(0, name.size(), name) == 0 &&
                            slice[name.size()] == '.')) {
        slots.push_back(s);
        found = true;
      }
    }
    if (!found) {
      std::vector<std::string> known;
      for (const auto& slice : params.slices()) {
        const std::string layer = slice.name.substr(0, slice.name.rfind('.'));
        if (std::find(known.begin(), known.end(), layer) == known.end()) known.push_back(layer);
      }
      for (const auto& slice : params.slices()) known.push_back(slice.name);
      throw ConfigError(fmt::format("train.freeze: \"{}\" names no parameter slice; use a layer ({}) or a slice ({})",
                                    name, fmt::join(known.begin(), known.begin() + static_cast<long>(known.size() - params.slot_count()), ", "),
                                    fmt::join(known.end() - static_cast<long>(params.slot_count()), known.end(), ", ")));
    }
  }
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  return slots;
}

void zero_gradients(Parameters<float>& params, const std::vector<std::size_t>& slots) {
  for (const std::size_t s : slots) params.grad(s).setZero();
}

}  // namespace mlp
