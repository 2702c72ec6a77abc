// The model container: layout, round trips, golden file, Python oracle and hostile input
// (RELIABILITY M1-M4, M6-M9).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/safetensors_internal.hpp"
#include "mlp/core/error.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/io/safetensors.hpp"

namespace mlp::io {
namespace {

namespace fs = std::filesystem;

std::vector<std::byte> bytes_of(std::string_view s) {
  const auto b = std::as_bytes(std::span<const char>(s.data(), s.size()));
  return {b.begin(), b.end()};
}

std::vector<std::byte> le64(std::uint64_t v) {
  std::vector<std::byte> out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
  return out;
}

/// The DataError message parse() gives, or "(parsed)".
std::string parse_error(std::span<const std::byte> file) {
  try {
    (void)parse(file, "model.mlp");
  } catch (const DataError& e) {
    return e.what();
  }
  return "(parsed)";
}

std::vector<std::byte> f32_bytes(std::initializer_list<float> values) {
  std::vector<std::byte> out;
  for (const float v : values) {
    const auto raw = std::bit_cast<std::array<std::byte, 4>>(v);
    out.insert(out.end(), raw.begin(), raw.end());
  }
  return out;
}

/// A small but complete model: two tensors of each dtype and some metadata.
Container small_model() {
  Container c;
  c.metadata["mlp.model"] = R"({"layers":[2,2,1]})";
  MatrixF w(2, 2);
  w << 1.5f, -2.0f, 0.25f, 3.0f;
  c.tensors.push_back(tensor_from_matrix<float>("layers.0.W", w));
  MatrixD b(2, 1);
  b << 1.0 / 3.0, -0.0;
  c.tensors.push_back(tensor_from_matrix<double>("layers.0.b", b));
  return c;
}

// ---- layout and conversions --------------------------------------------------------------

TEST(Container, LayoutFollowsTheSafetensorsSpec) {
  const auto file = serialize(small_model());
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | std::to_integer<std::uint64_t>(file[static_cast<std::size_t>(i)]);
  EXPECT_EQ(n % 8, 0u);
  ASSERT_EQ(file.size(), 8 + n + 2 * 2 * 4 + 2 * 8);
  const std::string header(reinterpret_cast<const char*>(file.data()) + 8, n);
  EXPECT_EQ(header.rfind(R"({"__metadata__":{"mlp.format_version":"1","mlp.crc32":")", 0), 0u);
  const auto json = nlohmann::json::parse(header);
  EXPECT_EQ(json["layers.0.W"]["dtype"], "F32");
  EXPECT_EQ(json["layers.0.W"]["shape"], nlohmann::json({2, 2}));
  EXPECT_EQ(json["layers.0.W"]["data_offsets"], nlohmann::json({0, 16}));
  EXPECT_EQ(json["layers.0.b"]["data_offsets"], nlohmann::json({16, 32}));
  EXPECT_EQ(json["__metadata__"]["mlp.model"], R"({"layers":[2,2,1]})");
  // Row-major data: W(0,1) = -2 is the second float of the data section.
  float second = 0;
  std::memcpy(&second, file.data() + 8 + n + 4, 4);
  EXPECT_EQ(second, -2.0f);
}

TEST(Container, MatricesConvertRowMajorAndBack) {
  MatrixD m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  const TensorData t = tensor_from_matrix<double>("m", m);
  EXPECT_EQ(t.shape, (std::vector<std::int64_t>{2, 3}));
  double third = 0;
  std::memcpy(&third, t.bytes.data() + 2 * 8, 8);
  EXPECT_EQ(third, 3.0);  // (0, 2): row-major flat index 2
  EXPECT_EQ(matrix_from_tensor<double>(t), m);
  EXPECT_THROW((void)matrix_from_tensor<float>(t), DataError);

  TensorData vec{"v", "F32", {3}, f32_bytes({1, 2, 3})};
  const MatrixF v = matrix_from_tensor<float>(vec);
  EXPECT_EQ(v.rows(), 3);
  EXPECT_EQ(v.cols(), 1);
  EXPECT_EQ(v(2, 0), 3.0f);
  TensorData bad{"x", "F32", {2, 2}, f32_bytes({1, 2, 3})};
  EXPECT_THROW((void)matrix_from_tensor<float>(bad), DataError);
  TensorData cube{"c", "F32", {1, 1, 1}, f32_bytes({1})};
  EXPECT_THROW((void)matrix_from_tensor<float>(cube), DataError);
}

TEST(Container, SerializeRejectsInvalidContainers) {
  const auto rejects = [](Container c) { EXPECT_THROW((void)serialize(c), ConfigError); };
  Container c = small_model();
  c.metadata["mlp.crc32"] = "0";
  rejects(c);
  c = small_model();
  c.tensors.push_back(c.tensors[0]);  // duplicate name
  rejects(c);
  c = small_model();
  c.tensors[0].dtype = "I64";
  rejects(c);
  c = small_model();
  c.tensors[0].bytes.pop_back();
  rejects(c);
  c = small_model();
  c.tensors[0].name = "__metadata__";
  rejects(c);
  c = small_model();
  c.tensors[0].shape = {-2, -2};
  rejects(c);
  c = small_model();
  c.metadata["note"] = "\xff\xfe";
  rejects(c);
}

TEST(Container, SaveAndLoadThroughFiles) {
  const fs::path dir = fs::temp_directory_path() / ("mlp-io-model-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const Container c = small_model();
  save(dir / "model.mlp", c);
  EXPECT_EQ(load(dir / "model.mlp"), c);
  EXPECT_THROW((void)load(dir / "absent.mlp"), InputError);
  fs::remove_all(dir);
}

// ---- M9: round trips ----------------------------------------------------------------------

rc::Gen<std::string> printable_text() {
  return rc::gen::container<std::string>(rc::gen::inRange<char>(' ', '~' + 1));
}

rc::Gen<Container> any_container() {
  return rc::gen::exec([] {
    Container c;
    const auto metadata = *rc::gen::container<std::map<std::string, std::string>>(
        printable_text(), printable_text());
    for (const auto& [k, v] : metadata) {
      if (k != kVersionKey && k != kChecksumKey) c.metadata[k] = v;
    }
    const auto count = *rc::gen::inRange<std::size_t>(0, 6);
    for (std::size_t i = 0; i < count; ++i) {
      TensorData t;
      const std::string suffix = *printable_text();
      t.name = std::to_string(i) + "#" + suffix;  // unique by its "i#" prefix
      t.dtype = *rc::gen::element<std::string>("F32", "F64");
      t.shape = *rc::gen::container<std::vector<std::int64_t>>(*rc::gen::inRange<std::size_t>(0, 4),
                                                               rc::gen::inRange<std::int64_t>(0, 5));
      std::size_t n = dtype_size(t.dtype);
      for (const auto d : t.shape) n *= static_cast<std::size_t>(d);
      const auto raw = *rc::gen::container<std::vector<std::uint8_t>>(n, rc::gen::arbitrary<std::uint8_t>());
      for (const auto b : raw) t.bytes.push_back(static_cast<std::byte>(b));
      c.tensors.push_back(std::move(t));
    }
    return c;
  });
}

RC_GTEST_PROP(ContainerProperty, RoundTripIsExact, ()) {
  const Container c = *any_container();
  const auto file = serialize(c);
  const Container back = parse(file, "prop.mlp");
  RC_ASSERT(back == c);
  RC_ASSERT(serialize(back) == file);
}

RC_GTEST_PROP(ContainerProperty, MatricesRoundTripBitIdentically, ()) {
  const auto rows = *rc::gen::inRange<Index>(0, 6);
  const auto cols = *rc::gen::inRange<Index>(0, 6);
  MatrixD d(rows, cols);
  MatrixF f(rows, cols);
  for (Index i = 0; i < d.size(); ++i) {
    d.data()[i] = std::bit_cast<double>(*rc::gen::arbitrary<std::uint64_t>());
    f.data()[i] = std::bit_cast<float>(*rc::gen::arbitrary<std::uint32_t>());
  }
  Container c;
  c.tensors.push_back(tensor_from_matrix<double>("d", d));
  c.tensors.push_back(tensor_from_matrix<float>("f", f));
  const Container back = parse(serialize(c), "prop.mlp");
  const MatrixD d2 = matrix_from_tensor<double>(*back.find("d"));
  const MatrixF f2 = matrix_from_tensor<float>(*back.find("f"));
  RC_ASSERT(d2.rows() == rows && d2.cols() == cols && f2.rows() == rows && f2.cols() == cols);
  // memcmp with a null pointer is undefined even for 0 bytes (and GCC exploits it).
  if (d.size() > 0) {
    RC_ASSERT(std::memcmp(d2.data(), d.data(), sizeof(double) * static_cast<std::size_t>(d.size())) == 0);
    RC_ASSERT(std::memcmp(f2.data(), f.data(), sizeof(float) * static_cast<std::size_t>(f.size())) == 0);
  }
}

// ---- M6: the golden file of format v1, written by tests/fixtures/io/make_golden_v1.py ---------

Container golden_v1_expected() {
  // Mirrors make_golden_v1.py: value of flat (row-major) element i.
  const auto f32 = [](std::string name, std::vector<std::int64_t> shape, auto f) {
    std::size_t n = 1;
    for (const auto d : shape) n *= static_cast<std::size_t>(d);
    TensorData t{std::move(name), "F32", std::move(shape), {}};
    for (std::size_t i = 0; i < n; ++i) {
      const auto raw = std::bit_cast<std::array<std::byte, 4>>(static_cast<float>(f(static_cast<double>(i))));
      t.bytes.insert(t.bytes.end(), raw.begin(), raw.end());
    }
    return t;
  };
  const auto f64 = [](std::string name, std::vector<std::int64_t> shape, auto f) {
    std::size_t n = 1;
    for (const auto d : shape) n *= static_cast<std::size_t>(d);
    TensorData t{std::move(name), "F64", std::move(shape), {}};
    for (std::size_t i = 0; i < n; ++i) {
      const auto raw = std::bit_cast<std::array<std::byte, 8>>(f(static_cast<double>(i)));
      t.bytes.insert(t.bytes.end(), raw.begin(), raw.end());
    }
    return t;
  };
  Container c;
  c.metadata["mlp.model"] = R"({"activation":"tanh","layers":[2,3,1]})";
  c.metadata["note"] = "golden file of format v1";
  c.tensors.push_back(f32("layers.0.W", {3, 2}, [](double i) { return (i - 2.5) / 8; }));
  c.tensors.push_back(f32("layers.0.b", {3}, [](double i) { return 0.5 * i; }));
  c.tensors.push_back(f64("layers.1.W", {1, 3}, [](double i) { return (i + 1) / 3; }));
  c.tensors.push_back(f64("layers.1.b", {1}, [](double) { return -1e-300; }));
  c.tensors.push_back(f64("scale", {}, [](double) { return std::sqrt(2.0); }));
  c.tensors.push_back(f32("empty", {0, 4}, [](double) { return 0.0; }));
  return c;
}

std::vector<std::byte> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  const std::string s{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return bytes_of(s);
}

TEST(GoldenFiles, FormatV1KeepsLoadingAndIsWrittenByteForByte) {
  const fs::path golden = fs::path(MLP_TEST_DATA_DIR) / "io" / "golden_v1.mlp";
  const Container expected = golden_v1_expected();
  EXPECT_EQ(load(golden), expected);
  EXPECT_EQ(serialize(expected), read_all(golden));
  const MatrixF w = matrix_from_tensor<float>(*expected.find("layers.0.W"));
  EXPECT_EQ(w(0, 1), -0.1875f);  // flat index 1 of a 3 x 2 row-major tensor: (1 - 2.5) / 8
}

// ---- M9: the Python oracle (plain json + numpy.frombuffer) -------------------------------

bool python_with_numpy() {
  return ::access("/usr/bin/python3", X_OK) == 0 &&
         std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

TEST(PythonOracle, ReadsWhatWeWriteBitForBit) {
  if (!python_with_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  Container c;
  c.metadata["mlp.model"] = R"({"layers":[3,2]})";
  c.metadata["quote \" and \\ backslash"] = "caf\xc3\xa9";
  MatrixF w(2, 3);
  w << 1.0f, -0.0f, std::numeric_limits<float>::denorm_min(), 1e30f, -3.25f,
      std::numeric_limits<float>::max();
  MatrixD b(2, 1);
  b << 1.0 / 3.0, -std::numeric_limits<double>::min();
  c.tensors.push_back(tensor_from_matrix<float>("layers.0.W", w));
  c.tensors.push_back(tensor_from_matrix<double>("layers.0.b", b));
  c.tensors.push_back(TensorData{"empty", "F64", {0}, {}});

  const fs::path file = fs::temp_directory_path() / ("mlp-oracle-" + std::to_string(::getpid()) + ".mlp");
  save(file, c);
  const std::string cmd = "/usr/bin/python3 " + std::string(MLP_SOURCE_DIR) +
                          "/tests/reference/read_safetensors.py '" + file.string() + "'";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  ASSERT_EQ(::pclose(pipe), 0) << out;
  fs::remove(file);

  const auto seen = nlohmann::json::parse(out);
  EXPECT_TRUE(seen["crc_ok"].get<bool>());
  EXPECT_EQ(seen["format_version"], "1");
  EXPECT_EQ(seen["metadata"], nlohmann::json(c.metadata));
  ASSERT_EQ(seen["tensors"].size(), c.tensors.size());
  for (std::size_t i = 0; i < c.tensors.size(); ++i) {
    const auto& t = c.tensors[i];
    const auto& s = seen["tensors"][i];
    EXPECT_EQ(s["name"], t.name);
    EXPECT_EQ(s["dtype"], t.dtype);
    EXPECT_EQ(s["shape"].get<std::vector<std::int64_t>>(), t.shape);
    const auto values = s["values"].get<std::vector<std::string>>();
    ASSERT_EQ(values.size() * dtype_size(t.dtype), t.bytes.size());
    for (std::size_t k = 0; k < values.size(); ++k) {
      const double v = std::strtod(values[k].c_str(), nullptr);
      if (t.dtype == "F32") {
        const float f = static_cast<float>(v);
        EXPECT_EQ(std::memcmp(&f, t.bytes.data() + 4 * k, 4), 0) << t.name << "[" << k << "]";
      } else {
        EXPECT_EQ(std::memcmp(&v, t.bytes.data() + 8 * k, 8), 0) << t.name << "[" << k << "]";
      }
    }
  }
  // The oracle's view of W, element (0, 2), through numpy's row-major reshape.
  EXPECT_EQ(std::strtod(seen["tensors"][0]["values"][2].get<std::string>().c_str(), nullptr),
            static_cast<double>(std::numeric_limits<float>::denorm_min()));
}

// ---- M1, M2: every truncation and every bit flip -------------------------------------------

TEST(Hostile, EveryTruncationIsReportedAsTruncated) {
  const auto file = serialize(small_model());
  for (std::size_t k = 0; k < file.size(); ++k) {
    const std::vector<std::byte> prefix(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(k));
    const std::string msg = parse_error(prefix);
    ASSERT_EQ(msg.rfind("model.mlp: truncated", 0), 0u) << "k=" << k << ": " << msg;
  }
  EXPECT_EQ(parse_error({}), "model.mlp: truncated: the file is empty (0 bytes)");
}

TEST(Hostile, EveryBitFlipIsDetected) {
  const auto file = serialize(small_model());
  std::size_t checksum = 0;
  std::size_t other = 0;
  for (std::size_t i = 0; i < file.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto flipped = file;
      flipped[i] ^= static_cast<std::byte>(1u << bit);
      const std::string msg = parse_error(flipped);
      ASSERT_EQ(msg.rfind("model.mlp: ", 0), 0u) << "byte " << i << " bit " << bit << ": " << msg;
      (msg.find("checksum mismatch") != std::string::npos ? checksum : other) += 1;
    }
  }
  EXPECT_EQ(checksum + other, file.size() * 8);
  EXPECT_GT(checksum, 0u);
  std::printf("bit flips over %zu bytes: %zu checksum mismatches, %zu other errors\n", file.size(),
              checksum, other);
}

// ---- M3: giant declared sizes --------------------------------------------------------------

const std::string kMeta = R"("__metadata__":{"mlp.format_version":"1","mlp.crc32":"00000000"})";

/// A file around `tensors_json` (entries after the metadata) and `data`, with a valid checksum.
std::vector<std::byte> crafted(const std::string& tensors_json, std::span<const std::byte> data = {}) {
  return detail::assemble("{" + kMeta + (tensors_json.empty() ? "" : ",") + tensors_json + "}", data);
}

void expect_error(const std::vector<std::byte>& file, const std::string& part) {
  const std::string msg = parse_error(file);
  EXPECT_EQ(msg.rfind("model.mlp: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(part), std::string::npos) << "expected '" << part << "' in: " << msg;
}

TEST(Hostile, CraftedFilesParseWhenValid) {
  const auto data = f32_bytes({1, 2, 3, 4});
  const auto ok = crafted(R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]})", data);
  const Container c = parse(ok, "model.mlp");
  ASSERT_EQ(c.tensors.size(), 1u);
  EXPECT_EQ(c.tensors[0].bytes, data);
  // Exactly 64 levels of nesting are scanned past (and then refused by the schema).
  std::string deep = R"("a":)" + std::string(63, '[') + std::string(63, ']');
  expect_error(crafted(deep), "tensor 'a' is a array, expected an object");
}

TEST(Hostile, GiantHeaderLengthsFailBeforeAllocating) {
  for (const std::uint64_t n : {std::uint64_t{1} << 63, std::uint64_t{1} << 32, kMaxHeaderBytes + 8}) {
    auto file = le64(n);
    const auto body = bytes_of("{}      ");
    file.insert(file.end(), body.begin(), body.end());
    expect_error(file, "header length " + std::to_string(n) +
                           " bytes is larger than the limit of 100000000 bytes");
  }
  auto file = le64(std::numeric_limits<std::uint64_t>::max());
  const auto body = bytes_of("{}      ");
  file.insert(file.end(), body.begin(), body.end());
  expect_error(file, "not an mlp model file");
  file = le64(kMaxHeaderBytes);
  file.insert(file.end(), body.begin(), body.end());
  expect_error(file, "truncated: the header length says 100000000 header bytes, but only 8 bytes");
  file = le64(0);
  file.insert(file.end(), body.begin(), body.end());
  expect_error(file, "header length 0 is not a positive multiple of 8");
  // Our header lengths are multiples of 8, so a first byte that is not cannot start a model.
  file = le64(12);
  file.insert(file.end(), body.begin(), body.end());
  file.insert(file.end(), body.begin(), body.end());
  expect_error(file, "not an mlp model file: it starts with '\\x0c\\x00");
}

TEST(Hostile, ShapesAndOffsetsAreCheckedBeforeAllocating) {
  const auto data = f32_bytes({1, 2, 3, 4});
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[2147483648,2147483648],"data_offsets":[0,16]})", data),
               "need more than 2^64");
  expect_error(crafted(R"("a":{"dtype":"F64","shape":[4294967296,4294967296,2],"data_offsets":[0,16]})", data),
               "has more elements than 2^64");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[1000000],"data_offsets":[0,4000000]})", data),
               "truncated: the tensors need 4000000 data bytes after the header, but only 16");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,9223372036854775807]})", data),
               "need more than 2^64");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[0],"data_offsets":[16,8]})", data),
               "end before begin");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]})", data),
               "holds 16 bytes, but dtype F32 and shape [3] need 12");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]})", data),
               "tensor 'b' data_offsets begin at 4, expected 8 (overlaps the previous tensor)");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]})", data),
               "tensor 'b' data_offsets begin at 8, expected 4 (a gap between tensors)");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[3],"data_offsets":[4,16]})", data),
               "begin at 4, expected 0");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]})", data),
               "4 unexpected bytes after the last tensor");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})", data),
               "8 unexpected bytes");
  // Tensors listed out of file order are read in data order.
  const Container c = parse(crafted(R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})", data), "model.mlp");
  ASSERT_EQ(c.tensors.size(), 2u);
  EXPECT_EQ(c.tensors[0].name, "a");
}

