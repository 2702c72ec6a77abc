// glorot_uniform (alias xavier_uniform):                             W [n_out x n_in]
//   W ~ U(−√(6/(n_in + n_out)), +√(6/(n_in + n_out)))    (variance 2/(n_in + n_out))
#include <cmath>

#include "init_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void fill(double, Rng& rng, MatrixMap<T> W) {
  fill_uniform<T>(std::sqrt(6.0 / (fan_in(W) + fan_out(W))), rng, W);
}

constexpr std::string_view kAliases[] = {"xavier_uniform"};

}  // namespace

constinit const InitDef init_glorot_uniform{
    .name = "glorot_uniform",
    .aliases = kAliases,
    .doc = "W ~ U(−√(6/(n_in + n_out)), √(6/(n_in + n_out))) (alias xavier_uniform)",
    .f32 = {fill<float>},
    .f64 = {fill<double>},
};

}  // namespace mlp::nn_detail
