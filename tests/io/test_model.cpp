// The model file: save -> load round trips (bit-identical parameters, identical predictions),
// architecture/tensor mismatches (M5), wrong file types (M7), every truncation (M1) and every
// bit flip (M2) of a real model file, and an independent numpy forward pass (M9).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mlp/core/error.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/io/model.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("mlp-model-" + std::to_string(::getpid()) + "-" + name);
}

Model classifier(std::uint64_t seed = 1, Activation hidden = Activation::relu) {
  Network<float> net(ModelBuilder(3).hidden(4, hidden).hidden(3, Activation::tanh)
                         .output(3, Activation::softmax).loss(Loss::cross_entropy).seed(seed).build());
  Preprocessing pre;
  pre.task = data::Task::classification;
  pre.feature_names = {"a", "b", "c"};
  pre.class_names = {"setosa", "versicolor", "virginica"};
  pre.features = data::Standardizer({1.0f, -2.0f, 0.5f}, {2.0f, 0.5f, 1.0f});
  return Model(std::move(net), std::move(pre), {{"mlp.version", MLP_VERSION}});
}

Model regressor() {
  Network<float> net(ModelBuilder(2).hidden(5, Activation::leaky_relu).output(2, Activation::identity)
                         .loss(Loss::mse).leaky_slope(0.2).seed(3).build());
  Preprocessing pre;
  pre.task = data::Task::regression;
  pre.feature_names = {"x", "y"};
  pre.target_names = {"u", "v"};
  pre.features = data::Standardizer({0.0f, 10.0f}, {1.0f, 3.0f});
  pre.targets = data::Standardizer({100.0f, -5.0f}, {20.0f, 2.0f});
  return Model(std::move(net), std::move(pre));
}

MatrixF inputs(Index n, Index m, std::uint64_t seed) {
  Rng rng(seed);
  MatrixF X(n, m);
  for (Index i = 0; i < X.size(); ++i) X.data()[i] = static_cast<float>(rng.normal() * 3);
  return X;
}

TEST(ModelFile, RoundTripGivesIdenticalParametersAndPredictions) {
  for (Model* mp : {new Model(classifier()), new Model(regressor())}) {
    std::unique_ptr<Model> m(mp);
    const fs::path f = temp_file("rt.mlp");
    m->save(f);
    Model back = Model::load(f);
    fs::remove(f);
    EXPECT_EQ(back.network().spec(), m->network().spec());
    EXPECT_EQ(back.network().params().theta(), m->network().params().theta());
    EXPECT_EQ(back.preprocessing().class_names, m->preprocessing().class_names);
    EXPECT_EQ(back.preprocessing().feature_names, m->preprocessing().feature_names);
    const MatrixF X = inputs(m->network().inputs(), 7, 2);
    EXPECT_EQ(back.predict(X), m->predict(X));
  }
}

RC_GTEST_PROP(ModelFileProperty, AnyArchitectureRoundTripsBitIdentically, ()) {
  const auto n_in = *rc::gen::inRange<Index>(1, 6);
  const auto depth = *rc::gen::inRange(0, 4);
  const auto acts = std::vector<Activation>{Activation::identity, Activation::relu, Activation::leaky_relu,
                                            Activation::sigmoid, Activation::tanh};
  ModelBuilder b(n_in);
  for (int k = 0; k < depth; ++k) {
    b.hidden(*rc::gen::inRange<Index>(1, 6), acts[*rc::gen::inRange<std::size_t>(0, acts.size())],
             *rc::gen::element(1.0, 0.5, 0.9));
  }
  const bool classify = *rc::gen::arbitrary<bool>();
  const Index n_out = *rc::gen::inRange<Index>(2, 5);
  if (classify) {
    b.output(n_out, Activation::softmax).loss(Loss::cross_entropy);
  } else {
    b.output(n_out, Activation::identity).loss(Loss::mse);
  }
  b.seed(*rc::gen::arbitrary<std::uint32_t>()).init(*rc::gen::element(Init::he_normal, Init::glorot_uniform, Init::normal));
  Network<float> net(b.build());
  Preprocessing pre;
  pre.task = classify ? data::Task::classification : data::Task::regression;
  for (Index i = 0; i < n_out && classify; ++i) pre.class_names.push_back(fmt::format("c{}", i));
  if (*rc::gen::arbitrary<bool>()) {
    pre.features = data::Standardizer(std::vector<float>(static_cast<std::size_t>(n_in), 0.5f),
                                      std::vector<float>(static_cast<std::size_t>(n_in), 2.0f));
  }
  Model m(std::move(net), std::move(pre));
  const auto bytes = io::serialize(m.to_container());
  Model back = Model::from_container(io::parse(bytes, "mem"), "mem");
  RC_ASSERT(back.network().params().theta() == m.network().params().theta());
  RC_ASSERT(back.network().spec() == m.network().spec());
  const MatrixF X = inputs(n_in, 3, 5);
  RC_ASSERT(back.predict(X) == m.predict(X));
}

