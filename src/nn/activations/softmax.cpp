// softmax, column by column (output layer only):            Z, A, dA, dZ: [n x m], column j:
//   A[:,j] = exp(Z[:,j] − max) / Σ exp(Z[:,j] − max)       (shifted by the column max)
//   dZ[:,j] = A[:,j] ⊙ (dA[:,j] − A[:,j]ᵀ·dA[:,j])         (the Jacobian-vector product)
#include "activation_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void forward(T, const MatrixCRef<T>& Z, MatrixRef<T> A) {
  for (Index j = 0; j < Z.cols(); ++j) {
    const T mx = Z.col(j).maxCoeff();
    A.col(j) = (Z.col(j).array() - mx).exp();
    A.col(j) /= A.col(j).sum();
  }
}

template <class T>
void backward(T, const MatrixCRef<T>& Z, const MatrixCRef<T>& A, const MatrixCRef<T>& dA,
              MatrixRef<T> dZ) {
  for (Index j = 0; j < Z.cols(); ++j) {
    const T dot = A.col(j).dot(dA.col(j));
    dZ.col(j) = A.col(j).array() * (dA.col(j).array() - dot);
  }
}

}  // namespace

constinit const ActivationDef activation_softmax{
    .name = "softmax",
    .aliases = {},
    .doc = "A = exp(Z) / Σ exp(Z) per column (max-shifted); output layer only, "
           "the output of cross_entropy",
    .hidden = false,
    .output = true,
    .f32 = {forward<float>, backward<float>},
    .f64 = {forward<double>, backward<double>},
};

}  // namespace mlp::nn_detail
