// The library's whole path: load a CSV file, split, standardize, train, evaluate, save the
// model, load it again and predict. README.md shows this file; the install test builds it.
//   example_library [examples/data/iris.csv]       (writes iris.mlp in the working directory)
#include <cstdio>

#include "mlp/core/error.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/data/split.hpp"
#include "mlp/data/standardizer.hpp"
#include "mlp/io/model.hpp"
#include "mlp/train/trainer.hpp"

int main(int argc, char** argv) try {
  using namespace mlp;
  data::CsvOptions csv;
  csv.targets = {"species"};                                // the other columns are features
  const data::Dataset iris = data::load_csv(argc > 1 ? argv[1] : "examples/data/iris.csv", csv);
  data::Split s = data::split(iris, {0.6, 0.2, 0.2}, /*seed=*/1);  // stratified by class
  const auto norm = data::Normalization::fit(s.train);      // mean and std of the training set
  norm.apply(s.train);
  norm.apply(s.dev);
  norm.apply(s.test);

  Network<float> net(ModelBuilder(4)                        // 4 inputs
                         .hidden(16, Activation::relu)
                         .hidden(8, Activation::tanh, /*keep_prob=*/0.9)
                         .output(3, Activation::softmax)
                         .loss(Loss::cross_entropy)
                         .init(Init::he_normal)
                         .seed(1)
                         .build());
  TrainOptions o;
  o.optimizer.name = "adam";
  o.learning_rate = 0.01;
  o.batch_size = 16;
  o.epochs = 100;
  Trainer(net, o).fit(s.train, &s.dev);
  const Metrics m = evaluate(net, s.test);
  std::printf("test: cost %.4f, accuracy %.4f\n", m.loss, *m.accuracy);

  // A model file holds the network and what prediction needs: names, classes, statistics.
  Preprocessing pre;
  pre.task = iris.task;
  pre.feature_names = iris.feature_names;
  pre.target_names = iris.target_names;
  pre.class_names = iris.class_names;
  pre.features = norm.features;
  Model(std::move(net), pre).save("iris.mlp");

  Model model = Model::load("iris.mlp");
  const MatrixF X = iris.X.leftCols(3);                     // raw inputs: the model standardizes
  const std::vector<std::int32_t> labels = model.predict_labels(X);
  for (std::size_t i = 0; i < labels.size(); ++i)
    std::printf("example %zu: %s\n", i + 1, pre.class_names[labels[i]].c_str());
  return *m.accuracy > 0.8 ? 0 : 1;
} catch (const mlp::Error& e) {                             // every error says what and where
  std::fprintf(stderr, "error: %s\n", e.what());
  return static_cast<int>(e.code());
}
