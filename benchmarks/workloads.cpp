// The workloads of the PyTorch comparison (benchmarks/compare_pytorch.py runs this and
// benchmarks/torch_workloads.py, which implements the same loops in PyTorch). Prints one JSON
// object on stdout.
//
//   bench_workloads --mode train  --threads T [--batches 1,32,64,256,1024]
//   bench_workloads --mode infer  --threads T
//   bench_workloads --mode memory --threads T        (a full run: load, 1 epoch, evaluate)
//   bench_workloads --mode tta    --threads T [--epochs 12] [--target 0.88]
//   common: --data DIR (Fashion-MNIST IDX files) or --synthetic M (random data, M examples)
//
// train: 784-256-128-10 ReLU, softmax cross-entropy, Adam lr 1e-3, one epoch per batch size
//   (batch 1 on the first 10,000 images), samples/s of the training steps (Trainer::fit's own
//   step timer: the batch gather, forward, loss, backward, update; data loading excluded).
// infer: single-example latency (median of per-call times) and batched throughput over the
//   test images in one call.
// tta: the configuration of examples/fashion_mnist.cpp; wall time of training (data loading
//   and the per-epoch train/dev metrics excluded) until the test accuracy first reaches target.
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "mlp/data/idx.hpp"
#include "mlp/data/split.hpp"
#include "mlp/data/standardizer.hpp"
#include "mlp/core/error.hpp"
#include "mlp/train/trainer.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Args {
  std::string mode = "train";
  std::string data = "/usr/share/datasets/fashion-mnist";
  mlp::Index synthetic = 0;
  int threads = 1;
  std::vector<mlp::Index> batches{1, 32, 64, 256, 1024};
  std::uint64_t epochs = 12;
  double target = 0.88;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) throw mlp::ConfigError(fmt::format("{} needs a value", k));
    const std::string v = argv[++i];
    if (k == "--mode") {
      a.mode = v;
    } else if (k == "--data") {
      a.data = v;
    } else if (k == "--synthetic") {
      a.synthetic = std::stol(v);
    } else if (k == "--threads") {
      a.threads = std::stoi(v);
    } else if (k == "--epochs") {
      a.epochs = std::stoull(v);
    } else if (k == "--target") {
      a.target = std::stod(v);
    } else if (k == "--batches") {
      a.batches.clear();
      std::size_t pos = 0;
      while (pos <= v.size()) {
        const auto comma = std::min(v.find(',', pos), v.size());
        a.batches.push_back(std::stol(v.substr(pos, comma - pos)));
        pos = comma + 1;
      }
    } else {
      throw mlp::ConfigError(fmt::format("unknown option {} (see the comment at the top of "
                                         "benchmarks/workloads.cpp)", k));
    }
  }
  return a;
}

mlp::data::Dataset random_data(mlp::Index m, std::uint64_t seed) {
  mlp::data::Dataset d;
  d.task = mlp::data::Task::classification;
  mlp::Rng rng(seed);
  d.X.resize(784, m);
  for (mlp::Index i = 0; i < d.X.size(); ++i) d.X.data()[i] = static_cast<float>(rng.uniform());
  for (mlp::Index j = 0; j < m; ++j) d.labels.push_back(static_cast<std::int32_t>(rng.below(10)));
  d.class_names = mlp::data::fashion_mnist_class_names();
  d.source = "synthetic";
  return d;
}

struct Data {
  mlp::data::Dataset train, test;
  double load_seconds = 0;
};

Data load(const Args& a) {
  const auto t0 = Clock::now();
  Data d;
  if (a.synthetic > 0) {
    d.train = random_data(a.synthetic, 1);
    d.test = random_data(std::max<mlp::Index>(a.synthetic / 6, 1), 2);
  } else {
    const std::filesystem::path dir = a.data;
    mlp::data::IdxOptions names{mlp::data::fashion_mnist_class_names()};
    d.train = mlp::data::load_idx(dir / "train-images-idx3-ubyte.gz",
                                  dir / "train-labels-idx1-ubyte.gz", names);
    d.test = mlp::data::load_idx(dir / "t10k-images-idx3-ubyte.gz",
                                 dir / "t10k-labels-idx1-ubyte.gz", names);
  }
  const auto norm = mlp::data::Normalization::fit(d.train, false);
  norm.apply(d.train);
  norm.apply(d.test);
  d.load_seconds = seconds(t0, Clock::now());
  return d;
}

mlp::ModelSpec fashion_spec() {
  using mlp::Activation;
  return mlp::ModelBuilder(784)
      .hidden(256, Activation::relu)
      .hidden(128, Activation::relu)
      .output(10, Activation::softmax)
      .loss(mlp::Loss::cross_entropy)
      .init(mlp::Init::he_normal)
      .seed(42)
      .build();
}

