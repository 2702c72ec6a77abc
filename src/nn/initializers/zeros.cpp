// zeros:  W = 0                                                   W [n_out x n_in]
// Exists to show the symmetry problem: every hidden unit of a layer stays identical.
#include "init_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void fill(double, Rng&, MatrixMap<T> W) {
  W.setZero();
}

}  // namespace

constinit const InitDef init_zeros{
    .name = "zeros",
    .aliases = {},
    .doc = "W = 0 (shows the symmetry problem: the units of a layer stay identical)",
    .f32 = {fill<float>},
    .f64 = {fill<double>},
};

}  // namespace mlp::nn_detail
