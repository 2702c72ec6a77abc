// What training a network will take in memory, estimated before anything is allocated, and the
// memory the machine has. `mlp train` refuses a model whose estimate exceeds train.max_memory
// (default: 75 % of the memory available to the process) instead of running into the kernel's
// out-of-memory killer minutes later.
//
// Estimate, in bytes of T (float: 4), with widths n_0 (inputs) … n_L (outputs), batch m and
// P = Σ_l (n_{l−1}·n_l + n_l) parameters:
//   parameters θ and gradients dθ        2·P
//   optimizer state                      s·P   (s = Optimizer::state_vectors(): adam 2, gd 0)
//   activations of one batch             m·(n_0 + Σ_{l≥1} k·n_l), k = 4 (Z, A, dZ, dA), +2 with
//                                        dropout (mask, dropped A)
// The data sets themselves are not counted (they are already in memory when the exact check
// runs; the check before reading them uses n_0 = n_L = 1, a lower bound).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mlp/core/tensor.hpp"

namespace mlp {

struct TrainingMemory {
  std::uint64_t parameters = 0;  ///< θ and dθ
  std::uint64_t optimizer_state = 0;
  std::uint64_t activations = 0;  ///< one batch through every layer, forward and backward
  /// The sum, saturating at UINT64_MAX.
  [[nodiscard]] std::uint64_t total() const;
};

/// The estimate above for layer widths {n_0, …, n_L}, batch m, `state_vectors` optimizer
/// vectors, `dropout` on any layer, in elements of `bytes_per_element` bytes. Saturates at
/// UINT64_MAX instead of overflowing.
[[nodiscard]] TrainingMemory estimate_training_memory(const std::vector<Index>& widths, Index batch,
                                                      std::size_t state_vectors, bool dropout,
                                                      std::size_t bytes_per_element = 4);

/// Bytes of memory this process may use: the physical memory, or the cgroup's memory.max when
/// that is lower (containers). 0 when unknown.
[[nodiscard]] std::uint64_t available_memory_bytes();

/// "1.2 GiB", "340 MiB", "12 KiB", "512 B".
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);

}  // namespace mlp
