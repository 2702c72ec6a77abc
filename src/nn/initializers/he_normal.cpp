// he_normal:  W ~ N(0, 2/n_in)                                     W [n_out x n_in]
// (the seed text calls this formula "Xavier")
#include <cmath>

#include "init_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void fill(double, Rng& rng, MatrixMap<T> W) {
  fill_normal<T>(std::sqrt(2.0 / fan_in(W)), rng, W);
}

}  // namespace

constinit const InitDef init_he_normal{
    .name = "he_normal",
    .aliases = {},
    .doc = "W ~ N(0, 2/n_in) (the formula the seed text calls \"Xavier\")",
    .f32 = {fill<float>},
    .f64 = {fill<double>},
};

}  // namespace mlp::nn_detail