void expect_load_error(const io::Container& c, const std::string& needle);

TEST(ModelFile, MissingValueMeansTravelWithTheModel) {
  Model m = classifier();
  Preprocessing pre = m.preprocessing();
  pre.imputer = data::Imputer({4.0f, -1.0f, 0.25f});
  Model with(m.network(), pre);
  const auto c = with.to_container();
  Model back = Model::from_container(io::parse(io::serialize(c), "mem"), "mem");
  ASSERT_TRUE(back.preprocessing().imputer.has_value());
  EXPECT_EQ(back.preprocessing().imputer->means(), with.preprocessing().imputer->means());
  // A missing input (NaN) is predicted as if it were the training mean.
  MatrixF X = inputs(3, 4, 8);
  MatrixF filled = X;
  X(0, 1) = NAN;
  X(2, 3) = NAN;
  filled(0, 1) = 4.0f;
  filled(2, 3) = 0.25f;
  EXPECT_EQ(back.predict(X), back.predict(filled));
  EXPECT_TRUE(back.predict(X).allFinite());
  // Without an imputer the file says nothing about it (older readers read it unchanged).
  EXPECT_FALSE(m.to_container().metadata.at("mlp.preprocessing").find("impute") != std::string::npos);
  EXPECT_FALSE(Model::from_container(m.to_container(), "mem").preprocessing().imputer.has_value());
  // Damaged: a non-finite mean, a missing tensor.
  io::Container bad = c;
  for (auto& t : bad.tensors) {
    if (t.name == "imputation.mean") {
      const float nan = NAN;
      std::memcpy(t.bytes.data(), &nan, sizeof nan);
    }
  }
  expect_load_error(bad, "imputation entry 0");
  io::Container gone = c;
  std::erase_if(gone.tensors, [](const io::TensorData& t) { return t.name == "imputation.mean"; });
  expect_load_error(gone, "tensor imputation.mean is missing");
  EXPECT_THROW(Model(m.network(), [&] { Preprocessing p = pre; p.imputer = data::Imputer({1.0f}); return p; }()),
               ShapeError);
}

void expect_load_error(const io::Container& c, const std::string& needle) {
  try {
    (void)Model::from_container(io::parse(io::serialize(c), "model.mlp"), "model.mlp");
    ADD_FAILURE() << "no error, expected: " << needle;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ModelFile, ArchitectureInconsistentWithTensorsIsNamed) {
  const io::Container good = classifier().to_container();
  {  // W of layer 1 with the wrong shape
    io::Container c = good;
    for (auto& t : c.tensors) {
      if (t.name == "layers.1.W") {
        t = io::tensor_from_matrix<float>("layers.1.W", MatrixF::Zero(4, 3));
      }
    }
    expect_load_error(c, "tensor layers.1.W has shape [4, 3], but the architecture needs [3, 4]");
  }
  {  // missing bias
    io::Container c = good;
    std::erase_if(c.tensors, [](const io::TensorData& t) { return t.name == "layers.2.b"; });
    expect_load_error(c, "tensor layers.2.b is missing");
  }
  {  // an extra tensor
    io::Container c = good;
    c.tensors.push_back(io::tensor_from_matrix<float>("layers.3.W", MatrixF::Zero(1, 1)));
    expect_load_error(c, "unexpected tensor layers.3.W");
  }
  {  // layer description says 5 units
    io::Container c = good;
    auto spec = ModelSpec::from_json(c.metadata["mlp.model"]);
    spec.layers[0].units = 5;
    c.metadata["mlp.model"] = spec.to_json();
    expect_load_error(c, "layers.0.W has shape [4, 3], but the architecture needs [5, 3]");
  }
  {  // float64 where float32 is expected: the message names the file, the tensor, both dtypes
    io::Container c = good;
    c.tensors[0] = io::tensor_from_matrix<double>("layers.0.W", MatrixD::Zero(4, 3));
    expect_load_error(c, "model.mlp: tensor 'layers.0.W': dtype F64, expected F32");
    io::Container stats = good;
    for (auto& t : stats.tensors) {
      if (t.name == "normalization.mean") {
        t = io::tensor_from_matrix<double>("normalization.mean", MatrixD::Zero(3, 1));
        t.shape = {3};
      }
    }
    expect_load_error(stats, "model.mlp: tensor 'normalization.mean': dtype F64, expected F32");
  }
  {  // NaN weights
    io::Container c = good;
    MatrixF w = MatrixF::Zero(4, 3);
    w(1, 1) = std::numeric_limits<float>::quiet_NaN();
    c.tensors[0] = io::tensor_from_matrix<float>("layers.0.W", w);
    expect_load_error(c, "non-finite");
  }
  {  // labels do not fit the output
    io::Container c = good;
    c.metadata["mlp.preprocessing"] = R"({"task":"classification","feature_names":["a","b","c"],"target_names":[],"class_names":["x","y"],"standardize_features":true,"standardize_targets":false})";
    expect_load_error(c, "2 class labels for an output layer of 3 units");
  }
  {  // a plain safetensors file without our metadata
    io::Container c;
    c.tensors.push_back(io::tensor_from_matrix<float>("w", MatrixF::Zero(1, 1)));
    expect_load_error(c, "not an mlp model file");
  }
}

TEST(ModelFile, WrongFileTypesSayWhatTheyAre) {
  const fs::path csv = temp_file("iris.csv");
  io::write_file_atomic(csv, std::string_view("a,b,c\n1,2,3\n"));
  const fs::path json = temp_file("empty.json");
  io::write_file_atomic(json, std::string_view("{}"));
  const fs::path empty = temp_file("empty.mlp");
  io::write_file_atomic(empty, std::string_view(""));
  for (const auto& f : {csv, json, empty}) {
    try {
      (void)Model::load(f);
      ADD_FAILURE() << f;
    } catch (const DataError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(f.filename().string()), std::string::npos) << msg;
      EXPECT_EQ(msg.find("shape"), std::string::npos) << "misleading: " << msg;
    }
    fs::remove(f);
  }
  EXPECT_THROW((void)Model::load(temp_file("does-not-exist.mlp")), InputError);
}

