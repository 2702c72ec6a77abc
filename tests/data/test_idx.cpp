// IDX reader: RELIABILITY rows I1-I7.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "mlp/data/idx.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define MLP_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLP_TEST_SANITIZED 1
#endif
#endif

namespace mlp::data {
namespace {

using test::error_of;
using test::gzip;
using test::idx_header;
using test::TempDir;
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

Bytes images_file(std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
  Bytes b = idx_header({n, rows, cols});
  for (std::uint32_t i = 0; i < n * rows * cols; ++i) b.push_back(static_cast<std::uint8_t>(i * 7));
  return b;
}

Bytes labels_file(const std::vector<std::uint8_t>& labels) {
  Bytes b = idx_header({static_cast<std::uint32_t>(labels.size())});
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

std::string images_error(const Bytes& b, std::string_view name = "x-images-idx3-ubyte") {
  return error_of<DataError>([&] { (void)parse_idx_images(b, name); });
}

TEST(Idx, ParsesImagesScaledToUnitInterval) {
  const auto img = parse_idx_images(images_file(2, 2, 3), "i");
  EXPECT_EQ(img.count, 2);
  EXPECT_EQ(img.rows, 2);
  EXPECT_EQ(img.cols, 3);
  ASSERT_EQ(img.X.rows(), 6);
  ASSERT_EQ(img.X.cols(), 2);
  // Image 1, pixel (row 1, col 0) = byte 6 + 3 = 9 -> value 63.
  EXPECT_FLOAT_EQ(img.X(3, 1), 63.0f / 255.0f);
  Bytes white = idx_header({1, 1, 2});
  white.push_back(255);
  white.push_back(0);
  const auto w = parse_idx_images(white, "w");
  EXPECT_EQ(w.X(0, 0), 1.0f);
  EXPECT_EQ(w.X(1, 0), 0.0f);
  // gzip gives the same result.
  EXPECT_EQ(parse_idx_images(gzip(images_file(2, 2, 3)), "i.gz").X, img.X);
}

// I1
TEST(Idx, EveryPrefixOfTheHeaderIsTruncated) {
  const Bytes full = idx_header({60000, 28, 28});
  ASSERT_EQ(full.size(), 16u);
  for (std::size_t k = 0; k < 16; ++k) {
    const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(k));
    EXPECT_EQ(images_error(prefix),
              fmt::format("x-images-idx3-ubyte: error: truncated header ({} bytes, need 16)", k));
    // The same through gzip.
    EXPECT_NE(images_error(gzip(prefix)).find(fmt::format("truncated header ({} bytes, need 16)", k)),
              std::string::npos);
  }
  const Bytes lab = idx_header({5});
  for (std::size_t k = 0; k < 8; ++k) {
    const Bytes prefix(lab.begin(), lab.begin() + static_cast<std::ptrdiff_t>(k));
    EXPECT_NE(error_of<DataError>([&] { (void)parse_idx_labels(prefix, "l"); })
                  .find(fmt::format("truncated header ({} bytes, need 8)", k)),
              std::string::npos);
  }
}

// I2
TEST(Idx, BadMagicShowsExpectedAndFound) {
  auto b = images_file(1, 2, 2);
  b[0] = 0x50;
  EXPECT_NE(images_error(b).find("bad magic number 0x50000803, expected 0x00000803"),
            std::string::npos);
  b = images_file(1, 2, 2);
  b[2] = 0x0D;
  EXPECT_NE(images_error(b).find("0x00000d03, expected 0x00000803: data type 0x0d"),
            std::string::npos);
  // A labels file given as images.
  EXPECT_NE(images_error(labels_file({1, 2})).find("bad magic number 0x00000801, expected "
                                                   "0x00000803: 1 dimensions"),
            std::string::npos);
  EXPECT_NE(error_of<DataError>([&] { (void)parse_idx_labels(images_file(1, 1, 1), "l"); })
                .find("0x00000803, expected 0x00000801"),
            std::string::npos);
}

// I3
TEST(Idx, HugeOrOverflowingDimensionsFailBeforeAllocating) {
  EXPECT_NE(images_error(idx_header({0xFFFFFFFF, 28, 28})).find("truncated data: the header "
                                                               "declares 4294967295 x 28 x 28"),
            std::string::npos);
  EXPECT_NE(images_error(idx_header({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF})).find("overflow"),
            std::string::npos);
  // Through gzip: refused from the compressed size alone (no 3 GB buffer).
  EXPECT_NE(images_error(gzip(idx_header({0xFFFFFFFF, 28, 28}))).find("more than a gzip stream"),
            std::string::npos);
}

// I4
TEST(Idx, TruncatedPayloadAndTrailingGarbage) {
  auto b = images_file(3, 4, 4);
  b.resize(b.size() - 5);
  EXPECT_NE(images_error(b).find("truncated data: the header declares 3 x 4 x 4 = 48 bytes, the "
                                 "file holds 43"),
            std::string::npos);
  EXPECT_NE(images_error(gzip(b)).find("the file holds 43"), std::string::npos);
  b = images_file(3, 4, 4);
  b.push_back(1);
  b.push_back(2);
  EXPECT_NE(images_error(b).find("2 bytes of trailing data after the 48 bytes"), std::string::npos);
  EXPECT_NE(images_error(gzip(b)).find("trailing data"), std::string::npos);
  // Garbage after the end of the gzip stream.
  auto gz = gzip(images_file(3, 4, 4));
  gz.push_back(0);
  EXPECT_NE(images_error(gz).find("1 bytes of trailing data after the end of the gzip stream"),
            std::string::npos);
  EXPECT_NE(images_error(idx_header({0, 28, 28})).find("no images"), std::string::npos);
}

// I5
TEST(Idx, CountMismatchAndBadLabels) {
  TempDir dir;
  const auto img = dir.write("img-idx3-ubyte", images_file(3, 2, 2));
  const auto lab2 = dir.write("lab-idx1-ubyte", labels_file({0, 1}));
  const auto msg = error_of<DataError>([&] { (void)load_idx(img, lab2); });
  EXPECT_NE(msg.find("img-idx3-ubyte: error: 3 images, but "), std::string::npos) << msg;
  EXPECT_NE(msg.find("lab-idx1-ubyte has 2 labels"), std::string::npos) << msg;
  const auto lab3 = dir.write("lab3-idx1-ubyte", labels_file({0, 12, 1}));
  IdxOptions o;
  o.class_names = fashion_mnist_class_names();
  EXPECT_NE(error_of<DataError>([&] { (void)load_idx(img, lab3, o); })
                .find("label 12 of example 1 (byte offset 9) is outside the 10 classes"),
            std::string::npos);
  const auto ds = load_idx(img, lab3);  // without class names: 0..max
  EXPECT_EQ(ds.n_classes(), 13);
  EXPECT_EQ(ds.size(), 3);
  EXPECT_EQ(ds.n_features(), 4);
  EXPECT_EQ(ds.feature_names[3], "pixel3");
  EXPECT_EQ(error_of<InputError>([&] { (void)load_idx(dir.path / "none", lab3); }),
            (dir.path / "none").string() + ": No such file or directory");
}

// I6
TEST(Idx, GzipCorruptBombAndMisnamed) {
  auto gz = gzip(images_file(4, 8, 8));
  // Corrupt the deflate data.
  auto corrupt = gz;
  for (std::size_t i = 12; i < corrupt.size() - 8; ++i) corrupt[i] ^= 0x5a;
  EXPECT_NE(images_error(corrupt).find("corrupt gzip data (zlib:"), std::string::npos);
  // CRC error: flip a CRC byte of the trailer.
  auto crc = gz;
  crc[crc.size() - 6] ^= 0xff;
  EXPECT_NE(images_error(crc).find("incorrect data check"), std::string::npos);
  // Truncated gzip stream.
  auto cut = gz;
  cut.resize(cut.size() / 2);
  EXPECT_NE(images_error(cut).find("truncated gzip stream"), std::string::npos);
  // Bomb: the header declares 1 x 28 x 28 but the stream inflates to 64 MB of zeros.
  Bytes bomb = idx_header({1, 28, 28});
  bomb.resize(bomb.size() + (64u << 20), 0);
  const auto bomb_gz = gzip(bomb, 9);
  EXPECT_LT(bomb_gz.size(), 100000u);
  EXPECT_NE(images_error(bomb_gz).find("trailing data: the decompressed file is longer than the "
                                       "800 bytes"),
            std::string::npos);
  EXPECT_NE(error_of<DataError>([&] { (void)gunzip(bomb_gz, 1000, "b.gz"); })
                .find("b.gz: error: decompressed data exceeds the limit of 1000 bytes"),
            std::string::npos);
  EXPECT_EQ(gunzip(gz, 1 << 20, "g").size(), images_file(4, 8, 8).size());
  // Detected by content, not by name: a raw file called .gz loads, a text file called .gz
  // is a bad magic number.
  TempDir dir;
  const auto raw = dir.write("raw-images-idx3-ubyte.gz", images_file(2, 2, 2));
  const auto lab = dir.write("raw-labels-idx1-ubyte.gz", labels_file({1, 0}));
  EXPECT_EQ(load_idx(raw, lab).size(), 2);
  const auto text = dir.write("text.gz", Bytes{'h', 'e', 'l', 'l', 'o', '\n'});
  EXPECT_NE(error_of<DataError>([&] { (void)load_idx(text, lab); }).find("bad magic number 0x68656c6c"),
            std::string::npos);
}

// I7 + C14: the real Fashion-MNIST files, big-endian sizes, and the time to load them.
TEST(Idx, FashionMnistTrainingSet) {
  const fs::path dir = "/usr/share/datasets/fashion-mnist";
  const auto images = dir / "train-images-idx3-ubyte.gz";
  const auto labels = dir / "train-labels-idx1-ubyte.gz";
  if (!fs::exists(images) || !fs::exists(labels)) GTEST_SKIP() << "Fashion-MNIST not installed";
  IdxOptions o;
  o.class_names = fashion_mnist_class_names();
  // CPU time of this thread (user + system), so that a busy machine does not fail the check;
  // wall time is reported too. The best of two loads.
  const auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  Dataset ds;
  double seconds = 1e9, wall = 1e9;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const double c0 = cpu_now();
    const auto t0 = std::chrono::steady_clock::now();
    ds = load_idx(images, labels, o);
    wall = std::min(wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    seconds = std::min(seconds, cpu_now() - c0);
  }
  RecordProperty("load_cpu_seconds", std::to_string(seconds));
  RecordProperty("load_wall_seconds", std::to_string(wall));
  std::printf("Fashion-MNIST train (60000 x 784) loaded in %.3f s CPU, %.3f s wall\n", seconds,
              wall);
  EXPECT_EQ(ds.size(), 60000);
  EXPECT_EQ(ds.n_features(), 784);
  EXPECT_EQ(ds.n_classes(), 10);
  EXPECT_GE(ds.X.minCoeff(), 0.0f);
  EXPECT_LE(ds.X.maxCoeff(), 1.0f);
  EXPECT_EQ(ds.X.maxCoeff(), 1.0f);
  // 6000 examples of each class.
  std::vector<int> count(10, 0);
  for (const auto c : ds.labels) ++count[static_cast<std::size_t>(c)];
  for (const int c : count) EXPECT_EQ(c, 6000);
  // The load time is reported (printed and recorded), not asserted: timings belong to
  // benchmarks/, not to the test suite.
  const auto test = load_idx(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz", o);
  EXPECT_EQ(test.size(), 10000);
}

}  // namespace
}  // namespace mlp::data
