// activation_forward / activation_backward: a call through the registry (src/nn/names.cpp) to
// the kernels of the activation's own file, src/nn/activations/<name>.cpp.
#include "mlp/nn/activation.hpp"

#include "activations/activation_def.hpp"

namespace mlp {

template <class T>
void activation_forward(Activation psi, T slope, const MatrixCRef<T>& Z, MatrixRef<T> A) {
  nn_detail::activation_def(psi).kernels.get<T>().forward(slope, Z, A);
}

template <class T>
void activation_backward(Activation psi, T slope, const MatrixCRef<T>& Z, const MatrixCRef<T>& A,
                         const MatrixCRef<T>& dA, MatrixRef<T> dZ) {
  nn_detail::activation_def(psi).kernels.get<T>().backward(slope, Z, A, dA, dZ);
}

template void activation_forward<float>(Activation, float, const MatrixCRef<float>&,
                                        MatrixRef<float>);
template void activation_forward<double>(Activation, double, const MatrixCRef<double>&,
                                         MatrixRef<double>);
template void activation_backward<float>(Activation, float, const MatrixCRef<float>&,
                                         const MatrixCRef<float>&, const MatrixCRef<float>&,
                                         MatrixRef<float>);
template void activation_backward<double>(Activation, double, const MatrixCRef<double>&,
                                          const MatrixCRef<double>&, const MatrixCRef<double>&,
                                          MatrixRef<double>);

}  // namespace mlp
