// he_uniform:  W ~ U(−√(6/n_in), √(6/n_in))    (variance 2/n_in)   W [n_out x n_in]
#include <cmath>

#include "init_def.hpp"

namespace mlp::nn_detail {

constinit const InitDef init_he_uniform{
    .name = "he_uniform",
    .doc = "W ~ U(−√(6/n_in), √(6/n_in)), variance 2/n_in",
    .draw = Draw::uniform,
    .spread = [](double n_in, double, double) { return std::sqrt(6.0 / n_in); },
};

}  // namespace mlp::nn_detail