TEST(ModelFile, EveryTruncationAndEveryBitFlipFailsCleanly) {
  Network<float> net(ModelBuilder(2).hidden(2, Activation::relu).output(2, Activation::softmax)
                         .loss(Loss::cross_entropy).build());
  Preprocessing pre;
  pre.task = data::Task::classification;
  pre.class_names = {"n", "y"};
  const auto bytes = io::serialize(Model(std::move(net), std::move(pre)).to_container());
  std::size_t rejected = 0;
  for (std::size_t k = 0; k < bytes.size(); ++k) {
    EXPECT_THROW((void)Model::from_container(io::parse(std::span(bytes.data(), k), "m"), "m"), DataError) << k;
    ++rejected;
  }
  std::vector<std::byte> flipped = bytes;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      flipped[i] = bytes[i] ^ static_cast<std::byte>(1 << bit);
      EXPECT_THROW((void)Model::from_container(io::parse(flipped, "m"), "m"), DataError) << i << ":" << bit;
      ++rejected;
    }
    flipped[i] = bytes[i];
  }
  EXPECT_EQ(rejected, bytes.size() * 9);
}

TEST(ModelFile, NumpyForwardPassAgrees) {
  if (::access("/usr/bin/python3", X_OK) != 0 ||
      std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  }
  for (int which = 0; which < 2; ++which) {
    Model m = which == 0 ? classifier(4, Activation::leaky_relu) : regressor();
    const fs::path f = temp_file("oracle.mlp"), in = temp_file("oracle.txt");
    m.save(f);
    const MatrixF X = inputs(m.network().inputs(), 5, 9);
    {
      std::ofstream o(in);
      o.precision(9);
      for (Index j = 0; j < X.cols(); ++j) {
        for (Index i = 0; i < X.rows(); ++i) o << X(i, j) << (i + 1 < X.rows() ? " " : "\n");
      }
    }
    const std::string cmd = "/usr/bin/python3 " + std::string(MLP_SOURCE_DIR) + "/tests/reference/predict_model.py '" +
                            f.string() + "' '" + in.string() + "'";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buf[4096];
    while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    ASSERT_EQ(::pclose(pipe), 0) << out;
    fs::remove(f);
    fs::remove(in);
    const MatrixF P = m.predict(X);
    std::istringstream s(out);
    for (Index j = 0; j < P.cols(); ++j) {
      for (Index i = 0; i < P.rows(); ++i) {
        double v = 0;
        ASSERT_TRUE(s >> v);
        EXPECT_NEAR(P(i, j), v, 1e-4 * std::max(1.0, std::abs(v))) << which << " " << i << "," << j;
      }
    }
  }
}

}  // namespace
}  // namespace mlp
