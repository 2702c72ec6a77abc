// identity (alias linear):  A = Z                  dZ = dA                 Z, A, dA, dZ: [n x m]
#include "activation_def.hpp"

namespace mlp::nn_detail {
namespace {
constexpr std::string_view kAliases[] = {"linear"};
}  // namespace

constinit const ActivationDef activation_identity = with_kernels<ActivationDef>(
    {.name = "identity",
     .aliases = kAliases,
     .doc = "A = Z (alias linear): an unbounded output, e.g. regression",
     .hidden = true,
     .output = true},
    [](auto, const auto& Z, auto A) { A = Z; },
    [](auto, const auto&, const auto&, const auto& dA, auto dZ) { dZ = dA; });

}  // namespace mlp::nn_detail