// ---- M4: JSON-level hostility --------------------------------------------------------------

TEST(Hostile, JsonSyntaxAndNestingAreRefused) {
  expect_error(detail::assemble("[1,2]", {}), "not an mlp model file");
  expect_error(detail::assemble(" {}", {}), "not an mlp model file");
  expect_error(detail::assemble("{} x", {}), "must be one object '{...}' padded with spaces");
  expect_error(detail::assemble("{\"a\":1}\n", {}), "must be one object");
  std::string nested = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  expect_error(detail::assemble(nested, {}), "nests deeper than 64 levels at byte 76");
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100000, '}');
  expect_error(detail::assemble(objects, {}), "nests deeper than 64 levels");
  // Brackets inside strings do not count.
  expect_error(crafted(R"("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[":7)"),
               "is a number, expected an object");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]})"),
               "not valid JSON");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[99999999999999999999999],"data_offsets":[0,4]})"),
               "dimension is non-integer or out-of-range");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,4]})"),
               "expected an integer in 0..2^63-1");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]})"),
               "dimension is non-integer or out-of-range 2.0");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]})"),
               "dimension is negative -1");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]})"),
               "data_offsets end is non-integer");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]})"),
               "dimension is a string");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0]})"),
               "expected [begin, end]");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":1,"data_offsets":[0,4]})"),
               "shape is a number, expected an array");
}