mlp::data::Dataset first(const mlp::data::Dataset& d, mlp::Index n) {
  std::vector<mlp::Index> idx(static_cast<std::size_t>(std::min(n, d.size())));
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<mlp::Index>(i);
  return d.select(idx);
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

std::string train(const Args& a, const Data& d) {
  std::string rows;
  const auto small = first(d.train, 10000);
  for (const mlp::Index b : a.batches) {
    const mlp::data::Dataset& set = b == 1 ? small : d.train;
    mlp::Network<float> net(fashion_spec());
    mlp::TrainOptions o;
    o.epochs = 1;
    o.batch_size = b;
    o.learning_rate = 1e-3;
    o.optimizer.name = "adam";
    o.monitor_gradients = false;  // the PyTorch loop computes no gradient norms either
    const auto r = mlp::Trainer(net, o).fit(set, nullptr);
    rows += fmt::format("{}{{\"batch\": {}, \"samples\": {}, \"seconds\": {:.6f}, "
                        "\"samples_per_second\": {:.1f}, \"train_loss\": {:.5f}}}",
                        rows.empty() ? "" : ", ", b, set.size(), r.train_seconds,
                        r.samples_per_second, r.history.back().train.loss);
  }
  return fmt::format("\"train\": [{}]", rows);
}

std::string infer(const Data& d) {
  mlp::Network<float> net(fashion_spec());
  const mlp::Index n = d.test.size();
  // Single example: median over calls, each call timed on its own.
  std::vector<double> t;
  const mlp::Index calls = std::max<mlp::Index>(2000, n);
  for (mlp::Index i = 0; i < 200; ++i) net.predict(d.test.X.col(i % n));  // warm-up
  t.reserve(static_cast<std::size_t>(calls));
  float sink = 0;
  for (mlp::Index i = 0; i < calls; ++i) {
    const auto t0 = Clock::now();
    sink += net.predict(d.test.X.col(i % n))(0, 0);
    t.push_back(seconds(t0, Clock::now()));
  }
  std::nth_element(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(t.size() / 2), t.end());
  const double median = t[t.size() / 2];
  // Batched: all test images in one forward pass, best of several.
  double best = 1e30;
  for (int rep = 0; rep < 20; ++rep) {
    const auto t0 = Clock::now();
    sink += net.predict(d.test.X)(0, 0);
    best = std::min(best, seconds(t0, Clock::now()));
  }
  return fmt::format("\"infer\": {{\"single_latency_us\": {:.3f}, \"batched_samples\": {}, "
                     "\"batched_seconds\": {:.6f}, \"batched_samples_per_second\": {:.1f}, "
                     "\"finite\": {}}}",
                     median * 1e6, n, best, static_cast<double>(n) / best, std::isfinite(sink));
}

std::string memory(const Data& d) {
  // A full run as the example does it: one epoch at batch 128, then the test metrics.
  mlp::Network<float> net(fashion_spec());
  mlp::TrainOptions o;
  o.epochs = 1;
  o.batch_size = 128;
  o.optimizer.name = "adam";
  mlp::Trainer(net, o).fit(d.train, nullptr);
  const auto m = mlp::evaluate(net, d.test);
  return fmt::format("\"memory\": {{\"peak_rss_mib\": {:.1f}, \"test_accuracy\": {:.4f}}}",
                     static_cast<double>(peak_rss_kib()) / 1024.0, *m.accuracy);
}

struct Watch : mlp::Callback {
  const mlp::data::Dataset* test = nullptr;
  mlp::Network<float>* net = nullptr;
  double target = 0.88;
  double train_seconds = 0;
  std::uint64_t reached_epoch = 0;
  double reached_seconds = 0, last_accuracy = 0;
  bool on_epoch_end(const mlp::EpochMetrics& e) override {
    train_seconds += e.seconds;
    last_accuracy = *mlp::evaluate(*net, *test).accuracy;
    if (reached_epoch == 0 && last_accuracy >= target) {
      reached_epoch = e.epoch;
      reached_seconds = train_seconds;
      return false;
    }
    return true;
  }
};

std::string time_to_accuracy(const Args& a, Data& d) {
  // examples/fashion_mnist.cpp: dev split, Adam 1e-3, batch 128, exponential decay 0.85, l2 2.
  auto f = mlp::data::default_split(d.train.size());
  f = {f.train + f.test, f.dev, 0.0};
  const auto parts = mlp::data::split(d.train, f, 42);
  mlp::Network<float> net(fashion_spec());
  mlp::TrainOptions o;
  o.epochs = a.epochs;
  o.batch_size = 128;
  o.learning_rate = 1e-3;
  o.optimizer.name = "adam";
  o.schedule.kind = mlp::optim::ScheduleKind::exponential;
  o.schedule.gamma = 0.85;
  o.l2 = 2.0;
  Watch w;
  w.test = &d.test;
  w.net = &net;
  w.target = a.target;
  mlp::Trainer(net, o).fit(parts.train, &parts.dev, {&w});
  return fmt::format("\"tta\": {{\"target\": {}, \"reached\": {}, \"epoch\": {}, "
                     "\"train_seconds\": {:.3f}, \"last_accuracy\": {:.4f}}}",
                     a.target, w.reached_epoch > 0, w.reached_epoch, w.reached_seconds,
                     w.last_accuracy);
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse(argc, argv);
  mlp::set_threads(a.threads);
  Data d = load(a);
  std::string body;
  if (a.mode == "train") {
    body = train(a, d);
  } else if (a.mode == "infer") {
    body = infer(d);
  } else if (a.mode == "memory") {
    body = memory(d);
  } else if (a.mode == "tta") {
    body = time_to_accuracy(a, d);
  } else {
    throw mlp::ConfigError(fmt::format("--mode {}: expected train, infer, memory or tta", a.mode));
  }
  // What one fork/join of the thread pool costs here (0 on one thread): it decides whether
  // splitting the optimizer update pays (docs/performance.md).
  fmt::print("{{\"impl\": \"mlp\", \"threads\": {}, \"mode\": \"{}\", \"load_seconds\": {:.3f}, "
             "\"parallel_handoff_us\": {:.2f}, {}}}\n",
             mlp::threads(), a.mode, d.load_seconds, mlp::parallel_handoff_seconds() * 1e6, body);
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "bench_workloads: {}\n", e.what());
  return 2;
}
