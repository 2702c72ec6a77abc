// CSV reader and loader: RELIABILITY rows C1-C11, C13.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <clocale>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "helpers.hpp"
#include "mlp/data/csv.hpp"

namespace mlp::data {
namespace {

using test::error_of;
namespace fs = std::filesystem;

Dataset parse(std::string_view text, CsvOptions o = {}) { return parse_csv(text, "t.csv", o); }

std::string data_error(std::string_view text, CsvOptions o = {}) {
  return error_of<DataError>([&] { (void)parse(text, o); });
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mlp-data-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path write(const std::string& name, std::string_view bytes) const {
    std::ofstream(path / name, std::ios::binary) << bytes;
    return path / name;
  }
};

TEST(Csv, ReadsNumbersAndShape) {
  const auto d = parse("a,b,y\n1,2.5,3\n-4,5e-1,1E2\n");
  EXPECT_EQ(d.task, Task::regression);
  ASSERT_EQ(d.size(), 2);
  ASSERT_EQ(d.n_features(), 2);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"y"}));
  EXPECT_FLOAT_EQ(d.X(0, 0), 1.0f);
  EXPECT_FLOAT_EQ(d.X(1, 0), 2.5f);
  EXPECT_FLOAT_EQ(d.X(0, 1), -4.0f);
  EXPECT_FLOAT_EQ(d.X(1, 1), 0.5f);
  EXPECT_FLOAT_EQ(d.Y(0, 1), 100.0f);
}

// C1
TEST(Csv, RaggedRowsNameLineAndCounts) {
  const std::string text = "a,b,c,d,y\n1,2,3,4,5\n1,2,3,4\n";
  EXPECT_EQ(data_error(text), "t.csv:3: error: expected 5 fields, found 4");
  EXPECT_NE(data_error("a,b,y\n1,2,3,4\n").find("t.csv:2: error: expected 3 fields, found 4"),
            std::string::npos);
  // Physical lines: a quoted newline moves the line count on.
  EXPECT_NE(data_error("a,y\n1,\"x\ny\"\n1\n").find("t.csv:4: error: expected 2 fields, found 1"), std::string::npos);
}

// C2
TEST(Csv, NonNumericNamesLineColumnAndName) {
  for (const std::string bad : {"abc", "\"1,5\"", "1e", "--3", "0x10", " 7 ", "1.5.2", "+-1"}) {
    const auto msg = data_error("x1,x2,y\n1,2,3\n4," + bad + ",6\n");
    EXPECT_NE(msg.find("t.csv:3:3: error: column 2 'x2': expected a number"), std::string::npos)
        << bad << " -> " << msg;
  }
  EXPECT_FLOAT_EQ(parse("x,y\n+1.5,2\n").X(0, 0), 1.5f);
  // Denormals and the extremes of double read back exactly.
  for (const double v : {4.9406564584124654e-324, 2.2250738585072009e-308, 1.7976931348623157e308,
                         -0.0}) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    const auto p = parse_number(buf);
    ASSERT_EQ(p.status, ParsedNumber::Status::ok) << buf;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(p.value), std::bit_cast<std::uint64_t>(v)) << buf;
  }
}

TEST(Csv, LocaleIndependent) {
  const char* old = std::setlocale(LC_ALL, nullptr);
  const std::string saved = old ? old : "C";
  if (std::setlocale(LC_ALL, "de_DE.UTF-8") == nullptr) GTEST_SKIP() << "de_DE.UTF-8 missing";
  const auto d = parse("x,y\n1.25,2\n");
  EXPECT_FLOAT_EQ(d.X(0, 0), 1.25f);
  EXPECT_THROW(parse("x,y\n\"1,25\",2\n"), DataError);
  std::setlocale(LC_ALL, saved.c_str());
}

RC_GTEST_PROP(CsvProperty, DoublePrintedWith17DigitsParsesBackExactly, ()) {
  // Every exponent equally likely (0x7ff, inf/nan, excluded), any sign and mantissa.
  const auto sign = *rc::gen::inRange<std::uint64_t>(0, 2);
  const auto exponent = *rc::gen::inRange<std::uint64_t>(0, 0x7ff);
  const auto mantissa = *rc::gen::inRange<std::uint64_t>(0, std::uint64_t{1} << 52);
  const std::uint64_t bits = (sign << 63) | (exponent << 52) | mantissa;
  const double v = std::bit_cast<double>(bits);
  RC_PRE(std::isfinite(v));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  const auto p = parse_number(buf);
  RC_ASSERT(p.status == ParsedNumber::Status::ok);
  RC_ASSERT(std::bit_cast<std::uint64_t>(p.value) == bits);
}

