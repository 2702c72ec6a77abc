// sigmoid:  A = σ(Z) = 1/(1 + e^−Z)       dZ = dA ⊙ A ⊙ (1 − A)           Z, A, dA, dZ: [n x m]
#include "activation_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void forward(T, const MatrixCRef<T>& Z, MatrixRef<T> A) {
  // σ(z) = ½·(tanh(z/2) + 1): neither overflows nor loses precision.
  A = T(0.5) * ((T(0.5) * Z.array()).tanh() + T(1));
}

template <class T>
void backward(T, const MatrixCRef<T>&, const MatrixCRef<T>& A, const MatrixCRef<T>& dA,
              MatrixRef<T> dZ) {
  dZ = dA.array() * A.array() * (T(1) - A.array());
}

}  // namespace

constinit const ActivationDef activation_sigmoid{
    .name = "sigmoid",
    .aliases = {},
    .doc = "A = 1/(1 + e^-Z); the output of binary_cross_entropy",
    .hidden = true,
    .output = true,
    .f32 = {forward<float>, backward<float>},
    .f64 = {forward<double>, backward<double>},
};

}  // namespace mlp::nn_detail
