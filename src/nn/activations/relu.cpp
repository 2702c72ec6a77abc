// relu:  A = max(Z, 0)             dZ = dA ⊙ 1{Z > 0}                      Z, A, dA, dZ: [n x m]
// ReLU'(0) = 0, since ReLU(z) = z·1{z>0} and 1{0>0} = 0 (SPEC §1's z·1{z>=0} has the same values).
#include "activation_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void forward(T, const MatrixCRef<T>& Z, MatrixRef<T> A) {
  A = Z.array().max(T(0));
}

template <class T>
void backward(T, const MatrixCRef<T>& Z, const MatrixCRef<T>&, const MatrixCRef<T>& dA,
              MatrixRef<T> dZ) {
  dZ = (Z.array() > T(0)).select(dA.array(), T(0));
}

}  // namespace

constinit const ActivationDef activation_relu{
    .name = "relu",
    .aliases = {},
    .doc = "A = max(Z, 0); ReLU'(0) = 0",
    .hidden = true,
    .output = false,
    .f32 = {forward<float>, backward<float>},
    .f64 = {forward<double>, backward<double>},
};

}  // namespace mlp::nn_detail
