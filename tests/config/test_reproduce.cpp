// The reproducibility manifest of summary.json and config::reproduce_run (`mlp train
// --reproduce`): every field a rerun needs, a rerun that is bit-identical, a changed data file
// refused before training, missing pieces named; and divergence recovery in summary.json and on
// --resume.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "mlp/config/reproduce.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/tensor.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Workspace {
  fs::path dir;
  fs::path config;
  explicit Workspace(const std::string& extra = "") {
    std::string tmpl = (fs::temp_directory_path() / "mlp-reproduce-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    fs::create_directories(dir / "data");
    fs::copy_file(fs::path(MLP_SOURCE_DIR) / "examples/data/iris.csv", dir / "data" / "iris.csv");
    config = dir / "iris.toml";
    std::ofstream(config) << "[data]\ntrain = \"data/iris.csv\"\ntarget = \"species\"\n[model]\nhidden = [6]\n"
                             "[train]\nlearning_rate = 0.01\nbatch_size = 16\nepochs = 4\nseed = 3\nthreads = 1\n"
                          << extra;
  }
  ~Workspace() { fs::remove_all(dir); }
  [[nodiscard]] config::TrainRunOptions options(const std::string& run) const {
    config::TrainRunOptions o;
    o.config = config;
    o.out = dir / "runs" / run;
    return o;
  }
};

TEST(Manifest, SummaryRecordsTheBuildKernelsThreadsSeedDataHashesAndConfig) {
  const Workspace ws;
  (void)config::train_run(ws.options("a"));
  const auto j = nlohmann::json::parse(read_text(ws.dir / "runs" / "a" / "summary.json"));
  ASSERT_TRUE(j.contains("manifest"));
  const auto& m = j["manifest"];
  EXPECT_EQ(m["mlp_version"], MLP_VERSION);
  const std::string commit = m["git_commit"];
  EXPECT_TRUE(commit == "unknown" || std::regex_match(commit, std::regex("[0-9a-f]{40}"))) << commit;
  EXPECT_TRUE(m["git_dirty"].is_boolean() || m["git_dirty"].is_null());
  EXPECT_FALSE(m["compiler"]["id"].get<std::string>().empty());
  EXPECT_FALSE(m["compiler"]["version"].get<std::string>().empty());
  EXPECT_TRUE(m["compiler"]["flags"].is_string());
  EXPECT_TRUE(m["compiler"]["build_type"].is_string());
  EXPECT_EQ(m["gemm"]["backend"], gemm_backend().name);  // "auto" unless MLP_GEMM forces one
  EXPECT_EQ(m["gemm"]["version"], gemm_backend().version);
  EXPECT_EQ(m["gemm"]["simd"], gemm_backend().simd);
  EXPECT_EQ(m["threads"], 1);
  EXPECT_EQ(m["seed"], 3);
  // The data file by its path relative to the run (as config.toml) and its SHA-256.
  EXPECT_EQ(m["data"]["data.train"]["path"], "../../data/iris.csv");
  EXPECT_EQ(m["data"]["data.train"]["sha256"], config::sha256_file(ws.dir / "data" / "iris.csv"));
  EXPECT_EQ(m["data"].size(), 1u);
  // The effective configuration: every key, including the defaults the file left out.
  const std::string cfg = m["config"];
  EXPECT_NE(cfg.find("optimizer = \"adam\""), std::string::npos) << cfg;
  EXPECT_NE(cfg.find("on_divergence = \"stop\""), std::string::npos) << cfg;
  EXPECT_EQ(cfg, read_text(ws.dir / "runs" / "a" / "config.toml"));
}

