// he_uniform:  W ~ U(−√(6/n_in), √(6/n_in))    (variance 2/n_in)   W [n_out x n_in]
#include <cmath>

#include "init_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void fill(double, Rng& rng, MatrixMap<T> W) {
  fill_uniform<T>(std::sqrt(6.0 / fan_in(W)), rng, W);
}

}  // namespace

constinit const InitDef init_he_uniform{
    .name = "he_uniform",
    .aliases = {},
    .doc = "W ~ U(−√(6/n_in), √(6/n_in)), variance 2/n_in",
    .f32 = {fill<float>},
    .f64 = {fill<double>},
};

}  // namespace mlp::nn_detail