TEST(Hostile, DuplicatesAreRefusedAtEveryLevel) {
  const auto data = f32_bytes({1, 2});
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]})", data),
               "duplicate tensor name 'a'");
  expect_error(crafted(R"("a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]})", data),
               "duplicate key 'dtype'");
  expect_error(detail::assemble(R"({"__metadata__":{"mlp.format_version":"1","mlp.crc32":"00000000","k":"x","k":"y"}})", {}),
               "duplicate key 'k'");
  expect_error(detail::assemble("{" + kMeta + "," + kMeta + "}", {}), "duplicate tensor name '__metadata__'");
}

TEST(Hostile, TensorEntriesMustFollowTheSchema) {
  const auto data = f32_bytes({1});
  expect_error(crafted(R"("a":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]})", data),
               "tensor 'a' has dtype \"BF16\", expected \"F32\" or \"F64\"");
  expect_error(crafted(R"("a":{"dtype":5,"shape":[1],"data_offsets":[0,4]})", data), "has dtype 5");
  expect_error(crafted(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"path":"/etc/passwd"})", data),
               "tensor 'a' has unknown field \"path\"");
  expect_error(crafted(R"("a":{"dtype":"F32","data_offsets":[0,4]})", data), "needs dtype, shape and data_offsets");
  expect_error(crafted(R"("a":"weights.bin")", data), "tensor 'a' is a string, expected an object");
  expect_error(crafted(R"("":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})", data), "empty name");
}

