// IDX files on disk that could exhaust the reader (RELIABILITY I3, I6): huge declared sizes on
// small or sparse files, /dev/zero, a FIFO without a writer, a sparse file behind a gzip
// magic. Each load runs in a child process with capped memory and time
// (tests/support/bounded.hpp), so a reader that reads without bound fails here in seconds.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "helpers.hpp"
#include "mlp/data/idx.hpp"
#include "mlp/data/load.hpp"
#include "support/bounded.hpp"

namespace mlp::data {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using mlp::test::bounded;
using test::idx_header;

#define EXPECT_STARTS_WITH(text, prefix) \
  EXPECT_EQ(std::string(text).rfind(prefix, 0), 0u) << "expected '" << (prefix) << "' at the start of: " << (text)

class IdxFiles : public ::testing::Test {
 protected:
  mlp::test::TempDir dir{"mlp-idx-files"};

  fs::path write(const std::string& name, const Bytes& bytes) const {
    const fs::path path = dir.path / name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  /// Extends `path` with holes to `size` bytes (no disk space used).
  static void make_sparse(const fs::path& path, std::uint64_t size) {
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(size)), 0);
  }
  fs::path labels() const {
    Bytes b = idx_header({2});
    b.push_back(0);
    b.push_back(1);
    return write("labels-idx1-ubyte", b);
  }
  static std::string load(const fs::path& images, const fs::path& labels, int seconds = 20) {
    return bounded([&] { (void)load_idx(images, labels); }, seconds);
  }
};

TEST_F(IdxFiles, AHugeDeclaredSizeOnASmallFileFailsBeforeAllocating) {
  Bytes small = idx_header({0xFFFFFFFF, 28, 28});
  small.resize(small.size() + 100, 7);
  const fs::path images = write("huge-images-idx3-ubyte", small);
  EXPECT_STARTS_WITH(load(images, labels()),
                     "DataError: " + images.string() + ": error: truncated data: the header "
                     "declares 4294967295 x 28 x 28 = 3367254359280 bytes, the file holds 100");
}

TEST_F(IdxFiles, AHugeSparseFileIsCheckedAgainstItsHeaderWithoutBeingRead) {
  // A 2 x 2 x 2 header followed by 8 GiB of holes (the child may allocate at most 2 GiB).
  const std::uint64_t huge = std::uint64_t{8} << 30;
  const fs::path images = write("sparse-images-idx3-ubyte", idx_header({2, 2, 2}));
  make_sparse(images, huge);
  EXPECT_STARTS_WITH(load(images, labels(), 10),
                     "DataError: " + images.string() + ": error: " + std::to_string(huge - 16 - 8) +
                     " bytes of trailing data after the 8 bytes the header declares");
  // The gzip magic followed by holes: refused at the first chunk, not after reading 8 GiB.
  const fs::path gz = write("sparse-images-idx3-ubyte.gz", Bytes{0x1f, 0x8b, 8, 0});
  make_sparse(gz, huge);
  const std::string outcome = load(gz, labels(), 10);
  EXPECT_STARTS_WITH(outcome, "DataError: " + gz.string() + ": error: ");
  EXPECT_NE(outcome.find("gzip"), std::string::npos) << outcome;
}

TEST_F(IdxFiles, PathsThatAreNotRegularFilesAreRefusedAtOnce) {
  if (fs::exists("/dev/zero")) {
    EXPECT_STARTS_WITH(load("/dev/zero", labels(), 10),
                       "InputError: /dev/zero: not a regular file (a character device); IDX data "
                       "must be a regular file");
    EXPECT_STARTS_WITH(load(write("images-idx3-ubyte", idx_header({2, 1, 1}) ), "/dev/zero", 10),
                       "InputError: /dev/zero: not a regular file (a character device)");
  }
  const fs::path fifo = dir.path / "fifo-idx3-ubyte";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_STARTS_WITH(load(fifo, labels(), 10),
                     "InputError: " + fifo.string() + ": not a regular file (a FIFO)");
}

TEST_F(IdxFiles, FormatDetectionSniffsOnlyRegularFiles) {
  // A CSV arriving through a FIFO: detection must not open it (that would wait for the writer)
  // nor read its first bytes (they belong to the CSV reader).
  const fs::path fifo = dir.path / "data.csv";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string outcome = bounded([&] {
    if (detect_format(fifo) != Format::csv) throw Error("not detected as CSV");
    std::thread writer([&] { std::ofstream(fifo) << "a,b\n1,2\n3,4\n"; });
    const Dataset d = data::load(fifo);
    writer.join();
    if (d.size() != 2 || d.feature_names != std::vector<std::string>{"a"}) {
      throw Error("read " + std::to_string(d.size()) + " rows, first column '" +
                  (d.feature_names.empty() ? std::string() : d.feature_names[0]) + "'");
    }
  }, 10);
  EXPECT_EQ(outcome, "ok");
}

TEST_F(IdxFiles, GzipFilesAreStillReadWhole) {
  Bytes raw = idx_header({2, 2, 2});
  for (std::uint8_t v = 0; v < 8; ++v) raw.push_back(static_cast<std::uint8_t>(v * 30));
  const fs::path gz = write("images-idx3-ubyte.gz", test::gzip(raw));
  const Dataset ds = load_idx(gz, labels());
  EXPECT_EQ(ds.size(), 2);
  EXPECT_EQ(ds.X, parse_idx_images(raw, "raw").X);
  // Trailing bytes after the gzip stream are counted from the file size.
  Bytes trailing = test::gzip(raw);
  trailing.insert(trailing.end(), {1, 2, 3});
  EXPECT_STARTS_WITH(load(write("trailing-idx3-ubyte.gz", trailing), labels()),
                     "DataError: " + (dir.path / "trailing-idx3-ubyte.gz").string() +
                         ": error: 3 bytes of trailing data after the end of the gzip stream");
}

// Images alone (mlp predict on IDX): the same reader and checks as load_idx.
TEST_F(IdxFiles, ImagesAloneLoadWithTheirShape) {
  Bytes bytes = idx_header({2, 1, 3});
  for (std::uint8_t v : {0, 51, 255, 102, 153, 204}) bytes.push_back(v);
  const IdxImages img = load_idx_images(write("two-images-idx3-ubyte", bytes));
  EXPECT_EQ(img.count, 2);
  EXPECT_EQ(img.rows, 1);
  EXPECT_EQ(img.cols, 3);
  ASSERT_EQ(img.X.rows(), 3);
  ASSERT_EQ(img.X.cols(), 2);
  EXPECT_FLOAT_EQ(img.X(1, 0), 0.2f);
  EXPECT_FLOAT_EQ(img.X(2, 1), 0.8f);
  Bytes short_file = idx_header({2, 1, 3});
  short_file.push_back(1);
  EXPECT_THROW((void)load_idx_images(write("short-ubyte", short_file)), DataError);
  EXPECT_THROW((void)load_idx_images(dir.path / "missing-ubyte"), InputError);
}

// The labels file beside an images file, by the MNIST naming, only when it exists.
TEST_F(IdxFiles, LabelsBesideImagesByName) {
  const fs::path images = write("t10k-images-idx3-ubyte.gz", Bytes{1});
  EXPECT_EQ(idx_labels_beside(images), fs::path());
  const fs::path labels = write("t10k-labels-idx1-ubyte.gz", Bytes{1});
  EXPECT_EQ(idx_labels_beside(images), labels);
  EXPECT_EQ(idx_labels_beside(write("pictures.bin", Bytes{1})), fs::path());
}

}  // namespace
}  // namespace mlp::data
