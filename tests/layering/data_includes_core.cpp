// Must compile: the control of data_includes_nn.cpp — the same build of a data-area file, with
// headers of the areas data depends on (core).
#include "mlp/core/tensor.hpp"
#include "mlp/data/dataset.hpp"

int layering_probe() { return 0; }
