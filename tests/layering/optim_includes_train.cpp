// Must NOT compile: optim sits below train (core <- autograd <- nn <- optim <- train).
#include "mlp/optim/optimizer.hpp"
#include "mlp/train/trainer.hpp"

int layering_probe() { return 0; }
