// Builds against an installed mlp and trains XOR: prints "ok" on success.
#include <cstdio>

#include "mlp/autograd/graph.hpp"
#include "mlp/train/trainer.hpp"

int main() {
  using namespace mlp;
  Graph<double> g;
  const Var x = g.scalar(-2), y = g.scalar(5), z = g.scalar(-4);
  const Var f = g.mul(g.add(x, y), z);
  g.backward(f);
  data::Dataset d;
  d.task = data::Task::classification;
  d.X.resize(2, 4);
  d.X << 0, 0, 1, 1, 0, 1, 0, 1;
  d.labels = {0, 1, 1, 0};
  d.class_names = {"0", "1"};
  Network<float> net(ModelBuilder(2).hidden(2, Activation::tanh).output(1, Activation::sigmoid)
                         .loss(Loss::binary_cross_entropy).init(Init::glorot_normal).seed(3).build());
  TrainOptions o;
  o.epochs = 2000;
  o.batch_size = 4;
  o.learning_rate = 0.05;
  Trainer(net, o).fit(d, nullptr);
  const bool ok = g.value(f)(0, 0) == -12 && g.grad(z)(0, 0) == 3 && *evaluate(net, d).accuracy == 1.0;
  std::puts(ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
