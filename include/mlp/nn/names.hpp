// The named choices of a model — activations, losses, initializers — as registries: the
// enums, the tables of accepted names (with aliases and a one-line doc each), and the parsers.
// Parsing an unknown name throws ConfigError listing the valid names and a did-you-mean.
//
// Every enum is generated from its registration list in registry.hpp; adding an activation
// (loss, initializer) is one file src/nn/activations/<name>.cpp (losses/, initializers/) plus
// one X(name) line there. The tables, to_string and the parsers then know it.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "mlp/nn/registry.hpp"

namespace mlp {

#define MLP_ENUM_VALUE(name) name,

/// psi of SPEC §1 (activation.hpp), in the order of MLP_ACTIVATIONS:
///  - identity (alias linear), relu, leaky_relu (slope model.leaky_slope), sigmoid, tanh,
///    softmax (output layer only, column-wise), gelu (x·Φ(x), exact erf form; hidden layers).
/// Derivative at the kink: ReLU'(0) = 0 and LeakyReLU'(0) = slope.
enum class Activation { MLP_ACTIVATIONS(MLP_ENUM_VALUE) };

/// Per-example loss; the cost J averages it over the m examples of a batch.
///  - mse: L = Σ_k (a_k − y_k)² / n_out (the mean over output units, as PyTorch MSELoss),
///    see docs/conventions.md.
///  - binary_cross_entropy: sigmoid output, fused with it (stable, gradient A − Y).
///  - cross_entropy: softmax output, fused with it (log-sum-exp, gradient A − Y).
enum class Loss { MLP_LOSSES(MLP_ENUM_VALUE) };

/// Weight initializers (biases always start at zero). n_in = fan-in, n_out = fan-out.
///  - zeros:          W = 0 (demonstrates the symmetry problem)
///  - normal:         W ~ N(0, scale²)
///  - he_normal:      W ~ N(0, 2/n_in)           (the seed text calls this one "Xavier")
///  - he_uniform:     W ~ U(−√(6/n_in), √(6/n_in))
///  - glorot_normal:  W ~ N(0, 2/(n_in+n_out))   (alias: xavier, xavier_normal)
///  - glorot_uniform: W ~ U(−√(6/(n_in+n_out)), +√(6/(n_in+n_out)))   (alias: xavier_uniform)
///  - identity:       W = I on the leading min(n_in, n_out) diagonal, 0 elsewhere (no draw)
/// ModelSpec::init_gain g multiplies every one of them: W = g · (the initializer's W).
enum class Init { MLP_INITIALIZERS(MLP_ENUM_VALUE) };

#undef MLP_ENUM_VALUE

/// One accepted name of a registry: a canonical name or an alias (an alias is the entry whose
/// `name` differs from to_string(value)); `doc` is the one-line description of `value`.
template <class E>
struct NameEntry {
  std::string_view name;
  E value;
  std::string_view doc;
};

/// Every accepted name, aliases included, in the documented order: each canonical name in the
/// order of its registration list, followed by its aliases.
std::span<const NameEntry<Activation>> activation_table();
std::span<const NameEntry<Loss>> loss_table();
std::span<const NameEntry<Init>> init_table();

/// Whether `a` may be used for a hidden layer (all but softmax; ModelSpec::validate enforces it).
bool hidden_allowed(Activation a);
/// Whether `a` is offered for the output layer of a model: softmax, sigmoid, identity (the
/// activations that a loss is fused with, or that leave a regression output unbounded).
bool output_allowed(Activation a);

std::string_view to_string(Activation a);
std::string_view to_string(Loss l);
std::string_view to_string(Init i);

Activation parse_activation(std::string_view name);
Loss parse_loss(std::string_view name);
Init parse_init(std::string_view name);

}  // namespace mlp