// C3
TEST(Csv, NoDataRows) {
  EXPECT_NE(data_error("").find("no data rows"), std::string::npos);
  EXPECT_NE(data_error("a,b\n").find("no data rows"), std::string::npos);
  EXPECT_NE(data_error("\n\n\r\n\n").find("no data rows"), std::string::npos);
  EXPECT_NE(data_error("a,b\n\n\n").find("no data rows"), std::string::npos);
}

// C4
TEST(Csv, HugeValuesAreErrors) {
  EXPECT_NE(data_error("x,y\n1e400,1\n").find("out of range"), std::string::npos);
  EXPECT_NE(data_error("x,y\n-1e400,1\n").find("out of range"), std::string::npos);
  EXPECT_NE(data_error("x,y\n" + std::string(500, '9') + ",1\n").find("out of range"),
            std::string::npos);
  EXPECT_NE(data_error("x,y\n" + std::string(45, '9') + ",1\n").find("does not fit in float32"),
            std::string::npos);
  EXPECT_NE(data_error("x,y\n1e39,1\n").find("t.csv:2:1: error: column 1 'x': value '1e39' does "
                                            "not fit in float32"),
            std::string::npos);
  EXPECT_NE(data_error("x,y\n1,-1e39\n").find("column 2 'y'"), std::string::npos);
  EXPECT_FLOAT_EQ(parse("x,y\n3.4e38,1\n").X(0, 0), 3.4e38f);
}

// C5
TEST(Csv, MissingValuesRejectedOrDropped) {
  for (const std::string bad : {"nan", "NaN", "inf", "-Infinity", ""}) {
    const std::string text = "x,y\n1,2\n" + bad + ",3\n4,5\n";
    const auto msg = data_error(text);
    EXPECT_NE(msg.find("t.csv:3:1: error: column 1 'x': missing value"), std::string::npos)
        << msg;
    CsvOptions o;
    o.missing = CsvOptions::Missing::drop_row;
    const auto d = parse(text, o);
    ASSERT_EQ(d.size(), 2) << bad;
    EXPECT_FLOAT_EQ(d.X(0, 1), 4.0f);
  }
  CsvOptions o;
  o.missing = CsvOptions::Missing::drop_row;
  // Dropping never hides text that is not a number, nor a missing target.
  EXPECT_THROW(parse("x,z,y\n,abc,1\n1,2,3\n", o), DataError);
  EXPECT_EQ(parse("x,y\n1,\n2,nan\n3,4\n", o).size(), 1);
  EXPECT_NE(error_of<DataError>([&] { (void)parse("x,y\nnan,1\n,2\n", o); })
                .find("no data rows (only the header; 2 rows dropped for missing values)"),
            std::string::npos);
}

// C5, data.missing = "mean": the reader leaves NaN for imputation after the split.
TEST(Csv, MissingFeaturesKeptAsNanForImputation) {
  CsvOptions o;
  o.missing = CsvOptions::Missing::keep_nan;
  for (const std::string bad : {"nan", "NaN", "inf", "-Infinity", ""}) {
    const auto d = parse("x,z,y\n1,2,3\n" + bad + ",5,6\n", o);
    ASSERT_EQ(d.size(), 2) << bad;
    EXPECT_TRUE(std::isnan(d.X(0, 1))) << bad;
    EXPECT_FLOAT_EQ(d.X(1, 1), 5.0f);
  }
  // Text is still an error, and so is a missing target (nothing to fill it with).
  EXPECT_THROW(parse("x,y\nabc,1\n", o), DataError);
  const auto msg = error_of<DataError>([&] { (void)parse("x,y\n1,2\n3,\n", o); });
  EXPECT_NE(msg.find("t.csv:3:3: error: column 2 'y': missing target value (empty field); "
                     "missing = mean fills in features only"), std::string::npos) << msg;
}

