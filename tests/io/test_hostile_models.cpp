// Model files crafted to crash or exhaust the reader (RELIABILITY M3, M4, H1): metadata JSON
// nested 50 000 deep, headers whose name lists do not fit the network, duplicate names or keys,
// an unknown task, and paths that are not regular files (a FIFO without a writer, /dev/zero, a
// huge sparse file). Every load runs in a child process with capped memory and time
// (tests/support/bounded.hpp), so a regression fails here instead of crashing the test binary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/io/model.hpp"
#include "support/bounded.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;
using test::bounded;

Model regressor3() {
  Network<float> net(ModelBuilder(2).hidden(4, Activation::relu).output(3, Activation::identity)
                         .loss(Loss::mse).seed(5).build());
  Preprocessing pre;
  pre.task = data::Task::regression;
  pre.feature_names = {"x1", "x2"};
  pre.target_names = {"a", "b", "c"};
  return Model(std::move(net), std::move(pre), {{"note", "fixture"}});
}

Model classifier3() {
  Network<float> net(ModelBuilder(2).hidden(4, Activation::tanh).output(3, Activation::softmax)
                         .loss(Loss::cross_entropy).seed(6).build());
  Preprocessing pre;
  pre.task = data::Task::classification;
  pre.feature_names = {"x1", "x2"};
  pre.target_names = {"species"};
  pre.class_names = {"p", "q", "r"};
  return Model(std::move(net), std::move(pre));
}

Model binary_classifier() {
  Network<float> net(ModelBuilder(2).output(1, Activation::sigmoid)
                         .loss(Loss::binary_cross_entropy).seed(7).build());
  Preprocessing pre;
  pre.task = data::Task::classification;
  pre.feature_names = {"x1", "x2"};
  pre.target_names = {"label"};
  pre.class_names = {"no", "yes"};
  return Model(std::move(net), std::move(pre));
}

/// `model`'s container with its mlp.preprocessing JSON edited by `edit`.
io::Container with_preprocessing(const Model& model, const std::function<void(nlohmann::json&)>& edit) {
  io::Container c = model.to_container();
  auto j = nlohmann::json::parse(c.metadata.at("mlp.preprocessing"));
  edit(j);
  c.metadata["mlp.preprocessing"] = j.dump();
  return c;
}

class HostileModelFile : public ::testing::Test {
 protected:
  test::TempDir dir{"mlp-hostile-model"};

  /// Writes `c` as a complete, correctly checksummed model file; returns its path.
  fs::path write(const io::Container& c, const std::string& name = "model.mlp") const {
    const fs::path path = dir.path / name;
    io::save(path, c);
    return path;
  }
  /// How Model::load(path) ends, run in a bounded child process.
  static std::string load(const fs::path& path, int seconds = 20) {
    return bounded([&] { (void)Model::load(path); }, seconds);
  }
  /// How loading `c` from a file ends.
  std::string load(const io::Container& c) const { return load(write(c)); }
};

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "expected '" << (part) << "' in: " << (text)

TEST_F(HostileModelFile, DeeplyNestedMetadataIsADataErrorNamingTheFileAndKey) {
  const std::string arrays = std::string(50000, '[') + std::string(50000, ']');
  const std::string objects = [] {
    std::string text;
    for (int i = 0; i < 50000; ++i) text += "{\"a\":";
    return text + "1" + std::string(50000, '}');
  }();
  for (const char* key : {"mlp.model", "mlp.preprocessing", "mlp.info"}) {
    for (const std::string* nested : {&arrays, &objects}) {
      io::Container c = regressor3().to_container();
      c.metadata[key] = *nested;
      const fs::path path = write(c);
      const std::string outcome = load(path);
      EXPECT_EQ(outcome.rfind("DataError: " + path.string() + ": metadata " + key + ": ", 0), 0u)
          << key << ": " << outcome.substr(0, 300);
      EXPECT_CONTAINS(outcome, "JSON nests deeper than 64 levels at byte ");
    }
  }
}

