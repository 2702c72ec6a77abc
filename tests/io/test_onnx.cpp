// ONNX export/import and C export through the library API (include/mlp/io/onnx.hpp,
// include/mlp/io/c_export.hpp): export -> import gives the same predictions and, exported again,
// the same bytes; unsupported nodes are refused naming the node and its op type; every prefix of
// an exported file imports or fails with DataError; the C sources' options are checked. The end
// to end checks against ONNX Runtime, onnx.checker, PyTorch and the C compiler are
// tests/cli_scripts/deployment.sh.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <filesystem>
#include <span>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/io/c_export.hpp"
#include "mlp/io/model.hpp"
#include "mlp/io/onnx.hpp"

namespace mlp {
namespace {

Model classifier(Activation hidden, Index classes) {
  Network<float> net(ModelBuilder(3).hidden(5, hidden).hidden(4, Activation::tanh)
                         .output(classes == 2 ? 1 : classes, classes == 2 ? Activation::sigmoid : Activation::softmax)
                         .loss(classes == 2 ? Loss::binary_cross_entropy : Loss::cross_entropy)
                         .leaky_slope(0.2).seed(5).build());
  Preprocessing pre;
  pre.task = data::Task::classification;
  pre.feature_names = {"a", "b", "c"};
  for (Index k = 0; k < classes; ++k) pre.class_names.push_back(classes == 2 ? std::to_string(k) : "class " + std::to_string(k));
  pre.features = data::Standardizer({1.0f, -2.0f, 0.5f}, {2.0f, 0.5f, 1.0f});
  pre.imputer = data::Imputer({0.25f, -1.0f, 3.0f});
  return Model(std::move(net), std::move(pre));
}

Model regressor() {
  Network<float> net(ModelBuilder(2).hidden(6, Activation::gelu).output(2, Activation::identity)
                         .loss(Loss::mse).seed(3).build());
  Preprocessing pre;
  pre.task = data::Task::regression;
  pre.feature_names = {"x", "y"};
  pre.target_names = {"u", "v"};
  pre.features = data::Standardizer({0.0f, 10.0f}, {1.0f, 3.0f});
  pre.targets = data::Standardizer({100.0f, -5.0f}, {20.0f, 2.0f});
  return Model(std::move(net), std::move(pre));
}

MatrixF inputs(Index n, Index m) {
  Rng rng(11);
  MatrixF X(n, m);
  for (Index i = 0; i < X.size(); ++i) X.data()[i] = static_cast<float>(rng.normal() * 3);
  return X;
}

std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

#define REQUIRE_ONNX() \
  if (!io::onnx_supported()) GTEST_SKIP() << "built without ONNX support (libonnx-dev)"

TEST(Onnx, ExportImportExportIsStableAndPredictsTheSame) {
  REQUIRE_ONNX();
  for (Model m : {classifier(Activation::relu, 3), classifier(Activation::leaky_relu, 2),
                  classifier(Activation::gelu, 4), regressor()}) {
    const std::string once = io::export_onnx_bytes(m);
    Model back = io::import_onnx_bytes(as_bytes(once), "test.onnx");
    EXPECT_EQ(back.network().spec().layers, m.network().spec().layers);
    EXPECT_EQ(back.preprocessing().feature_names, m.preprocessing().feature_names);
    EXPECT_EQ(back.preprocessing().class_names, m.preprocessing().class_names);
    EXPECT_EQ(back.preprocessing().imputer.has_value(), m.preprocessing().imputer.has_value());
    MatrixF X = inputs(m.network().inputs(), 9);
    if (m.preprocessing().imputer) X(0, 0) = std::numeric_limits<float>::quiet_NaN();  // filled in
    EXPECT_EQ(back.predict(X), m.predict(X));
    EXPECT_EQ(io::export_onnx_bytes(back), once);
  }
}

TEST(Onnx, UnsupportedNodeIsRefusedNamingItAndItsOpType) {
  REQUIRE_ONNX();
  std::string bytes = io::export_onnx_bytes(classifier(Activation::relu, 3));
  // The op type "Relu" becomes "Celu" (same length, so the protobuf stays well-formed).
  const auto at = bytes.find("Relu");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'C';
  try {
    (void)io::import_onnx_bytes(as_bytes(bytes), "celu.onnx");
    FAIL() << "a Celu node was accepted";
  } catch (const DataError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("celu.onnx"), std::string::npos) << what;
    EXPECT_NE(what.find("'layers.0.relu' (Celu)"), std::string::npos) << what;
  }
}

TEST(Onnx, EveryPrefixOfAFileImportsOrIsADataError) {
  REQUIRE_ONNX();
  const std::string bytes = io::export_onnx_bytes(regressor());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    try {
      (void)io::import_onnx_bytes(as_bytes(bytes.substr(0, n)), "cut.onnx");
    } catch (const DataError&) {
    }
  }
}

TEST(Onnx, OpsetOutsideTheSupportedRangeIsAConfigError) {
  REQUIRE_ONNX();
  EXPECT_THROW((void)io::export_onnx_bytes(regressor(), {12}), ConfigError);
  EXPECT_THROW((void)io::export_onnx_bytes(regressor(), {18}), ConfigError);
  EXPECT_NO_THROW((void)io::export_onnx_bytes(regressor(), {13}));
}

TEST(Onnx, WithoutOnnxSupportBothDirectionsAreConfigErrors) {
  if (io::onnx_supported()) GTEST_SKIP() << "this build has ONNX support";
  EXPECT_THROW((void)io::export_onnx_bytes(regressor()), ConfigError);
  EXPECT_THROW((void)io::import_onnx_bytes({}, "x.onnx"), ConfigError);
}

TEST(CExport, PrefixMustBeACIdentifier) {
  for (const char* bad : {"", "1abc", "a-b", "a b", "é"}) {
    EXPECT_THROW((void)io::c_sources(regressor(), {bad, false}), ConfigError) << bad;
  }
  EXPECT_NO_THROW((void)io::c_sources(regressor(), {"_net2", false}));
}

TEST(CExport, SourcesHoldTheWeightsAndNoAllocation) {
  const io::CSources f = io::c_sources(classifier(Activation::gelu, 3), {"net", false});
  EXPECT_NE(f.header.find("int net_predict(const float *features, float *out);"), std::string::npos);
  EXPECT_NE(f.source.find("static const float net_W0[15]"), std::string::npos);
  EXPECT_NE(f.source.find("net_erfc"), std::string::npos);
  EXPECT_EQ(f.source.find("malloc"), std::string::npos);
  const io::CSources q = io::c_sources(classifier(Activation::relu, 3), {"net", true});
  EXPECT_NE(q.source.find("static const signed char net_W0[15]"), std::string::npos);
  EXPECT_LT(q.weight_bytes, f.weight_bytes);
}

}  // namespace
}  // namespace mlp