// C6
TEST(Csv, ByteOrderMarkIsStripped) {
  CsvOptions o;
  o.targets = {"feature1"};
  const auto d = parse("\xEF\xBB\xBF" "feature1,x\n1,2\n", o);
  EXPECT_EQ(d.target_names[0], "feature1");
  // Fed one byte at a time, the BOM is still recognised.
  std::vector<std::vector<std::string>> rows;
  CsvReader r("t.csv", [&](const CsvRecord& rec) {
    rows.emplace_back();
    for (auto& f : rec.fields) rows.back().emplace_back(f.text);
  });
  for (const char c : std::string("\xEF\xBB\xBF" "a,b\n")) r.feed(std::string_view(&c, 1));
  r.finish();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "a");
  // A lone EF is data, not swallowed.
  EXPECT_EQ(read_csv_records("\xEF" "a\n")[0][0], "\xEF" "a");
}

// C7
TEST(Csv, LineEndings) {
  const auto crlf = read_csv_records("a,b\r\n1,2\r\n3,4");
  ASSERT_EQ(crlf.size(), 3u);
  EXPECT_EQ(crlf[1][1], "2");
  EXPECT_EQ(crlf[2][1], "4");  // last line without newline
  const auto mixed = read_csv_records("a,b\r\n1,2\n3,4\r\n\n\n");
  ASSERT_EQ(mixed.size(), 3u);  // trailing blank lines ignored
  for (const auto& row : mixed)
    for (const auto& f : row) EXPECT_EQ(f.find('\r'), std::string::npos);
  EXPECT_NE(data_error("a,b\r1,2\r").find("t.csv:1:4: error: carriage return"),
            std::string::npos);
  EXPECT_NE(data_error("a,y\n1,2\r").find("carriage return"), std::string::npos);
  const auto d = parse("x,y\r\n1,2\r\n3,4\r\n");
  EXPECT_EQ(d.size(), 2);
  EXPECT_FLOAT_EQ(d.Y(0, 1), 4.0f);
}

TEST(Csv, GoldenCrlfFileMatchesLf) {
  const std::string dir = std::string(MLP_TEST_DATA_DIR) + "/data/";
  const auto lf = load_csv(dir + "small_lf.csv");
  const auto crlf = load_csv(dir + "small_crlf.csv");
  EXPECT_EQ(lf.X, crlf.X);
  EXPECT_EQ(lf.class_names, crlf.class_names);
  EXPECT_EQ(lf.labels, crlf.labels);
  EXPECT_EQ(lf.size(), 4);
}

// C8
TEST(Csv, QuotedFields) {
  const auto r = read_csv_records("a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\n\"\",,\"\"\n");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1][0], "x,y");
  EXPECT_EQ(r[1][1], "say \"hi\"");
  EXPECT_EQ(r[1][2], "two\nlines");
  EXPECT_EQ(r[2], (std::vector<std::string>{"", "", ""}));
  EXPECT_NE(data_error("a,b\n1,2\n3,\"open\nmore\n").find("t.csv:3:3: error: unterminated quoted"),
            std::string::npos);
  EXPECT_NE(data_error("a,b\n1,x\"y\n").find("t.csv:2:4: error: quote character inside"),
            std::string::npos);
  EXPECT_NE(data_error("a,b\n\"1\"x,2\n").find("after the closing quote"), std::string::npos);
  const auto d = parse("\"x, first\",y\n\"1.5\",\"a,b\"\n2,c\n");
  EXPECT_EQ(d.feature_names[0], "x, first");
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"a,b", "c"}));
}

RC_GTEST_PROP(CsvProperty, WriteThenReadRoundTrips, ()) {
  const auto rows = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::vector<std::string>>>(
      rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(rc::gen::container<std::string>(
          rc::gen::element<char>('a', 'z', ',', '"', '\n', ' ', '1', '.', 'e', '\xc3', '\xa9'))))));
  std::string text;
  for (const auto& row : rows) text += csv_row(row);
  // Lone CRs are not part of this alphabet; CRLF inside quotes reads back as LF.
  const auto back = read_csv_records(text);
  RC_ASSERT(back == rows);
}

