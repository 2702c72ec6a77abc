// identity (alias linear):  A = Z                  dZ = dA                 Z, A, dA, dZ: [n x m]
#include "activation_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void forward(T, const MatrixCRef<T>& Z, MatrixRef<T> A) {
  A = Z;
}

template <class T>
void backward(T, const MatrixCRef<T>&, const MatrixCRef<T>&, const MatrixCRef<T>& dA,
              MatrixRef<T> dZ) {
  dZ = dA;
}

constexpr std::string_view kAliases[] = {"linear"};

}  // namespace

constinit const ActivationDef activation_identity{
    .name = "identity",
    .aliases = kAliases,
    .doc = "A = Z (alias linear): an unbounded output, e.g. regression",
    .hidden = true,
    .output = true,
    .f32 = {forward<float>, backward<float>},
    .f64 = {forward<double>, backward<double>},
};

}  // namespace mlp::nn_detail
