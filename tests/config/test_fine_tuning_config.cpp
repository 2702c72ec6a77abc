// train.early_stopping.monitor, model.init_from, train.freeze and train.refit: the keys and
// what config::train_run does with them.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mlp/config/commands.hpp"
#include "mlp/config/config.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/error.hpp"
#include "mlp/io/model.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

const std::string kBase = "[data]\ntrain = \"t.csv\"\ntarget = \"y\"\n[model]\nhidden = [4]\n";

std::string config_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_config(text, "cfg.toml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FineTuningKeys, DefaultsAndValues) {
  const RunConfig c = parse_config(kBase, "cfg.toml");
  EXPECT_EQ(c.train.early_stopping.monitor, "dev_cost");
  EXPECT_FALSE(c.model.init_from);
  EXPECT_TRUE(c.train.freeze.empty());
  EXPECT_FALSE(c.train.refit);
  const RunConfig d = parse_config(kBase + "init_from = \"base/model.mlp\"\n[train]\nfreeze = [\"layers.0\", "
                                           "\"layers.1.b\"]\nrefit = true\n[train.early_stopping]\nmonitor = \"dev_f1\"\n",
                                   "cfg.toml");
  EXPECT_EQ(*d.model.init_from, "base/model.mlp");
  EXPECT_EQ(d.train.freeze, (std::vector<std::string>{"layers.0", "layers.1.b"}));
  EXPECT_TRUE(d.train.refit);
  EXPECT_EQ(d.train.early_stopping.monitor, "dev_f1");
  EXPECT_EQ(parse_config(to_toml(d), "again.toml"), d);  // written and read back
  const TrainOptions o = train_options(d);
  EXPECT_EQ(o.early_stopping.monitor, "dev_f1");
  EXPECT_EQ(o.freeze, d.train.freeze);
}

TEST(FineTuningKeys, ErrorsNameTheKeyAndTheAllowedValues) {
  const std::string unknown = config_error(kBase + "[train.early_stopping]\nmonitor = \"dev_auc\"\n");
  EXPECT_NE(unknown.find("cfg.toml:7:11: error: train.early_stopping.monitor must be one of dev_cost, dev_accuracy, "
                         "dev_f1, dev_rmse, dev_mae, dev_r2"), std::string::npos) << unknown;
  const std::string task = config_error(kBase + "[train.early_stopping]\nmonitor = \"dev_accuracy\"\n",
                                        {"data.task=regression"});
  EXPECT_NE(task.find("cfg.toml:7:11: error: train.early_stopping.monitor = \"dev_accuracy\" is a classification "
                      "metric, but the task is regression; use one of dev_cost, dev_rmse, dev_mae, dev_r2"),
            std::string::npos) << task;
  EXPECT_EQ(config_error(kBase + "[train.early_stopping]\nmonitor = \"dev_r2\"\n", {"data.task=regression"}), "(no error)");
  const std::string refit = config_error(kBase + "[train]\nrefit = true\n", {"data.split=[0.8, 0.0, 0.2]"});
  EXPECT_NE(refit.find("cfg.toml:7:9: error: train.refit retrains on train + dev"), std::string::npos) << refit;
  EXPECT_NE(refit.find("set data.dev or a dev fraction > 0"), std::string::npos) << refit;
  const std::string freeze = config_error(kBase + "[train]\nfreeze = 3\n");
  EXPECT_NE(freeze.find("train.freeze must be a list of layer or slice names"), std::string::npos) << freeze;
  EXPECT_EQ(parse_config(kBase + "[train]\nfreeze = \"layers.0\"\n", "c").train.freeze, std::vector<std::string>{"layers.0"});
}

TEST(FineTuningKeys, InitFromIsResolvedAndRecordedLikeTheDataPaths) {
  RunConfig c = parse_config(kBase + "init_from = \"../base/model.mlp\"\n", "cfg.toml");
  resolve_data_paths(c, "/work/project/conf");
  EXPECT_EQ(*c.model.init_from, "/work/project/base/model.mlp");
  EXPECT_EQ(*with_data_paths_relative_to(c, "/work/project/runs/a").model.init_from, "../../base/model.mlp");
}

TEST(FineTuningKeys, NoneMayChangeOnResume) {
  const RunConfig a = parse_config(kBase, "a.toml");
  const RunConfig b = parse_config(kBase + "init_from = \"m.mlp\"\n[train]\nfreeze = [\"layers.0\"]\nrefit = true\n"
                                           "[train.early_stopping]\nmonitor = \"dev_accuracy\"\n", "b.toml");
  std::vector<std::string> changed;
  for (const auto& c : config_changes(a, b)) {
    EXPECT_FALSE(c.resume_safe) << c.key;
    changed.push_back(c.key);
  }
  for (const char* key : {"model.init_from", "train.freeze", "train.refit", "train.early_stopping.monitor"}) {
    EXPECT_NE(std::find(changed.begin(), changed.end(), key), changed.end()) << key;
  }
}