TEST(Hostile, InvalidUtf8IsRefused) {
  expect_error(crafted("\"a\xff\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}"),
               "not valid JSON");
  expect_error(crafted("\"a\xc0\xaf\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}"),
               "not valid JSON");
  expect_error(crafted(R"("a\ud800":{"dtype":"F32","shape":[0],"data_offsets":[0,0]})"), "not valid JSON");
}

TEST(Hostile, MetadataRules) {
  expect_error(detail::assemble(R"({"__metadata__":{"mlp.format_version":"1","mlp.crc32":"00000000","n":5}})", {}),
               "metadata \"n\" is a number; safetensors metadata values must be strings");
  expect_error(detail::assemble(R"({"__metadata__":[]})", {}), "\"__metadata__\" must be an object");
  expect_error(detail::assemble(R"({"__metadata__":{"mlp.format_version":"1"}})", {}),
               "no \"mlp.crc32\" checksum");
  // Unsealed files: the checksum digits are exactly what the test wrote.
  expect_error(detail::frame_header(R"({"__metadata__":{"mlp.format_version":"1","mlp.crc32":"ABCDEF01"}})", 0),
               "expected 8 lowercase hex digits");
  expect_error(detail::frame_header(R"({"__metadata__":{"mlp.format_version":"1","mlp.crc32":"abcdef0"}})", 0),
               "expected 8 lowercase hex digits");
  // The checksum must be written without spaces so that its digits can be found.
  expect_error(detail::assemble(R"({"__metadata__":{"mlp.format_version":"1","mlp.crc32" : "00000000"}})", {}),
               "the checksum must appear exactly once");
  auto wrong = crafted("");
  const std::string text(reinterpret_cast<const char*>(wrong.data()), wrong.size());
  const std::size_t digit = text.find("\"mlp.crc32\":\"") + 13;
  wrong[digit] = static_cast<std::byte>(wrong[digit] == std::byte{'0'} ? '1' : '0');
  expect_error(wrong, "checksum mismatch: the header says crc32");
}

