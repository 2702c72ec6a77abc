// Must NOT compile: the data area does not depend on nn, so a file built with the data area's
// headers cannot include an nn header (CMakeLists.txt: mlp_area(data DEPS core)).
#include "mlp/data/dataset.hpp"
#include "mlp/nn/network.hpp"

int layering_probe() { return 0; }
