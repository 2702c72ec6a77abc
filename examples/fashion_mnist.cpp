// Fashion-MNIST with a 784-256-128-10 ReLU network and Adam: loads the IDX files installed by
// Debian's dataset-fashion-mnist, holds out a dev set, standardizes, trains, prints test metrics.
//   build/examples/example_fashion_mnist [DATA_DIR] [EPOCHS]
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "mlp/data/idx.hpp"
#include "mlp/data/split.hpp"
#include "mlp/data/standardizer.hpp"
#include "mlp/core/error.hpp"
#include "mlp/train/trainer.hpp"

namespace {
struct Progress : mlp::Callback {
  bool on_epoch_end(const mlp::EpochMetrics& e) override {
    fmt::print("epoch {:>2}  lr {:.2e}  train cost {:.4f} acc {:.4f}  dev cost {:.4f} acc {:.4f}  "
               "{:.0f} samples/s\n", e.epoch, e.learning_rate, e.train.loss, *e.train.accuracy,
               e.dev->loss, *e.dev->accuracy, e.samples_per_second);
    std::fflush(stdout);
    return true;
  }
};
}  // namespace

int main(int argc, char** argv) try {
  using namespace mlp;
  const std::filesystem::path dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  const std::uint64_t epochs = argc > 2 ? std::stoull(argv[2]) : 12;
  const auto t0 = std::chrono::steady_clock::now();
  data::IdxOptions names{data::fashion_mnist_class_names()};
  const auto full = data::load_idx(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz", names);
  auto test = data::load_idx(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz", names);
  // Dev set from the training file by the default size rule; the test file is the test set.
  auto f = data::default_split(full.size());
  f = {f.train + f.test, f.dev, 0.0};
  auto parts = data::split(full, f, 42);
  const auto norm = data::Normalization::fit(parts.train, false);
  norm.apply(parts.train);
  norm.apply(parts.dev);
  norm.apply(test);
  fmt::print("Fashion-MNIST: {} train, {} dev, {} test examples, {} features ({:.2f} s to load)\n",
             parts.train.size(), parts.dev.size(), test.size(), full.n_features(),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  Network<float> net(ModelBuilder(784)
                         .hidden(256, Activation::relu)
                         .hidden(128, Activation::relu)
                         .output(10, Activation::softmax)
                         .loss(Loss::cross_entropy)
                         .init(Init::he_normal)
                         .seed(42)
                         .build());
  TrainOptions o;
  o.epochs = epochs;
  o.batch_size = 128;
  o.learning_rate = 1e-3;
  o.optimizer.name = "adam";
  o.schedule.kind = optim::ScheduleKind::exponential;
  o.schedule.gamma = 0.85;
  o.l2 = 2.0;
  Progress progress;
  const auto r = Trainer(net, o).fit(parts.train, &parts.dev, {&progress});
  const auto m = evaluate(net, test);
  fmt::print("test: cost {:.4f}, accuracy {:.4f}  ({} epochs, {:.1f} s training, {:.0f} samples/s)\n",
             m.loss, *m.accuracy, r.epochs_run, r.train_seconds, r.samples_per_second);
  return 0;
} catch (const mlp::Error& e) {
  fmt::print(stderr, "error: {}\n", e.what());
  return static_cast<int>(e.code());
}
