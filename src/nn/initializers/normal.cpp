// normal:  W ~ N(0, scale²),  scale = model.init_scale (default 0.01)     W [n_out x n_in]
#include "init_def.hpp"

namespace mlp::nn_detail {
namespace {

template <class T>
void fill(double scale, Rng& rng, MatrixMap<T> W) {
  fill_normal<T>(scale, rng, W);
}

}  // namespace

constinit const InitDef init_normal{
    .name = "normal",
    .aliases = {},
    .doc = "W ~ N(0, scale²), scale = model.init_scale (default 0.01)",
    .f32 = {fill<float>},
    .f64 = {fill<double>},
};

}  // namespace mlp::nn_detail
