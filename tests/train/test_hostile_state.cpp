// JSON read back by training and diagnosis, crafted to crash or mislead the reader (RELIABILITY
// H1): metrics.jsonl lines and checkpoint state nested far deeper than mlp writes, and keys
// given twice. Parsing runs in a child process with capped memory and time
// (tests/support/bounded.hpp), so a stack overflow fails the test instead of the test binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/io/safetensors.hpp"
#include "mlp/train/checkpoint.hpp"
#include "mlp/train/metrics_log.hpp"
#include "support/bounded.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;
using test::bounded;

const std::string kLine =
    R"({"epoch":1,"learning_rate":0.1,"objective":0.5,"train":{"loss":0.5},"dev":null,)"
    R"("seconds":0.1,"samples_per_second":10,"grad_norms":{},"weight_norms":{}})";

std::string parse_outcome(const std::string& text) {
  return bounded([&] { (void)parse_metrics_jsonl(text, "run/metrics.jsonl"); });
}

TEST(HostileMetricsJsonl, DeepNestingIsADataErrorWithLineAndColumn) {
  const std::string arrays = std::string(500000, '[') + std::string(500000, ']');
  EXPECT_EQ(parse_outcome(kLine + "\n" + arrays + "\n"),
            "DataError: run/metrics.jsonl:2:65: JSON nests deeper than 64 levels");
  std::string objects = R"({"epoch":)";
  for (int i = 0; i < 500000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(500001, '}');
  EXPECT_EQ(parse_outcome(kLine + "\n\n" + objects + "\n"),
            "DataError: run/metrics.jsonl:3:325: JSON nests deeper than 64 levels");
}

TEST(HostileMetricsJsonl, ARepeatedKeyIsRefused) {
  std::string line = kLine;
  line.insert(1, R"("objective":7,)");
  EXPECT_EQ(parse_outcome(line + "\n"), "DataError: run/metrics.jsonl:1: duplicate key 'objective'");
}

TEST(HostileCheckpoint, DeeplyNestedStateIsADataErrorNamingTheFile) {
  const test::TempDir dir("mlp-hostile-ckpt");
  Network<float> net(ModelBuilder(2).output(1, Activation::identity).loss(Loss::mse).seed(3).build());
  Preprocessing pre;
  pre.feature_names = {"x", "y"};
  pre.target_names = {"z"};
  const Model model(std::move(net), std::move(pre));
  const fs::path path = dir.path / "ckpt-000001.mlpck";
  save_checkpoint(path, model, TrainerState{}, {"layers.0.W", "layers.0.b"});
  ASSERT_EQ(bounded([&] { (void)load_checkpoint(path); }), "ok");
  io::Container c = io::load(path);
  c.metadata["mlp.checkpoint"] = std::string(500000, '[') + std::string(500000, ']');
  io::save(path, c);
  EXPECT_EQ(bounded([&] { (void)load_checkpoint(path); }),
            "DataError: " + path.string() + ": metadata mlp.checkpoint: JSON nests deeper than 64 "
            "levels at byte 64");
}

}  // namespace
}  // namespace mlp
