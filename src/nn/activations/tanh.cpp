// tanh:  A = tanh(Z)                  dZ = dA ⊙ (1 − A²)                    Z, A, dA, dZ: [n x m]
#include "activation_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void forward(T, const MatrixCRef<T>& Z, MatrixRef<T> A) {
  A = Z.array().tanh();
}

template <class T>
void backward(T, const MatrixCRef<T>&, const MatrixCRef<T>& A, const MatrixCRef<T>& dA,
              MatrixRef<T> dZ) {
  dZ = dA.array() * (T(1) - A.array().square());
}

}  // namespace

constinit const ActivationDef activation_tanh{
    .name = "tanh",
    .aliases = {},
    .doc = "A = tanh(Z)",
    .hidden = true,
    .output = false,
    .f32 = {forward<float>, backward<float>},
    .f64 = {forward<double>, backward<double>},
};

}  // namespace mlp::nn_detail
