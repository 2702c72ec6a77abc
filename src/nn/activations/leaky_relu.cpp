// leaky_relu:  A = Z if Z > 0 else a·Z      dZ = dA if Z > 0 else a·dA      Z, A, dA, dZ: [n x m]
// a = model.leaky_slope (default 0.01); LeakyReLU'(0) = a.
#include "activation_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void forward(T slope, const MatrixCRef<T>& Z, MatrixRef<T> A) {
  A = (Z.array() > T(0)).select(Z.array(), slope * Z.array());
}

template <class T>
void backward(T slope, const MatrixCRef<T>& Z, const MatrixCRef<T>&, const MatrixCRef<T>& dA,
              MatrixRef<T> dZ) {
  dZ = (Z.array() > T(0)).select(dA.array(), slope * dA.array());
}

}  // namespace

constinit const ActivationDef activation_leaky_relu{
    .name = "leaky_relu",
    .aliases = {},
    .doc = "A = Z if Z > 0 else slope·Z (slope = model.leaky_slope, default 0.01); "
           "LeakyReLU'(0) = slope",
    .hidden = true,
    .output = false,
    .f32 = {forward<float>, backward<float>},
    .f64 = {forward<double>, backward<double>},
};

}  // namespace mlp::nn_detail