TEST_F(HostileModelFile, NestingUpToTheLimitLoads) {
  // mlp.info is an object (level 1) of values: 63 more levels are allowed, 64 are not.
  io::Container c = regressor3().to_container();
  c.metadata["mlp.info"] = "{\"deep\":" + std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_EQ(load(c), "ok");
  c.metadata["mlp.info"] = "{\"deep\":" + std::string(64, '[') + std::string(64, ']') + "}";
  EXPECT_CONTAINS(load(c), "metadata mlp.info: JSON nests deeper than 64 levels at byte 71");
}

TEST_F(HostileModelFile, NameCountsMustFitTheNetwork) {
  struct Case {
    io::Container c;
    std::string expected;
  };
  const std::vector<Case> cases = {
      // A regression model with fewer (more) target names than outputs: predict --json would
      // index past the names, the CSV header would have fewer columns than the rows.
      {with_preprocessing(regressor3(), [](auto& j) { j["target_names"] = {"y"}; }),
       "target_names has 1 names for 3 outputs"},
      {with_preprocessing(regressor3(), [](auto& j) { j["target_names"] = {"a", "b", "c", "d"}; }),
       "target_names has 4 names for 3 outputs"},
      {with_preprocessing(regressor3(), [](auto& j) { j["feature_names"] = {"x1"}; }),
       "feature_names has 1 names for 2 inputs"},
      {with_preprocessing(classifier3(), [](auto& j) { j["class_names"] = {"p", "q"}; }),
       "2 class labels for an output layer of 3 units"},
      {with_preprocessing(classifier3(), [](auto& j) { j["class_names"] = {"p", "q", "r", "s"}; }),
       "4 class labels for an output layer of 3 units"},
      // One sigmoid unit predicts P(class 1): it needs exactly two classes.
      {with_preprocessing(binary_classifier(), [](auto& j) { j["class_names"] = {"yes"}; }),
       "1 class labels for an output layer of 1 units (class_names needs 2)"},
      {with_preprocessing(classifier3(), [](auto& j) { j["target_names"] = {"s", "t"}; }),
       "a classifier has one target column, but target_names has 2"},
  };
  for (const auto& [c, expected] : cases) {
    const fs::path path = write(c);
    const std::string outcome = load(path);
    EXPECT_EQ(outcome.rfind("DataError: " + path.string() + ": ", 0), 0u) << outcome;
    EXPECT_CONTAINS(outcome, expected);
  }
  // Unnamed (empty lists) is allowed: a model built in memory without names round-trips.
  EXPECT_EQ(load(with_preprocessing(regressor3(), [](auto& j) {
              j["feature_names"] = nlohmann::json::array();
              j["target_names"] = nlohmann::json::array();
            })),
            "ok");
  // The same rules hold for a model built in memory.
  Preprocessing short_names = regressor3().preprocessing();
  short_names.target_names = {"y"};
  EXPECT_THROW(Model(regressor3().network(), short_names), ShapeError);
}

TEST_F(HostileModelFile, DuplicateNamesAreRefused) {
  const std::string features =
      load(with_preprocessing(regressor3(), [](auto& j) { j["feature_names"] = {"x1", "x1"}; }));
  EXPECT_CONTAINS(features, "DataError: ");
  EXPECT_CONTAINS(features, "feature_names lists 'x1' twice (entries 1 and 2)");
  const std::string targets =
      load(with_preprocessing(regressor3(), [](auto& j) { j["target_names"] = {"a", "b", "a"}; }));
  EXPECT_CONTAINS(targets, "target_names lists 'a' twice (entries 1 and 3)");
  const std::string classes =
      load(with_preprocessing(classifier3(), [](auto& j) { j["class_names"] = {"p", "q", "q"}; }));
  EXPECT_CONTAINS(classes, "DataError: ");
  EXPECT_CONTAINS(classes, "class_names lists 'q' twice (entries 2 and 3)");
  // A key given twice in the metadata JSON (nlohmann would keep one of the values).
  io::Container c = classifier3().to_container();
  std::string text = c.metadata["mlp.preprocessing"];
  text.insert(1, "\"task\":\"regression\",");
  c.metadata["mlp.preprocessing"] = text;
  EXPECT_CONTAINS(load(c), "metadata mlp.preprocessing: duplicate key 'task'");
}

