// The format version of a model file, as the library reports it (io::Container and Model), so
// that `mlp inspect` need not read the header itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "mlp/io/model.hpp"
#include "mlp/io/safetensors.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

Model tiny_model() {
  Network<float> net(ModelBuilder(2).hidden(3, Activation::tanh).output(1, Activation::identity)
                         .loss(Loss::mse).seed(4).build());
  Preprocessing pre;
  pre.task = data::Task::regression;
  pre.feature_names = {"x", "y"};
  pre.target_names = {"z"};
  return Model(std::move(net), std::move(pre));
}

TEST(FormatVersion, ParseReportsTheVersionWrittenInTheFile) {
  io::Container c = tiny_model().to_container();
  c.format_version = 0;  // serialize() writes the current version whatever the field says
  const io::Container back = io::parse(io::serialize(c), "v.mlp");
  EXPECT_EQ(back.format_version, io::kFormatVersion);
}

TEST(FormatVersion, FromContainerKeepsTheContainersVersion) {
  io::Container c = tiny_model().to_container();
  c.format_version = 0;  // as an older file would report it
  EXPECT_EQ(Model::from_container(c, "old.mlp").format_version(), 0);
}

TEST(FormatVersion, LoadedAndInMemoryModelsReportTheCurrentVersion) {
  const Model m = tiny_model();
  EXPECT_EQ(m.format_version(), io::kFormatVersion);
  const fs::path path = fs::temp_directory_path() / ("mlp-version-" + std::to_string(::getpid()) + ".mlp");
  m.save(path);
  const Model back = Model::load(path);
  fs::remove(path);
  EXPECT_EQ(back.format_version(), io::kFormatVersion);
}

}  // namespace
}  // namespace mlp
