// The registration lines of the model's named choices: one X(name) per activation, loss and
// initializer, in the documented order. Each list generates its enum (names.hpp) and its
// registry table (src/nn/names.cpp); each name is defined by one file
//   src/nn/activations/<name>.cpp     forward, backward (float, double) + name, aliases, doc,
//                                     hidden/output-layer use           (activation_def.hpp)
//   src/nn/losses/<name>.cpp          cost and gradient (float, double) + name, aliases, doc,
//                                     fused output activation           (loss_def.hpp)
//   src/nn/initializers/<name>.cpp    fill (float, double) + name, aliases, doc (init_def.hpp)
//
// Adding one = that file + one line here. Append new names at the end of a list: the enum
// values follow the list, and the names (not the values) are what model files store.
#pragma once

#define MLP_ACTIVATIONS(X) \
  X(identity)              \
  X(relu)                  \
  X(leaky_relu)            \
  X(sigmoid)               \
  X(tanh)                  \
  X(softmax)               \
  X(gelu)

#define MLP_LOSSES(X)     \
  X(mse)                  \
  X(binary_cross_entropy) \
  X(cross_entropy)

#define MLP_INITIALIZERS(X) \
  X(zeros)                  \
  X(normal)                 \
  X(he_normal)              \
  X(he_uniform)             \
  X(glorot_normal)          \
  X(glorot_uniform)         \
  X(identity)