// ---- M6: versions --------------------------------------------------------------------------

TEST(Hostile, FormatVersions) {
  const auto with_version = [](const std::string& v) {
    return detail::assemble(R"({"__metadata__":{"mlp.format_version":")" + v +
                                R"(","mlp.crc32":"00000000"}})",
                            {});
  };
  EXPECT_EQ(parse_error(with_version("3")), "model.mlp: format v3 not supported (max v1); a newer mlp wrote this file");
  expect_error(with_version("123456789"), "format v123456789 not supported (max v1)");
  for (const char* bad : {"0", "01", "1.0", " 1", "-1", "", "1234567890", "v1"}) {
    expect_error(with_version(bad), "expected a positive integer");
  }
  EXPECT_EQ(parse_error(with_version("1")), "(parsed)");
}

// ---- M7: other kinds of files ----------------------------------------------------------------

TEST(Hostile, OtherFileTypesAreNotMlpModels) {
  expect_error(bytes_of("sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n"), "not an mlp model file: it starts with 'sepal_length...'");
  expect_error(bytes_of("0.5,1.5,2.5,3.5\n"), "not an mlp model file");
  expect_error(bytes_of("{}"), "not an mlp model file: it starts with '{}'");
  expect_error(bytes_of("{\n  \"layers\": [2, 3]\n}\n"), "not an mlp model file");
  std::vector<std::byte> idx = {std::byte{0}, std::byte{0}, std::byte{8}, std::byte{3},
                                std::byte{0}, std::byte{0}, std::byte{0xea}, std::byte{0x60},
                                std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0x1c}};
  expect_error(idx, "not an mlp model file: it starts with '\\x00\\x00\\x08\\x03");
  // A plain safetensors file (no mlp metadata) is valid safetensors but not an mlp model.
  const auto plain = f32_bytes({1});
  expect_error(detail::assemble(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", plain),
               "not an mlp model file: the header has no \"__metadata__\"");
  expect_error(detail::assemble(R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", plain),
               "not an mlp model file: the header has no \"mlp.format_version\"");
}

// ---- M8: names inside the file are data, never paths ----------------------------------------

TEST(Hostile, PathsInsideTheFileAreNeverOpened) {
  // A file naming other files: loading it reads exactly this file (read_file + parse, no other
  // I/O: parse() works on bytes only) and gives the names back as plain strings.
  const fs::path missing = fs::temp_directory_path() / "mlp-no-such-dir" / "weights.bin";
  Container c;
  c.metadata["external_data"] = missing.string();
  c.tensors.push_back(TensorData{"../../../etc/passwd", "F32", {1}, f32_bytes({7})});
  c.tensors.push_back(TensorData{missing.string(), "F32", {0}, {}});
  const Container back = parse(serialize(c), "model.mlp");
  EXPECT_EQ(back, c);
  EXPECT_FALSE(fs::exists(missing.parent_path()));
}

}  // namespace
}  // namespace mlp::io
