// Model::predict_file: IDX images (by name or by magic bytes) are predicted one example per
// image, as Model::predict on the pixels scaled to [0, 1]; a CSV goes to predict_csv; images of
// another size are a DataError naming both sizes.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/io/model.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

/// A fresh directory under the system's temporary directory, removed with its contents.
struct Dir {
  fs::path path;
  Dir() {
    std::string tmpl = (fs::temp_directory_path() / "mlp-predict-file-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~Dir() { fs::remove_all(path); }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  fs::path write(const std::string& name, const std::vector<std::uint8_t>& bytes) const {
    std::ofstream(path / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path / name;
  }
};

/// An IDX images file (magic 00 00 08 03, big-endian count, rows, cols) of `count` images of
/// 2 x 2 pixels with the values 10 * (image + 1) + pixel.
std::vector<std::uint8_t> images_2x2(std::uint8_t count) {
  std::vector<std::uint8_t> b{0, 0, 8, 3, 0, 0, 0, count, 0, 0, 0, 2, 0, 0, 0, 2};
  for (int i = 0; i < count; ++i) {
    for (int p = 0; p < 4; ++p) b.push_back(static_cast<std::uint8_t>(10 * (i + 1) + p));
  }
  return b;
}

Model pixel_classifier(Index inputs) {
  Network<float> net(ModelBuilder(inputs).hidden(3, Activation::relu).output(2, Activation::softmax)
                         .loss(Loss::cross_entropy).seed(3).build());
  Preprocessing pre;
  pre.task = data::Task::classification;
  for (Index k = 0; k < inputs; ++k) pre.feature_names.push_back("pixel" + std::to_string(k));
  pre.class_names = {"no", "yes"};
  return Model(std::move(net), std::move(pre));
}

MatrixF collect(Model& m, const fs::path& input, std::size_t block) {
  MatrixF got(2, 0);
  m.predict_file(input, block, [&](const MatrixF& P, std::size_t first) {
    EXPECT_EQ(first, static_cast<std::size_t>(got.cols()));
    got.conservativeResize(P.rows(), got.cols() + P.cols());
    got.rightCols(P.cols()) = P;
  });
  return got;
}

TEST(PredictFile, IdxImagesArePredictedOnePerImage) {
  Dir dir;
  Model m = pixel_classifier(4);
  MatrixF X(4, 5);
  for (Index j = 0; j < 5; ++j) {
    for (Index p = 0; p < 4; ++p) X(p, j) = static_cast<float>(10 * (j + 1) + p) / 255.0f;
  }
  const MatrixF want = m.predict(X);
  // Found by name (-ubyte) and by the magic bytes alone, in one block or several.
  for (const char* name : {"t10k-images-idx3-ubyte", "images.bin"}) {
    const fs::path file = dir.write(name, images_2x2(5));
    EXPECT_EQ(collect(m, file, 4096), want) << name;
    EXPECT_TRUE(collect(m, file, 2).isApprox(want, 1e-6f)) << name;
  }
}

TEST(PredictFile, ImagesOfAnotherSizeNameBothSizes) {
  Dir dir;
  Model m = pixel_classifier(784);
  const fs::path file = dir.write("imgs-ubyte", images_2x2(2));
  try {
    collect(m, file, 16);
    FAIL() << "no error";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("imgs-ubyte: the images have 4 pixels (2 x 2), but the model expects 784 inputs"),
              std::string::npos) << msg;
  }
}

TEST(PredictFile, CsvGoesToPredictCsv) {
  Dir dir;
  Model m = pixel_classifier(2);
  const std::string text = "pixel1,pixel0\n0.5,0.25\n1,0\n";
  std::ofstream(dir.path / "in.csv") << text;
  MatrixF want(2, 0);
  m.predict_csv_text(text, "in.csv", 16, [&](const MatrixF& P, std::size_t) { want = P; });
  EXPECT_EQ(collect(m, dir.path / "in.csv", 16), want);
}

}  // namespace
}  // namespace mlp