TEST(Manifest, Sha256OfKnownBytes) {
  const Workspace ws;
  std::ofstream(ws.dir / "abc") << "abc";
  std::ofstream(ws.dir / "empty");
  // FIPS 180-2 test vectors.
  EXPECT_EQ(config::sha256_file(ws.dir / "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(config::sha256_file(ws.dir / "empty"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_THROW((void)config::sha256_file(ws.dir / "missing"), InputError);
}

TEST(Reproduce, ARerunIsBitIdenticalAndGoesToAFreshSibling) {
  const Workspace ws;
  (void)config::train_run(ws.options("a"));
  const fs::path run = ws.dir / "runs" / "a";
  const auto r = config::reproduce_run(run, {});
  EXPECT_TRUE(r.identical);
  EXPECT_EQ(r.max_abs_difference, 0.0);
  EXPECT_TRUE(r.differences.empty()) << r.differences.front();
  EXPECT_EQ(r.training.dir, ws.dir / "runs" / "a-reproduce");
  const auto second = config::reproduce_run(run, {});
  EXPECT_EQ(second.training.dir, ws.dir / "runs" / "a-reproduce-2");  // never over the first
  const auto j = nlohmann::json::parse(r.json());
  EXPECT_EQ(j["identical"], true);
  EXPECT_EQ(j["max_abs_difference"], 0.0);
  EXPECT_TRUE(j["differences"].empty());
}

TEST(Reproduce, AChangedDataFileIsRefusedBeforeTrainingNamingTheFileAndBothHashes) {
  const Workspace ws;
  (void)config::train_run(ws.options("a"));
  const std::string before = config::sha256_file(ws.dir / "data" / "iris.csv");
  std::ofstream(ws.dir / "data" / "iris.csv", std::ios::app) << "5.0,3.0,1.5,0.2,setosa\n";
  const std::string after = config::sha256_file(ws.dir / "data" / "iris.csv");
  try {
    (void)config::reproduce_run(ws.dir / "runs" / "a", {});
    FAIL();
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("iris.csv: data.train changed since the run"), std::string::npos) << msg;
    EXPECT_NE(msg.find(before), std::string::npos) << msg;
    EXPECT_NE(msg.find(after), std::string::npos) << msg;
  }
  EXPECT_FALSE(fs::exists(ws.dir / "runs" / "a-reproduce"));
}

TEST(Reproduce, MissingRunDirectorySummaryOrManifestAreNamed) {
  const Workspace ws;
  EXPECT_THROW((void)config::reproduce_run(ws.dir / "nothing", {}), InputError);
  fs::create_directories(ws.dir / "empty");
  try {
    (void)config::reproduce_run(ws.dir / "empty", {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no summary.json"), std::string::npos) << e.what();
  }
  (void)config::train_run(ws.options("a"));
  auto j = nlohmann::json::parse(read_text(ws.dir / "runs" / "a" / "summary.json"));
  j.erase("manifest");
  std::ofstream(ws.dir / "runs" / "a" / "summary.json") << j.dump();
  try {
    (void)config::reproduce_run(ws.dir / "runs" / "a", {});
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("no \"manifest\""), std::string::npos) << e.what();
  }
}

// A learning rate far too high for gd on iris: "stop" ends the run, "recover" records each
// rollback in summary.json.
const char* kDiverging = "optimizer = \"gd\"\n";

TEST(DivergenceRun, SummaryListsTheRecoveriesAndResumeMayChangeThePolicy) {
  const Workspace ws(kDiverging);
  auto o = ws.options("stop");
  o.overrides = {"train.learning_rate=1e6"};
  EXPECT_THROW((void)config::train_run(o), NumericError);

  o = ws.options("recover");
  o.overrides = {"train.learning_rate=1e6", "train.on_divergence=recover", "train.max_recoveries=100"};
  const auto r = config::train_run(o);
  ASSERT_FALSE(r.training.recoveries.empty());
  const auto j = nlohmann::json::parse(read_text(ws.dir / "runs" / "recover" / "summary.json"));
  ASSERT_EQ(j["recoveries"].size(), r.training.recoveries.size());
  EXPECT_EQ(j["recoveries"][0]["lr_before"], 1e6);
  EXPECT_EQ(j["recoveries"][0]["lr_after"], 5e5);
  EXPECT_EQ(j["lr_multiplier"], r.training.lr_multiplier);
  EXPECT_NE(read_text(ws.dir / "runs" / "recover" / "report.html").find("id=\"recoveries\""), std::string::npos);

  // Resume-safe: train longer with another policy; the recoveries and the multiplier stay.
  config::TrainRunOptions resume;
  resume.out = ws.dir / "runs" / "recover";
  resume.resume = true;
  resume.overrides = {"train.epochs=6", "train.on_divergence=stop"};
  const auto r2 = config::train_run(resume);
  EXPECT_EQ(r2.training.epochs_run, 6u);
  EXPECT_EQ(r2.training.recoveries, r.training.recoveries);
  EXPECT_EQ(r2.training.lr_multiplier, r.training.lr_multiplier);
}

}  // namespace
}  // namespace mlp
