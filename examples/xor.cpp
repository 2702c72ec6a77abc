// XOR with a 2-2-1 network: the classic problem a single layer cannot solve.
//   build/examples/example_xor
#include <fmt/format.h>

#include "mlp/train/trainer.hpp"

int main() {
  using namespace mlp;
  data::Dataset d;
  d.task = data::Task::classification;
  d.X.resize(2, 4);
  d.X << 0, 0, 1, 1,
         0, 1, 0, 1;
  d.labels = {0, 1, 1, 0};
  d.class_names = {"0", "1"};
  d.source = "xor";

  Network<float> net(ModelBuilder(2)
                         .hidden(2, Activation::tanh)
                         .output(1, Activation::sigmoid)
                         .loss(Loss::binary_cross_entropy)
                         .init(Init::glorot_normal)
                         .seed(3)
                         .build());
  TrainOptions o;
  o.epochs = 2000;
  o.batch_size = 4;  // the whole set: batch gradient descent
  o.learning_rate = 0.05;
  o.optimizer.name = "adam";
  Trainer(net, o).fit(d, nullptr);

  const auto& A = net.predict(d.X);
  for (Index j = 0; j < 4; ++j) {
    fmt::print("xor({:.0f}, {:.0f}) = {:.4f}  (target {})\n", d.X(0, j), d.X(1, j), A(0, j), d.labels[static_cast<std::size_t>(j)]);
  }
  const auto m = evaluate(net, d);
  fmt::print("cost {:.5f}, accuracy {:.2f}\n", m.loss, *m.accuracy);
  return *m.accuracy == 1.0 ? 0 : 1;
}