// C9
TEST(Csv, HeaderProblems) {
  const auto dup = data_error("a,b,a\n1,2,3\n");
  EXPECT_NE(dup.find("t.csv:1:5: error: duplicate column name 'a' (columns 1 and 3)"),
            std::string::npos)
      << dup;
  CsvOptions o;
  o.targets = {"specie"};
  const auto msg = error_of<ConfigError>(
      [&] { (void)parse("sepal,species\n1,a\n", o); });
  EXPECT_NE(msg.find("target column 'specie' is not in the header (did you mean 'species'?)"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("available columns: sepal, species"), std::string::npos);
  CsvOptions d;
  d.drop = {"nope"};
  EXPECT_NE(error_of<ConfigError>([&] { (void)parse("a,b\n1,2\n", d); }).find("drop column 'nope'"),
            std::string::npos);
  EXPECT_NE(data_error("a,,y\n1,2,3\n").find("column 2 has an empty name"), std::string::npos);
  CsvOptions both;
  both.targets = {"y"};
  both.drop = {"y"};
  EXPECT_THROW(parse("a,y\n1,2\n", both), ConfigError);
}

TEST(Csv, DropAndMultipleTargets) {
  CsvOptions o;
  o.targets = {"t1", "t2"};
  o.drop = {"junk"};
  const auto d = parse("t1,a,junk,b,t2\n1,2,zzz,3,4\n", o);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.Y.rows(), 2);
  EXPECT_FLOAT_EQ(d.Y(1, 0), 4.0f);
  EXPECT_FLOAT_EQ(d.X(1, 0), 3.0f);
}

// Several targets are a multi-target regression: each column its own row of Y, in the order
// listed; whatever would make them class labels is a ConfigError saying to name one column,
// and a bad cell in the second target is a DataError at its line and column.
TEST(Csv, SeveralTargetsAreRegressionOrAClearError) {
  CsvOptions two;
  two.targets = {"b", "a"};
  const auto d = parse("x,a,b\n1,10,-1.5\n2,20,-2.5\n", two);
  EXPECT_EQ(d.task, Task::regression);
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"b", "a"}));
  EXPECT_FLOAT_EQ(d.Y(0, 1), -2.5f);
  EXPECT_FLOAT_EQ(d.Y(1, 1), 20.0f);
  // A classifier's loss or output (numeric_task) with two numeric targets.
  CsvOptions classifier = two;
  classifier.numeric_task = Task::classification;
  std::string msg = error_of<ConfigError>([&] { (void)parse("x,a,b\n1,1,0\n2,0,1\n", classifier); });
  EXPECT_NE(msg.find("t.csv: error: the model is a classifier"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2 target columns"), std::string::npos) << msg;
  // data.task = classification, and two text targets.
  CsvOptions task = two;
  task.task = Task::classification;
  msg = error_of<ConfigError>([&] { (void)parse("x,a,b\n1,1,0\n", task); });
  EXPECT_NE(msg.find("classification needs exactly one target column, got 2; name one"),
            std::string::npos) << msg;
  msg = error_of<ConfigError>([&] { (void)parse("x,a,b\n1,u,v\n2,w,v\n", two); });
  EXPECT_NE(msg.find("need exactly one target column, got 2; name one target column"),
            std::string::npos) << msg;
  // A text cell in the second target (a numeric column).
  msg = data_error("x,a,b\n1,10,-1.5\n2,20,oops\n", two);
  EXPECT_NE(msg.find("t.csv:3:6: error: column 3 'b'"), std::string::npos) << msg;
  // A target named twice, or not in the file (the available columns listed).
  CsvOptions twice;
  twice.targets = {"a", "a"};
  EXPECT_THROW((void)parse("x,a\n1,2\n", twice), ConfigError);
  CsvOptions missing;
  missing.targets = {"a", "c"};
  msg = error_of<ConfigError>([&] { (void)parse("x,a,b\n1,2,3\n", missing); });
  EXPECT_NE(msg.find("t.csv: error: target column 'c' is not in the header"), std::string::npos) << msg;
  EXPECT_NE(msg.find("available columns: x, a, b"), std::string::npos) << msg;
}

// C10
TEST(Csv, ClassLabelsSortedAndUnseenRejected) {
  const auto d = parse("x,y\n1,zeta\n2,alpha\n3,mid\n4,alpha\n");
  EXPECT_EQ(d.task, Task::classification);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"alpha", "mid", "zeta"}));
  EXPECT_EQ(d.labels, (std::vector<std::int32_t>{2, 0, 1, 0}));
  // Numeric labels: ascending numeric order, not text order.
  CsvOptions c;
  c.task = Task::classification;
  const auto n = parse("x,y\n1,10\n2,9\n3,1.0\n4,1\n", c);
  EXPECT_EQ(n.class_names, (std::vector<std::string>{"1", "9", "10"}));
  EXPECT_EQ(n.labels, (std::vector<std::int32_t>{2, 1, 0, 0}));
  // Mixed numbers and text without an explicit task is an error, not a guess.
  EXPECT_NE(data_error("x,y\n1,2\n2,abc\n").find("t.csv:3:3: error: column 2 'y': the target "
                                                 "mixes numbers"),
            std::string::npos);
  // Prediction input: the model's classes; unseen label named.
  CsvSchema s{Task::classification, {"x"}, {"y"}, {"alpha", "mid", "zeta"}};
  const auto p = parse_csv("y,x,extra\nmid,1,q\nzeta,2,r\n", "p.csv", s);
  EXPECT_EQ(p.labels, (std::vector<std::int32_t>{1, 2}));
  EXPECT_FLOAT_EQ(p.X(0, 1), 2.0f);
  const auto msg = error_of<DataError>([&] { (void)parse_csv("x,y\n1,omega\n", "p.csv", s); });
  EXPECT_NE(msg.find("p.csv:2:3: error: column 2 'y': class label 'omega' was not seen in "
                     "training; known classes: alpha, mid, zeta"),
            std::string::npos)
      << msg;
  const auto no_target = parse_csv("x\n1\n2\n", "p.csv", s);
  EXPECT_FALSE(no_target.has_targets());
  EXPECT_EQ(no_target.size(), 2);
  EXPECT_NE(error_of<DataError>([&] { (void)parse_csv("z,y\n1,a\n", "p.csv", s); })
                .find("missing feature column(s) the model was trained on: x"),
            std::string::npos);
  CsvSchema digits{Task::classification, {"x"}, {"y"}, {"0", "1", "2"}};
  EXPECT_EQ(parse_csv("x,y\n1,2.0\n", "p.csv", digits).labels[0], 2);
}

