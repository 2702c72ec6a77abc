// The named choices of a model — activations, losses, initializers — with their parsers.
// Parsing an unknown name throws ConfigError listing the valid names and a did-you-mean.
#pragma once

#include <string_view>
#include <vector>

namespace mlp {

/// psi of SPEC §1. Derivative at the kink: ReLU'(0) = 0 and LeakyReLU'(0) = slope.
enum class Activation { identity, relu, leaky_relu, sigmoid, tanh, softmax };

/// Per-example loss; the cost J averages it over the m examples of a batch.
///  - mse: L = Σ_k (a_k − y_k)² / n_out (the mean over output units, as PyTorch MSELoss),
///    see docs/conventions.md.
///  - binary_cross_entropy: sigmoid output, fused with it (stable, gradient A − Y).
///  - cross_entropy: softmax output, fused with it (log-sum-exp, gradient A − Y).
enum class Loss { mse, binary_cross_entropy, cross_entropy };

/// Weight initializers (biases always start at zero). n_in = fan-in, n_out = fan-out.
///  - zeros:          W = 0 (demonstrates the symmetry problem)
///  - normal:         W ~ N(0, scale²)
///  - he_normal:      W ~ N(0, 2/n_in)           (the seed text calls this one "Xavier")
///  - he_uniform:     W ~ U(−√(6/n_in), √(6/n_in))
///  - glorot_normal:  W ~ N(0, 2/(n_in+n_out))   (alias: xavier, xavier_normal)
///  - glorot_uniform: W ~ U(−√(6/(n_in+n_out)), +√(6/(n_in+n_out)))   (alias: xavier_uniform)
enum class Init { zeros, normal, he_normal, he_uniform, glorot_normal, glorot_uniform };

std::string_view to_string(Activation a);
std::string_view to_string(Loss l);
std::string_view to_string(Init i);

Activation parse_activation(std::string_view name);
Loss parse_loss(std::string_view name);
Init parse_init(std::string_view name);

}  // namespace mlp
