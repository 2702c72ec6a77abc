#include "mlp/nn/activation.hpp"

#include <cmath>

namespace mlp {

template <class T>
void activation_forward(Activation psi, T slope, const MatrixCRef<T>& Z, MatrixRef<T> A) {
  switch (psi) {
    case Activation::identity:
      A = Z;
      return;
    case Activation::relu:
      A = Z.array().max(T(0));
      return;
    case Activation::leaky_relu:
      A = (Z.array() > T(0)).select(Z.array(), slope * Z.array());
      return;
    case Activation::sigmoid:
      // 1/(1+e^-z), written with tanh so that it neither overflows nor loses precision.
      A = T(0.5) * ((T(0.5) * Z.array()).tanh() + T(1));
      return;
    case Activation::tanh:
      A = Z.array().tanh();
      return;
    case Activation::softmax:
      // Column-wise, shifted by the column max: A[:,j] = exp(Z[:,j] − max) / Σ exp(...).
      for (Index j = 0; j < Z.cols(); ++j) {
        const T mx = Z.col(j).maxCoeff();
        A.col(j) = (Z.col(j).array() - mx).exp();
        A.col(j) /= A.col(j).sum();
      }
      return;
  }
}

template <class T>
void activation_backward(Activation psi, T slope, const MatrixCRef<T>& Z, const MatrixCRef<T>& A,
                         const MatrixCRef<T>& dA, MatrixRef<T> dZ) {
  switch (psi) {
    case Activation::identity:
      dZ = dA;
      return;
    case Activation::relu:
      dZ = (Z.array() > T(0)).select(dA.array(), T(0));
      return;
    case Activation::leaky_relu:
      dZ = (Z.array() > T(0)).select(dA.array(), slope * dA.array());
      return;
    case Activation::sigmoid:
      dZ = dA.array() * A.array() * (T(1) - A.array());
      return;
    case Activation::tanh:
      dZ = dA.array() * (T(1) - A.array().square());
      return;
    case Activation::softmax:
      for (Index j = 0; j < Z.cols(); ++j) {
        const T dot = A.col(j).dot(dA.col(j));
        dZ.col(j) = A.col(j).array() * (dA.col(j).array() - dot);
      }
      return;
  }
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