// C11
TEST(Csv, BoundedMemoryAndBinaryInput) {
  CsvOptions o;
  o.max_field_bytes = 1000;
  o.max_record_bytes = 5000;
  EXPECT_NE(data_error("a,y\n" + std::string(2000, '1') + ",1\n", o).find("longer than the limit of 1000"),
            std::string::npos);
  std::string commas(6000, ',');
  EXPECT_NE(data_error("a,y\n" + commas, o).find("t.csv:2: error: record is longer"),
            std::string::npos);
  EXPECT_NE(data_error(std::string("a,y\n1,\0\n", 8)).find("NUL byte"), std::string::npos);
  EXPECT_NE(data_error("x,y\n1,\xff\xfe\n").find("not valid UTF-8"), std::string::npos);
  EXPECT_NE(data_error("x,\xc0\xaf\n1,2\n").find("not valid UTF-8"), std::string::npos);
}

TEST(Csv, VeryLongLineFromFileIsStoppedEarly) {
  // A 100 MB line without a newline: the reader stops at the 1 MiB default limit.
  TempDir dir;
  const auto path = dir.path / "long.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "a,b\n";
    const std::string block(1 << 20, 'x');
    for (int i = 0; i < 100; ++i) out << block;
  }
  const auto msg = error_of<DataError>([&] { (void)load_csv(path); });
  EXPECT_NE(msg.find(":2: error: record is longer than the limit of 1048576 bytes"),
            std::string::npos)
      << msg;
}

// C13 (library part)
TEST(Csv, UnreadableInputs) {
  TempDir dir;
  const auto missing = (dir.path / "nope.csv").string();
  EXPECT_EQ(error_of<InputError>([&] { (void)load_csv(missing); }),
            missing + ": No such file or directory");
  EXPECT_EQ(error_of<InputError>([&] { (void)load_csv(dir.path); }),
            dir.path.string() + ": Is a directory");
  if (::geteuid() != 0) {
    const auto p = dir.write("secret.csv", "a,b\n1,2\n");
    fs::permissions(p, fs::perms::none);
    EXPECT_EQ(error_of<InputError>([&] { (void)load_csv(p); }), p.string() + ": Permission denied");
  }
  // A FIFO is read as a stream.
  const auto fifo = dir.path / "fifo.csv";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo) << "a,b\n1,2\n3,4\n"; });
  const auto d = load_csv(fifo);
  writer.join();
  EXPECT_EQ(d.size(), 2);
}