TEST_F(HostileModelFile, UnknownTaskIsRefused) {
  const fs::path path =
      write(with_preprocessing(classifier3(), [](auto& j) { j["task"] = "clasification"; }));
  EXPECT_EQ(load(path), "DataError: " + path.string() + ": metadata mlp.preprocessing: task is "
                            "\"clasification\", expected \"classification\" or \"regression\"");
  const std::string number = load(with_preprocessing(regressor3(), [](auto& j) { j["task"] = 1; }));
  EXPECT_CONTAINS(number, "DataError: ");
  EXPECT_CONTAINS(number, "metadata mlp.preprocessing");
  const std::string array = load(with_preprocessing(regressor3(), [](auto& j) { j = nlohmann::json::array(); }));
  EXPECT_CONTAINS(array, "metadata mlp.preprocessing: expected a JSON object, found array");
}

TEST_F(HostileModelFile, AnArchitectureFarLargerThanItsTensorsIsRefusedBeforeAllocating) {
  // mlp.model says 30000 inputs -> 30000 units (3.6 GB of float parameters) in a file of a few
  // hundred bytes: refused from the sizes, without building the network.
  io::Container c = regressor3().to_container();
  ModelSpec spec = ModelSpec::from_json(c.metadata.at("mlp.model"));
  spec.inputs = 30000;
  spec.layers[0].units = 30000;
  c.metadata["mlp.model"] = spec.to_json();
  const fs::path path = write(c);
  EXPECT_EQ(load(path, 10), "DataError: " + path.string() + ": metadata mlp.model declares " +
                                "900120003 parameters, but the file's tensors hold 27 values");
}

TEST_F(HostileModelFile, PathsThatAreNotRegularFilesAreRefusedAtOnce) {
  // A FIFO without a writer: an ordinary open() would wait for one forever.
  const fs::path fifo = dir.path / "fifo.mlp";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(load(fifo, 10).rfind("InputError: " + fifo.string() + ": not a regular file (a FIFO); "
                                 "a model file must be a regular file",
                                 0),
            0u)
      << load(fifo, 10);
  // /dev/zero: endless bytes, no size.
  if (fs::exists("/dev/zero")) {
    EXPECT_EQ(load("/dev/zero", 10).rfind("InputError: /dev/zero: not a regular file (a character device)", 0), 0u)
        << load("/dev/zero", 10);
  }
  EXPECT_EQ(load(dir.path, 10), "InputError: " + dir.path.string() + ": Is a directory");
}

TEST_F(HostileModelFile, AHugeSparseFileIsRefusedFromItsHeaderWithoutBeingRead) {
  // A valid model followed by 8 GiB of holes: the header declares the data section, so the
  // size is wrong before a byte of data is read (the child may allocate at most 2 GiB).
  const fs::path path = write(regressor3().to_container());
  const auto size = fs::file_size(path);
  const std::uint64_t huge = std::uint64_t{8} << 30;
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(huge)), 0);
  const std::string outcome = load(path, 10);
  EXPECT_EQ(outcome.rfind("DataError: " + path.string() + ": " + std::to_string(huge - size) +
                              " unexpected bytes after the last tensor",
                          0),
            0u)
      << outcome;
  // Sparse from byte 0 (all zeros): not a model file, from its first bytes.
  const fs::path zeros = dir.path / "zeros.mlp";
  { const int fd = ::open(zeros.c_str(), O_WRONLY | O_CREAT, 0600); ASSERT_GE(fd, 0); ::close(fd); }
  ASSERT_EQ(::truncate(zeros.c_str(), static_cast<off_t>(huge)), 0);
  EXPECT_CONTAINS(load(zeros, 10), "not an mlp model file");
}

}  // namespace
}  // namespace mlp
