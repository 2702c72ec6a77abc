// zeros:  W = 0                                                   W [n_out x n_in]
// Exists to show the symmetry problem: every hidden unit of a layer stays identical.
#include "init_def.hpp"

namespace mlp::nn_detail {

constinit const InitDef init_zeros{
    .name = "zeros",
    .doc = "W = 0 (shows the symmetry problem: the units of a layer stay identical)",
};

}  // namespace mlp::nn_detail