TEST(Csv, ChunkBoundariesDoNotMatter) {
  const std::string text = "\xEF\xBB\xBF" "a,\"b\"\"c\",y\r\n1,\"2\",\"x\r\ny\"\r\n3,4,z\n";
  const auto whole = read_csv_records(text);
  for (std::size_t split = 0; split <= text.size(); ++split) {
    std::vector<std::vector<std::string>> rows;
    CsvReader r("t.csv", [&](const CsvRecord& rec) {
      rows.emplace_back();
      for (auto& f : rec.fields) rows.back().emplace_back(f.text);
    });
    r.feed(std::string_view(text).substr(0, split));
    r.feed(std::string_view(text).substr(split));
    r.finish();
    EXPECT_EQ(rows, whole) << split;
  }
}

}  // namespace
}  // namespace mlp::data

namespace mlp::data {
namespace {

std::string rows_with_targets(std::initializer_list<const char*> targets) {
  std::string text = "x,y\n";
  int i = 0;
  for (const char* t : targets) text += std::to_string(i++) + "," + t + "\n";
  return text;
}

TEST(CsvTask, FewDistinctIntegersAreClassLabels) {
  // wine-like 1/2/3 labels, each class seen twice: classification, said in task_decision.
  const auto d = parse_csv(rows_with_targets({"1", "2", "3", "1", "2", "3"}), "t.csv");
  EXPECT_EQ(d.task, Task::classification);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_NE(d.task_decision.find("3 distinct integers (1 … 3)"), std::string::npos) << d.task_decision;
  EXPECT_NE(d.task_decision.find("data.task = \"regression\""), std::string::npos);
  // Integers written as 2.0 are integers too.
  EXPECT_EQ(parse_csv(rows_with_targets({"0", "1.0", "0", "1"}), "t.csv").task, Task::classification);
}

TEST(CsvTask, FloatsManyIntegersOrAnOverrideStayRegression) {
  const auto floats = parse_csv(rows_with_targets({"1", "2.5", "1", "2"}), "t.csv");
  EXPECT_EQ(floats.task, Task::regression);
  EXPECT_TRUE(floats.task_decision.empty());
  // As many distinct values as half the rows or more: counts, not classes.
  EXPECT_EQ(parse_csv(rows_with_targets({"1", "2", "3", "4"}), "t.csv").task, Task::regression);
  std::string many = "x,y\n";
  for (int i = 0; i < 200; ++i) many += std::to_string(i) + "," + std::to_string(i % 25) + "\n";
  EXPECT_EQ(parse_csv(many, "t.csv").task, Task::regression);  // 25 > kMaxIntegerClasses
  CsvOptions o;
  o.task = Task::regression;
  EXPECT_EQ(parse_csv(rows_with_targets({"1", "2", "1", "2"}), "t.csv", o).task, Task::regression);
  // Two target columns are never class labels.
  CsvOptions two;
  two.targets = {"a", "b"};
  EXPECT_EQ(parse_csv("x,a,b\n1,1,0\n2,0,1\n3,1,0\n4,0,1\n", "t.csv", two).task, Task::regression);
}

// A feature column holding text: the message names the column and its line:col, and says how
// to make the file readable (features are numbers; text is not read as a category).
TEST(Csv, TextInAFeatureColumnSaysHowToFixIt) {
  const auto msg = data_error("a,colour,y\n1,red,0\n2,blue,1\n");
  EXPECT_NE(msg.find("t.csv:2:3: error: column 2 'colour': expected a number, found 'red'; feature "
                     "columns must hold numbers and text is not read as a category: encode "
                     "'colour' as numbers"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("data.drop = [\"colour\"]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data.target = \"colour\""), std::string::npos) << msg;
  // Input for a trained model (a schema): the column is one of the model's numeric features.
  CsvSchema schema;
  schema.feature_names = {"colour", "a"};
  const auto with_schema = error_of<DataError>(
      [&] { (void)parse_csv("a,colour\n1,2\n3,red\n", "in.csv", schema); });
  EXPECT_NE(with_schema.find("in.csv:3:3: error: column 2 'colour': expected a number, found "
                             "'red'; 'colour' is a numeric feature (numbers in the training "
                             "data), so it must hold numbers here too"),
            std::string::npos)
      << with_schema;
  // A regression target holding text keeps the plain message (no feature advice).
  const auto target = data_error("a,y\n1,abc\n", [] {
    CsvOptions o;
    o.task = Task::regression;
    return o;
  }());
  EXPECT_NE(target.find("column 2 'y': expected a number, found 'abc'"), std::string::npos) << target;
  EXPECT_EQ(target.find("feature"), std::string::npos) << target;
}

}  // namespace
}  // namespace mlp::data