/// A folder with iris.csv and a configuration that stops early on dev accuracy.
struct Workspace {
  fs::path dir, config;
  Workspace() {
    std::string tmpl = (fs::temp_directory_path() / "mlp-fine-tuning-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    fs::copy_file(fs::path(MLP_SOURCE_DIR) / "examples/data/iris.csv", dir / "iris.csv");
    config = dir / "iris.toml";
    std::ofstream(config) << "[data]\ntrain = \"iris.csv\"\ntarget = \"species\"\nsplit = [0.6, 0.2, 0.2]\n"
                             "[model]\nhidden = [6]\n[train]\nlearning_rate = 0.01\nbatch_size = 16\nepochs = 20\n"
                             "seed = 3\n[train.early_stopping]\npatience = 4\nmonitor = \"dev_accuracy\"\n";
  }
  ~Workspace() { fs::remove_all(dir); }
  [[nodiscard]] config::TrainRunOptions options(const std::string& run, std::vector<std::string> sets = {}) const {
    config::TrainRunOptions o;
    o.config = config;
    o.out = dir / run;
    o.overrides = std::move(sets);
    return o;
  }
};

TEST(Refit, TrainsTheInitialWeightsForBestEpochEpochsOnTrainPlusDev) {
  const Workspace ws;
  const config::TrainRunResult plain = config::train_run(ws.options("plain"));
  EXPECT_FALSE(plain.refit);
  ASSERT_GT(plain.training.best_epoch, 0u);
  const config::TrainRunResult r = config::train_run(ws.options("refit", {"train.refit=true"}));
  ASSERT_TRUE(r.refit);
  EXPECT_EQ(r.training.best_epoch, plain.training.best_epoch);  // the same first training
  EXPECT_EQ(r.refit->epochs, plain.training.best_epoch);
  EXPECT_EQ(r.refit->examples, 90 + 30);  // 60 % + 20 % of 150
  EXPECT_EQ(r.refit->selected_dev->accuracy, plain.dev->accuracy);
  EXPECT_FALSE(r.dev);   // the refit model trained on dev
  ASSERT_TRUE(r.test);   // evaluated on test
  const Model a = Model::load(plain.model), b = Model::load(r.model);
  EXPECT_NE(a.network().params().theta(), b.network().params().theta());
  EXPECT_NE(a.preprocessing().features->mean(), b.preprocessing().features->mean());  // fitted on train + dev
  EXPECT_NE(b.info().at("refit").find("on 120 examples"), std::string::npos);
  const auto summary = nlohmann::json::parse(r.summary_json);
  EXPECT_EQ(summary["refit"]["epochs"], r.refit->epochs);
  EXPECT_EQ(summary["refit"]["examples"], 120);
  EXPECT_EQ(summary["monitor"], "dev_accuracy");
  // The oracle: the refit model is the one a plain Trainer makes from the seed's initialization
  // on train + dev for best_epoch epochs.
  RunConfig cfg = load_config(ws.config, {"train.refit=true"});
  resolve_data_paths(cfg, ws.dir);
  PrepareOptions p;
  p.join_dev = true;
  PreparedData data = prepare_data(cfg, load_data(cfg), p);
  EXPECT_EQ(data.train.size(), 120);
  EXPECT_EQ(data.dev.size(), 0);
  Network<float> net(model_spec(cfg, data.train));
  TrainOptions o = train_options(cfg);
  o.epochs = r.refit->epochs;
  o.early_stopping.enabled = false;
  Trainer(net, o).fit(data.train, nullptr, {}, data.target_scaler());
  EXPECT_EQ(net.params().theta(), b.network().params().theta());
}

TEST(WarmStartRun, KeepsTheSavedStandardizationAndNamesAMismatch) {
  const Workspace ws;
  const config::TrainRunResult base = config::train_run(ws.options("base"));
  const Model saved = Model::load(base.model);
  // One epoch at a learning rate that rounds to a step of 0 in float: the saved weights exactly.
  const config::TrainRunResult same = config::train_run(ws.options(
      "same", {"model.init_from=base/model.mlp", "train.optimizer=gd", "train.learning_rate=1e-300", "train.epochs=1"}));
  const Model m = Model::load(same.model);
  EXPECT_EQ(m.network().params().theta(), saved.network().params().theta());
  EXPECT_EQ(m.preprocessing().features->mean(), saved.preprocessing().features->mean());
  EXPECT_EQ(m.info().at("init_from"), "../base/model.mlp");
  // Continued, it improves on the dev cost of the model it started from.
  const config::TrainRunResult more = config::train_run(ws.options(
      "more", {"model.init_from=base/model.mlp", "train.early_stopping.monitor=dev_cost"}));
  EXPECT_LT(more.dev->loss, base.dev->loss);
  try {
    config::train_run(ws.options("bad", {"model.init_from=base/model.mlp", "model.hidden=[6, 6]"}));
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("--set model.init_from=base/model.mlp: error: "), std::string::npos) << msg;
    EXPECT_NE(msg.find("number of layers: 3 in the configuration (2 hidden + output), 2 in the saved model"),
              std::string::npos) << msg;
  }
  EXPECT_THROW(config::train_run(ws.options("missing", {"model.init_from=none.mlp"})), InputError);
  EXPECT_FALSE(fs::exists(ws.dir / "bad" / "config.toml"));  // nothing written
}

}  // namespace
}  // namespace mlp
