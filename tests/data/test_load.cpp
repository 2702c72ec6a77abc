// data::load: one entry point for CSV and IDX, the format given or found from the file's name
// and first bytes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "mlp/data/load.hpp"

namespace mlp::data {
namespace {

using test::error_of;
using test::gzip;
using test::idx_header;
using test::TempDir;
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

/// Three 2x2 images and their labels 0, 2, 1.
Bytes images() {
  Bytes b = idx_header({3, 2, 2});
  for (std::uint8_t i = 0; i < 12; ++i) b.push_back(static_cast<std::uint8_t>(20 * i));
  return b;
}
Bytes labels() {
  Bytes b = idx_header({3});
  for (const int l : {0, 2, 1}) b.push_back(static_cast<std::uint8_t>(l));
  return b;
}

const std::string kCsv = "a,b,y\n1,2,x\n3,4,z\n";

TEST(DetectFormat, ByNameWithoutReadingTheFile) {
  EXPECT_EQ(detect_format("/nonexistent/train-images-idx3-ubyte"), Format::idx);
  EXPECT_EQ(detect_format("/nonexistent/t10k-images-idx3-ubyte.gz"), Format::idx);
  EXPECT_EQ(detect_format("/nonexistent/train.csv"), Format::csv);  // unreadable: CSV reports
  EXPECT_EQ(detect_format("-"), Format::csv);
}

TEST(DetectFormat, ByMagicBytes) {
  const TempDir dir;
  EXPECT_EQ(detect_format(dir.write("raw.bin", images())), Format::idx);
  EXPECT_EQ(detect_format(dir.write("packed.bin", gzip(images()))), Format::idx);
  EXPECT_EQ(detect_format(dir.write("table.bin", kCsv)), Format::csv);
  EXPECT_EQ(detect_format(dir.write("short.bin", std::string("ab"))), Format::csv);
}

TEST(ResolveFormat, ExplicitFormatAndLabelsWin) {
  const TempDir dir;
  const fs::path csv = dir.write("table.csv", kCsv);
  LoadOptions o;
  EXPECT_EQ(resolve_format(csv, o), Format::csv);
  o.labels = "labels";
  EXPECT_EQ(resolve_format(csv, o), Format::idx);
  o.format = Format::csv;
  EXPECT_EQ(resolve_format(csv, o), Format::csv);
}

TEST(Load, ReadsCsvByDefault) {
  const TempDir dir;
  const Dataset d = load(dir.write("table.csv", kCsv));
  EXPECT_EQ(d.task, Task::classification);
  EXPECT_EQ(d.size(), 2);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"x", "z"}));
}

TEST(Load, ReadsCsvWithASchemaByColumnName) {
  const TempDir dir;
  LoadOptions o;
  o.schema = CsvSchema{Task::classification, {"b", "a"}, {"y"}, {"w", "x", "z"}};
  const Dataset d = load(dir.write("table.csv", kCsv), o);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"b", "a"}));
  EXPECT_FLOAT_EQ(d.X(0, 0), 2.0f);  // column b first
  EXPECT_EQ(d.labels, (std::vector<std::int32_t>{1, 2}));  // numbered as the schema's classes
}

TEST(Load, SniffsIdxImagesAndReadsTheirLabels) {
  const TempDir dir;
  LoadOptions o;
  o.labels = dir.write("labels.gz", gzip(labels()));
  o.idx.class_names = {"zero", "one", "two"};
  const Dataset d = load(dir.write("images.bin", images()), o);
  EXPECT_EQ(d.task, Task::classification);
  EXPECT_EQ(d.size(), 3);
  EXPECT_EQ(d.n_features(), 4);
  EXPECT_EQ(d.labels, (std::vector<std::int32_t>{0, 2, 1}));
  EXPECT_EQ(d.class_names, o.idx.class_names);
}

TEST(Load, IdxImagesWithoutLabelsAreAConfigError) {
  const TempDir dir;
  const fs::path path = dir.write("images.bin", images());
  const std::string what = error_of<ConfigError>([&] { (void)load(path); });
  EXPECT_NE(what.find("images.bin: IDX images need a labels file"), std::string::npos) << what;
}

TEST(Load, ExplicitCsvReadsAnIdxLookingNameAsCsv) {
  const TempDir dir;
  LoadOptions o;
  o.format = Format::csv;
  const Dataset d = load(dir.write("odd-ubyte", kCsv), o);
  EXPECT_EQ(d.size(), 2);
}

}  // namespace
}  // namespace mlp::data
