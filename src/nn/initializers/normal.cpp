// normal:  W ~ N(0, scale²),  scale = model.init_scale (default 0.01)     W [n_out x n_in]
#include "init_def.hpp"

namespace mlp::nn_detail {

constinit const InitDef init_normal{
    .name = "normal",
    .doc = "W ~ N(0, scale²), scale = model.init_scale (default 0.01)",
    .draw = Draw::normal,
    .spread = [](double, double, double scale) { return scale; },
};

}  // namespace mlp::nn_detail
