// The kernels of a registered activation or loss, once per scalar type, chosen by T, and how a
// definition file gives them.
#pragma once

#include <type_traits>

namespace mlp::nn_detail {

template <template <class> class Kernels>
struct PerScalar {
  Kernels<float> f32{};
  Kernels<double> f64{};

  template <class T>
  const Kernels<T>& get() const {
    if constexpr (std::is_same_v<T, float>) {
      return f32;
    } else {
      return f64;
    }
  }
};

/// `def` with its kernels, each written once as a generic lambda and instantiated for float and
/// double (a captureless lambda converts to the function pointer of each kernel table).
template <class Def, class... Kernel>
consteval Def with_kernels(Def def, Kernel... kernel) {
  def.kernels = {{kernel...}, {kernel...}};
  return def;
}

}  // namespace mlp::nn_detail
