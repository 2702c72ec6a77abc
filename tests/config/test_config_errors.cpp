// Table-driven tests of the configuration validator (RELIABILITY K1–K5): every bad value is
// reported with the file, line and column of the value, the key's dotted name, the allowed
// range or names, and what was found.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mlp/config/config.hpp"
#include "mlp/core/error.hpp"

namespace mlp {
namespace {

/// A minimal valid configuration with `block` (one or more lines) put into `section`. A line of
/// the block whose key is already in the base replaces it. `line` receives the file line of the
/// block's last line.
std::string build(const std::string& section, const std::string& block, int& line) {
  std::vector<std::pair<std::string, std::vector<std::string>>> secs = {
      {"data", {"train = \"train.csv\"", "target = \"label\""}},
      {"model", {"hidden = [64, 32]"}},
      {"train", {}},
  };
  if (section == "train.schedule" || section == "train.early_stopping") secs.push_back({section, {}});
  for (auto& [name, lines] : secs) {
    if (name != section) continue;
    std::size_t start = 0;
    while (start <= block.size()) {
      auto end = block.find('\n', start);
      if (end == std::string::npos) end = block.size();
      const std::string l = block.substr(start, end - start);
      const std::string key = l.substr(0, l.find(' '));
      bool replaced = false;
      for (auto& existing : lines) {
        if (existing.substr(0, existing.find(' ')) == key) {
          existing = l;
          replaced = true;
        }
      }
      if (!replaced) lines.push_back(l);
      start = end + 1;
    }
  }
  std::string text;
  int n = 0;
  const std::string last = block.substr(block.rfind('\n') == std::string::npos ? 0 : block.rfind('\n') + 1);
  for (const auto& [name, lines] : secs) {
    text.append("[").append(name).append("]\n");
    ++n;
    for (const auto& l : lines) {
      text += l + "\n";
      ++n;
      if (name == section && l == last) line = n;
    }
    text += "\n";
    ++n;
  }
  return text;
}

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_config(text, "cfg.toml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

struct BadValue {
  const char* section;
  const char* block;  ///< the offending key is on the last line
  std::vector<const char*> expected;
  int col = 0;        ///< column of the offending value; 0 = just after "= "
};

class BadValueTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(BadValueTest, IsReportedWithPositionKeyAndHint) {
  const BadValue& c = GetParam();
  int line = 0;
  const std::string text = build(c.section, c.block, line);
  ASSERT_GT(line, 0) << text;
  const std::string block(c.block);
  const std::string last = block.substr(block.rfind('\n') == std::string::npos ? 0 : block.rfind('\n') + 1);
  const int col = c.col != 0 ? c.col : static_cast<int>(last.find("= ")) + 3;
  const std::string msg = error_of(text);
  EXPECT_NE(msg.find(fmt::format("cfg.toml:{}:{}: error: ", line, col)), std::string::npos)
      << "expected at " << line << ":" << col << "\n" << msg << "\n--- in ---\n" << text;
  for (const char* e : c.expected) EXPECT_NE(msg.find(e), std::string::npos) << e << "\n" << msg;
}

// clang-format off
const std::vector<BadValue> kBadValues = {
  // K1: the learning rate.
  {"train", "learning_rate = -0.1", {"train.learning_rate must be > 0 and finite (got -0.1)"}},
  {"train", "learning_rate = 0", {"train.learning_rate must be > 0 and finite (got 0)"}},
  {"train", "learning_rate = nan", {"train.learning_rate", "(got nan)"}},
  {"train", "learning_rate = inf", {"train.learning_rate", "(got inf)"}},
  {"train", "learning_rate = -inf", {"train.learning_rate", "(got -inf)"}},
  {"train", "learning_rate = \"fast\"", {"train.learning_rate must be a number", "got string \"fast\""}},
  {"train", "learning_rate = true", {"train.learning_rate must be a number", "got true"}},
  // K2: layers.
  {"model", "hidden = [64, 0]", {"model.hidden[1] must be an integer in [1, 10000000] (got 0)"}, 15},
  {"model", "hidden = [-3]", {"model.hidden[0]", "(got -3)"}, 11},
  {"model", "hidden = [64.5]", {"model.hidden[0]", "got float 64.5"}, 11},
  {"model", "hidden = 64", {"model.hidden must be a list", "got integer 64"}},
  {"model", "hidden = [100000000]", {"model.hidden[0]", "[1, 10000000]"}, 11},
  // K3: dropout keep-probabilities.
  {"model", "keep_prob = 0", {"model.keep_prob must be in (0, 1] (got 0)"}},
  {"model", "keep_prob = -0.2", {"model.keep_prob must be in (0, 1] (got -0.2)"}},
  {"model", "keep_prob = 1.5", {"model.keep_prob must be in (0, 1] (got 1.5)"}},
  {"model", "keep_prob = nan", {"model.keep_prob", "(got nan)"}},
  {"model", "keep_prob = [0.5, 1.2]", {"model.keep_prob[1] must be in (0, 1] (got 1.2)"}, 19},
  {"model", "keep_prob = [0.5, 0.5, 0.5]", {"model.keep_prob lists 3", "2 hidden layers", "output layer has no dropout"}},
  {"model", "keep_prob = [0.5]", {"model.keep_prob lists 1", "2 hidden layers"}},
  {"model", "keep_prob = \"high\"", {"model.keep_prob must be a number in (0, 1]", "got string"}},
  // K4: counts and ranges.
  {"train", "epochs = 0", {"train.epochs must be an integer in [1, 10000000] (got 0)"}},
  {"train", "epochs = -5", {"train.epochs", "(got -5)"}},
  {"train", "epochs = 1e20", {"train.epochs must be an integer in [1, 10000000] (got float 1e+20)"}},
  {"train", "epochs = 20000000", {"train.epochs", "(got 20000000)"}},
  {"train", "epochs = \"ten\"", {"train.epochs must be an integer", "got string \"ten\""}},
  {"train", "batch_size = 0", {"train.batch_size must be an integer >= 1 (got 0)"}},
  {"train", "batch_size = -64", {"train.batch_size", "(got -64)"}},
  {"train", "l1 = -0.1", {"train.l1 must be >= 0 and finite (got -0.1)"}},
  {"train", "l2 = -1", {"train.l2 must be >= 0 and finite (got -1)"}},
  {"train", "l2 = inf", {"train.l2", "(got inf)"}},
  {"train", "beta1 = 1.0", {"train.beta1 must be in [0, 1) (got 1)"}},
  {"train", "beta2 = -0.1", {"train.beta2 must be in [0, 1) (got -0.1)"}},
  {"train", "optimizer = \"momentum\"\nbeta = 1", {"train.beta must be in [0, 1) (got 1)"}},
  {"train", "optimizer = \"rmsprop\"\nbeta = nan", {"train.beta", "(got nan)"}},
  {"train", "epsilon = 0", {"train.epsilon must be > 0 and finite (got 0)"}},
  {"train", "epsilon = -1e-8", {"train.epsilon", "(got -1e-08)"}},
  {"train", "optimizer = \"adamw\"\nweight_decay = -0.01", {"train.weight_decay must be >= 0"}},
  {"train", "threads = -1", {"train.threads must be an integer in [0, 4096] (got -1)"}},
  {"train", "seed = -1", {"train.seed must be an integer >= 0 (got -1)"}},
  {"train", "clip_norm = -1.0", {"train.clip_norm must be >= 0 and finite (got -1)"}},
  {"train", "checkpoint_every = -1", {"train.checkpoint_every", "(got -1)"}},
  {"train", "keep_checkpoints = -2", {"train.keep_checkpoints", "(got -2)"}},
  {"train", "eval_every = 2", {"train.eval_every was removed", "every epoch is evaluated"}, 1},
  {"train", "drop_last = \"yes\"", {"train.drop_last must be true or false", "got string \"yes\""}},
  {"data", "split = [0.8, 0.2, 0.2]", {"data.split fractions", "must sum to at most 1", "= 1.2"}},
  {"data", "split = [-0.1, 0.6, 0.5]", {"data.split[0] must be > 0 and finite (got -0.1)"}, 10},
  {"data", "split = [0.8, -0.1, 0.1]", {"data.split[1] must be >= 0 and finite (got -0.1)"}, 15},
  {"data", "split = [0.5, 0.5]", {"data.split must be \"auto\" or a list of three fractions", "got a list of 2"}},
  {"data", "split = \"half\"", {"data.split must be \"auto\"", "got string \"half\""}},
  {"data", "max_field_bytes = 0", {"data.max_field_bytes", "(got 0)"}},
  {"data", "max_record_bytes = 0", {"data.max_record_bytes must be an integer in [1, 1073741824] (got 0)"}},
  {"data", "max_record_bytes = 1073741825", {"data.max_record_bytes", "(got 1073741825)"}},
  {"data", "max_field_bytes = 2097152", {"data.max_field_bytes (2097152) is larger than data.max_record_bytes (1048576)", "raise data.max_record_bytes to at least 2097152"}},
  {"data", "format = \"idx\"\ntrain_labels = \"y.idx\"\nmax_record_bytes = 9", {"data.max_record_bytes is only used with CSV data"}},
  {"train", "learning_rate = 1e-400", {"train.learning_rate must be > 0 and finite (got 1e-400, which is 0 as a double)"}},
  {"train", "l2 = 1e400", {"(the value of train.l2: >= 0 and finite)"}, 11},
  {"train", "epochs = 99999999999999999999", {"(the value of train.epochs: an integer in [1, 10000000])"}, 30},
  {"data", "normalize_target = 1", {"data.normalize_target must be true or false", "got integer 1"}},
  {"model", "activation = \"leaky_relu\"\nleaky_slope = -0.01", {"model.leaky_slope must be >= 0 and finite (got -0.01)"}},
  {"model", "init = \"normal\"\ninit_scale = 0", {"model.init_scale must be > 0 and finite (got 0)"}},
  {"model", "init = \"identity\"\ninit_gain = 0", {"model.init_gain must be > 0 and finite (got 0)"}},
  {"train.schedule", "type = \"exponential\"\ngamma = 0", {"train.schedule.gamma must be in (0, 1] (got 0)"}},
  {"train.schedule", "type = \"step\"\ngamma = 1.5", {"train.schedule.gamma must be in (0, 1] (got 1.5)"}},
  {"train.schedule", "type = \"step\"\nstep = 0", {"train.schedule.step must be an integer in [1, 10000000] (got 0)"}},
  {"train.schedule", "type = \"plateau\"\nfactor = 1", {"train.schedule.factor must be in (0, 1) (got 1)"}},
  {"train.schedule", "type = \"plateau\"\npatience = -1", {"train.schedule.patience", "(got -1)"}},
  {"train.schedule", "type = \"plateau\"\nthreshold = -0.1", {"train.schedule.threshold must be in [0, 1) (got -0.1)"}},
  {"train.schedule", "type = \"inverse_sqrt\"\nk = 0", {"train.schedule.k must be > 0 and finite (got 0)"}},
  {"train.schedule", "type = \"inverse_time\"\ndecay = -1", {"train.schedule.decay must be >= 0 and finite (got -1)"}},
  {"train.schedule", "type = \"exponential\"\nmin_lr = -1", {"train.schedule.min_lr must be >= 0"}},
  {"train.schedule", "type = \"exponential\"\nmin_lr = 0.5", {"train.schedule.min_lr must be <= train.learning_rate"}},
  {"train.early_stopping", "patience = -1", {"train.early_stopping.patience must be an integer in [0, 10000000] (got -1)"}},
  {"train.early_stopping", "min_delta = -0.001", {"train.early_stopping.min_delta must be >= 0"}},
  {"train.early_stopping", "enabled = \"true\"", {"train.early_stopping.enabled must be true or false"}},
  // K5: names, with the valid list and a did-you-mean.
  {"model", "activation = \"relu2\"", {"model.activation must be one of identity, linear, relu, leaky_relu, sigmoid, tanh, gelu", "(got string \"relu2\")", "did you mean 'relu'?"}},
  {"model", "activation = \"softmax\"", {"model.activation: softmax is only valid as model.output"}},
  {"model", "activation = [\"relu\", \"softmax\"]", {"model.activation[1]: softmax is only valid as model.output"}, 23},
  {"model", "activation = [\"relu\"]", {"model.activation lists 1 activations but model.hidden has 2 hidden layers"}},
  {"model", "activation = 3", {"model.activation must be a name or a list of names"}},
  {"model", "output = \"tanh\"", {"model.output must be one of auto, identity, linear, sigmoid, softmax", "got string \"tanh\""}},
  {"model", "init = \"xavir\"", {"model.init must be one of", "xavier", "did you mean 'xavier'?"}},
  {"train", "optimizer = \"adma\"", {"train.optimizer must be one of gd, momentum, momentum_pytorch, rmsprop, adam, adamw", "did you mean 'adam'?"}},
  {"train", "optimizer = \"sgd\"", {"train.optimizer must be one of", "(got string \"sgd\")"}},
  {"train", "loss = \"cross_entropi\"", {"train.loss must be one of auto, mse, binary_cross_entropy, cross_entropy", "did you mean 'cross_entropy'?"}},
  {"train.schedule", "type = \"exponental\"", {"train.schedule.type must be one of constant, inverse_time", "did you mean 'exponential'?"}},
  // Divergence policy and its bound.
  {"train", "on_divergence = \"bogus\"", {"train.on_divergence must be one of stop, recover", "(got string \"bogus\")"}},
  {"train", "on_divergence = \"recover\"\nmax_recoveries = -1", {"train.max_recoveries must be an integer in [0, 1000] (got -1)"}},
  {"train", "on_divergence = \"recover\"\nmax_recoveries = 1000000000000", {"train.max_recoveries", "[0, 1000]"}},
  {"train", "on_divergence = \"recover\"\nmax_recoveries = nan", {"train.max_recoveries must be an integer", "nan"}},
  {"train", "on_divergence = \"recover\"\nmax_recoveries = 2.5", {"train.max_recoveries must be an integer", "2.5"}},
  {"data", "format = \"json\"", {"data.format must be one of auto, csv, idx"}},
  {"data", "task = \"clasification\"", {"data.task must be one of", "did you mean 'classification'?"}},
  {"data", "missing = \"skip\"", {"data.missing must be one of error, drop_row"}},
  {"data", "normalize = \"minmax\"", {"data.normalize must be one of standard, none"}},
  {"data", "target = 3", {"data.target must be a column name or a list of column names", "got integer 3"}},
  {"data", "target = [\"a\", \"a\"]", {"data.target[1] repeats the column \"a\""}, 16},
  {"data", "train = \"\"", {"data.train must be a non-empty path string"}},
  // Keys a variant does not use.
  {"train.schedule", "type = \"inverse_time\"\ngamma = 0.5", {"train.schedule.gamma is not used by schedule \"inverse_time\" (it uses: decay, min_lr, warmup_epochs, warmup_start)"}},
  {"train.schedule", "factor = 0.5", {"train.schedule.factor is not used by schedule \"constant\" (it uses: warmup_epochs, warmup_start)"}},
  {"train", "beta = 0.8", {"train.beta is not used by optimizer \"adam\" (it uses: beta1, beta2, epsilon)"}},
  {"train", "optimizer = \"gd\"\nbeta1 = 0.8", {"train.beta1 is not used by optimizer \"gd\" (it uses: line_search)"}},
  {"train", "line_search = true", {"train.line_search is not used by optimizer \"adam\""}},
  {"train", "optimizer = \"momentum\"\nnesterov = true", {"train.nesterov is not used by optimizer \"momentum\""}},
  {"train", "weight_decay = 0.1", {"train.weight_decay is not used by optimizer \"adam\""}},
  {"model", "leaky_slope = 0.2", {"model.leaky_slope is only used by the leaky_relu activation"}},
  {"model", "init_scale = 0.1", {"model.init_scale is only used by init = \"normal\" (model.init is \"he_normal\")"}},
  {"model", "init = \"zeros\"\ninit_gain = 2", {"model.init_gain multiplies the initial weights, and init = \"zeros\" has none to multiply"}},
  {"data", "format = \"csv\"\ntrain_labels = \"y.idx\"", {"data.train_labels is only used with IDX data"}},
  {"data", "dev_labels = \"y.idx\"", {"data.dev_labels is set but data.dev is not"}},
  {"data", "drop = [\"label\"]", {"data.drop lists the target column \"label\""}},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Config, BadValueTest, ::testing::ValuesIn(kBadValues));

TEST(ConfigErrors, SeveralTargetsWithAClassifierNameTheTargetKeyAndWhy) {
  // A list of targets is a multi-target regression; whatever makes the run a classifier is an
  // error at data.target naming that setting.
  const auto text = [](const std::string& data, const std::string& model, const std::string& train) {
    return "[data]\ntrain = \"a.csv\"\ntarget = [\"u\", \"v\"]\n" + data + "[model]\nhidden = [4]\n" +
           model + "[train]\n" + train;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {text("task = \"classification\"\n", "", ""), "data.task is \"classification\""},
      {text("", "", "loss = \"cross_entropy\"\n"), "train.loss = \"cross_entropy\" is a classification loss"},
      {text("", "output = \"softmax\"\n", ""), "model.output = \"softmax\" is a classification output"},
  };
  for (const auto& [config, why] : cases) {
    const std::string msg = error_of(config);
    EXPECT_EQ(msg.rfind("cfg.toml:3:10: error: data.target lists 2 columns (u, v), a "
                        "multi-target regression, but " + why, 0), 0u) << msg;
    EXPECT_NE(msg.find("name one target column"), std::string::npos) << msg;
  }
  // A regression with several targets is valid, an explicit identity output or mse loss too.
  EXPECT_EQ(error_of(text("task = \"regression\"\n", "output = \"identity\"\n", "loss = \"mse\"\n")),
            "(no error)");
  EXPECT_EQ(error_of(text("", "", "")), "(no error)");
}

TEST(ConfigErrors, UnknownKeyHasDidYouMeanAtTheKey) {
  const std::string text =
      "[data]\ntrain = \"a.csv\"\ntarget = \"y\"\n[model]\nhidden = [4]\n[train]\n"
      "learnig_rate = 0.1\n";
  const std::string msg = error_of(text);
  EXPECT_NE(msg.find("cfg.toml:7:1: error: unknown key train.learnig_rate (did you mean "
                     "'learning_rate'?); valid keys in [train]: loss, class_weight, optimizer"),
            std::string::npos)
      << msg;
}

TEST(ConfigErrors, KeyInTheWrongSectionNamesItsSection) {
  const std::string text =
      "[data]\ntrain = \"a.csv\"\ntarget = \"y\"\n[model]\nhidden = [4]\nepochs = 3\n";
  const std::string msg = error_of(text);
  EXPECT_NE(msg.find("cfg.toml:6:1: error: unknown key model.epochs (did you mean "
                     "'train.epochs'? it belongs in [train])"),
            std::string::npos)
      << msg;
}

TEST(ConfigErrors, UnknownSectionAndSectionOfWrongType) {
  std::string msg = error_of("[data]\ntrain = \"a.csv\"\ntarget = \"y\"\n[model]\nhidden = []\n"
                             "[trian]\nepochs = 1\n");
  EXPECT_NE(msg.find("cfg.toml:6:2: error: unknown key trian (did you mean 'train'?); valid "
                     "sections: data, model, train"),
            std::string::npos)
      << msg;
  msg = error_of("[data]\ntrain = \"a.csv\"\ntarget = \"y\"\n[model]\nhidden = []\n[train]\n"
                 "schedule = \"step\"\n");
  EXPECT_NE(msg.find("cfg.toml:7:12: error: train.schedule must be a table (got string "
                     "\"step\"); write it as the section [train.schedule]"),
            std::string::npos)
      << msg;
}

TEST(ConfigErrors, DuplicateKeyIsReportedWithPosition) {
  const std::string msg =
      error_of("[data]\ntrain = \"a.csv\"\ntrain = \"b.csv\"\n[model]\nhidden = []\n");
  EXPECT_EQ(msg.rfind("cfg.toml:3:", 0), 0u) << msg;
  EXPECT_NE(msg.find("error: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("train"), std::string::npos) << msg;
}

TEST(ConfigErrors, DuplicateSectionAndSyntaxErrors) {
  std::string msg = error_of("[data]\ntrain = \"a.csv\"\n[data]\ntarget = \"y\"\n");
  EXPECT_EQ(msg.rfind("cfg.toml:3:", 0), 0u) << msg;
  msg = error_of("[data]\ntrain = \"a.csv\n");
  EXPECT_EQ(msg.rfind("cfg.toml:2:", 0), 0u) << msg;
  msg = error_of("[model]\nhidden = [1,\n");
  EXPECT_EQ(msg.rfind("cfg.toml:", 0), 0u) << msg;
}

TEST(ConfigErrors, RequiredKeys) {
  std::string msg = error_of("[model]\nhidden = [4]\n");
  EXPECT_NE(msg.find("cfg.toml: error: data.train is required"), std::string::npos) << msg;
  msg = error_of("[data]\ntrain = \"a.csv\"\ntarget = \"y\"\n");
  EXPECT_NE(msg.find("cfg.toml: error: model.hidden is required"), std::string::npos) << msg;
  msg = error_of("[data]\ntrain = \"a.csv\"\n[model]\nhidden = [4]\n");
  EXPECT_NE(msg.find("cfg.toml:2:9: error: data.target is required for CSV data"),
            std::string::npos)
      << msg;
  msg = error_of("[data]\ntrain = \"a.csv\"\ntarget = []\n[model]\nhidden = [4]\n");
  EXPECT_NE(msg.find("cfg.toml:3:10: error: data.target must name at least one column"),
            std::string::npos)
      << msg;
}

TEST(ConfigErrors, AllProblemsAreReportedTogether) {
  const std::string msg = error_of(
      "[data]\ntrain = \"a.csv\"\ntarget = \"y\"\n[model]\nhidden = [4]\nkeep_prob = 0\n"
      "[train]\nlearning_rate = -1\nepochs = 0\nlearnig_rate = 2\n");
  EXPECT_NE(msg.find("cfg.toml:6:13: error: model.keep_prob"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cfg.toml:8:17: error: train.learning_rate"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cfg.toml:9:10: error: train.epochs"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cfg.toml:10:1: error: unknown key train.learnig_rate"), std::string::npos)
      << msg;
  EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 3) << msg;
}

TEST(ConfigErrors, IdxDataNeedsLabelsAndRejectsCsvKeys) {
  std::string msg = error_of("[data]\ntrain = \"train-images-idx3-ubyte.gz\"\n[model]\nhidden = []\n");
  EXPECT_NE(msg.find("cfg.toml:2:9: error: data.train_labels is required with IDX data"),
            std::string::npos)
      << msg;
  msg = error_of(
      "[data]\ntrain = \"x\"\ntrain_labels = \"y\"\ntarget = \"c\"\ntest = \"t\"\n"
      "[model]\nhidden = []\n");
  EXPECT_NE(msg.find("cfg.toml:4:10: error: data.target is only used with CSV data, but "
                     "data.format is \"idx\""),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("cfg.toml:5:8: error: data.test_labels is required with IDX data"),
            std::string::npos)
      << msg;
}

TEST(ConfigErrors, SplitFractionReplacedByAFile) {
  const std::string msg = error_of(
      "[data]\ntrain = \"a.csv\"\ntest = \"b.csv\"\ntarget = \"y\"\nsplit = [0.8, 0.1, 0.1]\n"
      "[model]\nhidden = []\n");
  EXPECT_NE(msg.find("cfg.toml:5:20: error: data.split[2] (the test fraction) must be 0 when "
                     "data.test is given"),
            std::string::npos)
      << msg;
}

TEST(ConfigErrors, EarlyStoppingAndPlateauNeedADevSet) {
  const std::string base =
      "[data]\ntrain = \"a.csv\"\ntarget = \"y\"\nsplit = [0.9, 0, 0.1]\n[model]\nhidden = []\n";
  std::string msg = error_of(base + "[train.early_stopping]\npatience = 2\n");
  EXPECT_NE(msg.find("cfg.toml:4:9: error: data.split gives no dev set"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("train.early_stopping watches the dev cost"), std::string::npos) << msg;
  msg = error_of(base + "[train.schedule]\ntype = \"plateau\"\n");
  EXPECT_NE(msg.find("train.schedule.type = \"plateau\" watches the dev cost"), std::string::npos)
      << msg;
  EXPECT_NO_THROW(parse_config(base + "[train.early_stopping]\nenabled = false\n", "cfg.toml"));
  EXPECT_NO_THROW(parse_config(
      "[data]\ntrain = \"a.csv\"\ndev = \"d.csv\"\ntarget = \"y\"\nsplit = [0.9, 0, 0.1]\n"
      "[model]\nhidden = []\n[train.early_stopping]\n",
      "cfg.toml"));
}

TEST(ConfigErrors, LossOutputAndTaskMustAgree) {
  const std::string base = "[data]\ntrain = \"a.csv\"\ntarget = \"y\"\n";
  std::string msg = error_of(base +
                             "[model]\nhidden = []\noutput = \"sigmoid\"\n[train]\n"
                             "loss = \"cross_entropy\"\n");
  EXPECT_NE(msg.find("cfg.toml:8:8: error: train.loss = \"cross_entropy\" needs model.output = "
                     "\"softmax\" (model.output is \"sigmoid\" at cfg.toml:6:10)"),
            std::string::npos)
      << msg;
  msg = error_of(base + "task = \"regression\"\n[model]\nhidden = []\n[train]\nloss = \"binary_cross_entropy\"\n");
  EXPECT_NE(msg.find("train.loss = \"binary_cross_entropy\" is a classification loss"),
            std::string::npos)
      << msg;
  msg = error_of(base + "task = \"classification\"\nnormalize_target = false\n[model]\nhidden = []\n");
  EXPECT_NE(msg.find("cfg.toml:5:20: error: data.normalize_target is only used by regression"),
            std::string::npos)
      << msg;
}

TEST(ConfigErrors, MissingFileIsAnInputError) {
  try {
    load_config("/nonexistent/dir/run.toml");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/dir/run.toml: No such file or directory");
    EXPECT_EQ(e.code(), ExitCode::no_input);
  }
  EXPECT_THROW(load_config(MLP_SOURCE_DIR), InputError);
}

TEST(ConfigErrors, ErrorsAreConfigErrorsWithUsageExitCode) {
  try {
    parse_config("[train]\nlearning_rate = 0\n", "x.toml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

}  // namespace
}  // namespace mlp
