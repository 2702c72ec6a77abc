// identity:  W = I on the leading diagonal, W[i][i] = 1 for i < min(n_out, n_in), 0 elsewhere
//                                                                  W [n_out x n_in]
// With model.init_gain c, W = c·I: the deep linear network a_L = c^L·a_0 whose backpropagated
// gradient ∂J/∂z_l scales like c^(L−l) — the vanishing (c < 1) and exploding (c > 1) gradient
// demonstration (docs/math.md). A non-square W keeps the leading min(n_out, n_in) coordinates:
// a wider layer pads them with zeros, a narrower one drops the trailing inputs. Draws no sample.
#include "init_def.hpp"

namespace mlp::nn_detail {

constinit const InitDef init_identity{
    .name = "identity",
    .doc = "W = I on the leading min(n_in, n_out) diagonal, 0 elsewhere; with init_gain c, W = c·I",
    .draw = Draw::identity,
};

}  // namespace mlp::nn_detail
