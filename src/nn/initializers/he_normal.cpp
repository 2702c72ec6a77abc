// he_normal:  W ~ N(0, 2/n_in)                                     W [n_out x n_in]
// (the seed text calls this formula "Xavier")
#include <cmath>

#include "init_def.hpp"

namespace mlp::nn_detail {

constinit const InitDef init_he_normal{
    .name = "he_normal",
    .doc = "W ~ N(0, 2/n_in) (the formula the seed text calls \"Xavier\")",
    .draw = Draw::normal,
    .spread = [](double n_in, double, double) { return std::sqrt(2.0 / n_in); },
};

}  // namespace mlp::nn_detail
