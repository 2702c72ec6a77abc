// softmax column by column, shared by the softmax activation (src/nn/activations/softmax.cpp) and
// the cross-entropy loss fused with it (src/nn/losses/cross_entropy.cpp), so that a prediction and
// a training pass give the same probabilities, bit for bit.        Z, A: [n x m], column j:
//   A[:,j] = exp(Z[:,j] − max_j) / s_j,   s_j = Σ_i exp(Z[i,j] − max_j)
// exp runs in fixed-size chunks of 16 (Eigen's vectorized exp; the last chunk padded), so that
// every element gets the same function wherever it sits in the block (a column of a 10-class
// output is shorter than one AVX-512 register: column by column, Eigen would call the scalar
// libm exp for every element instead).
#pragma once

#include <Eigen/Core>
#include <algorithm>

#include "mlp/core/tensor.hpp"

namespace mlp::nn_detail {

/// x[i] := exp(x[i]) for i in [0, n).
template <class T>
void exp_in_place(T* x, Index n) {
  constexpr Index kChunk = 16;
  using Chunk = Eigen::Array<T, kChunk, 1>;
  Index i = 0;
  for (; i + kChunk <= n; i += kChunk) {
    Eigen::Map<Chunk> c(x + i);
    c = c.exp();
  }
  if (i < n) {
    Chunk c = Chunk::Zero();
    std::copy(x + i, x + n, c.data());
    c = c.exp();
    std::copy(c.data(), c.data() + (n - i), x + i);
  }
}

/// A = softmax(Z), column by column; then on_column(j, max_j, s_j) for every column j, in order
/// (the loss's log-sum-exp is max_j + log s_j).
template <class T, class OnColumn>
void softmax_columns(const MatrixCRef<T>& Z, MatrixRef<T> A, OnColumn&& on_column) {
  const Index n = Z.rows(), m = Z.cols();
  for (Index j = 0; j < m; ++j) A.col(j) = Z.col(j).array() - Z.col(j).maxCoeff();
  if (A.outerStride() == n) {
    exp_in_place(A.data(), n * m);  // one contiguous block
  } else {
    for (Index j = 0; j < m; ++j) exp_in_place(A.col(j).data(), n);
  }
  for (Index j = 0; j < m; ++j) {
    // In index order (Eigen's sum would order it by the column's alignment in memory).
    T s = 0;
    for (Index i = 0; i < n; ++i) s += A(i, j);
    A.col(j) /= s;
    on_column(j, Z.col(j).maxCoeff(), s);
  }
}

}  // namespace mlp::nn_detail
