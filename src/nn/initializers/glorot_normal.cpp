// glorot_normal (aliases xavier, xavier_normal):  W ~ N(0, 2/(n_in + n_out))   W [n_out x n_in]
#include <cmath>

#include "init_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void fill(double, Rng& rng, MatrixMap<T> W) {
  fill_normal<T>(std::sqrt(2.0 / (fan_in(W) + fan_out(W))), rng, W);
}

constexpr std::string_view kAliases[] = {"xavier", "xavier_normal"};

}  // namespace

constinit const InitDef init_glorot_normal{
    .name = "glorot_normal",
    .aliases = kAliases,
    .doc = "W ~ N(0, 2/(n_in + n_out)) (aliases xavier, xavier_normal)",
    .f32 = {fill<float>},
    .f64 = {fill<double>},
};

}  // namespace mlp::nn_detail
