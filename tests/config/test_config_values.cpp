// Defaults, accepted values, overrides, the to_toml round trip and property tests of the run
// configuration.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mlp/config/config.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/error.hpp"

namespace mlp {
namespace {

using config::DataFormat;

const std::string kMinimal =
    "[data]\ntrain = \"train.csv\"\ntarget = \"label\"\n\n[model]\nhidden = [64, 32]\n";

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_config(text, "cfg.toml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

/// A double in TOML syntax ("nan", "inf", "1e-08", "2.0").
std::string toml_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  std::string t = fmt::format("{}", x);
  if (t.find_first_of(".e") == std::string::npos) t += ".0";
  return t;
}

TEST(ConfigDefaults, MinimalFileGetsEveryDefault) {
  const RunConfig c = parse_config(kMinimal, "cfg.toml");
  EXPECT_EQ(c.data.train, "train.csv");
  EXPECT_EQ(c.data.format, DataFormat::csv);
  EXPECT_EQ(c.data.target, std::vector<std::string>{"label"});
  EXPECT_TRUE(c.data.drop.empty());
  EXPECT_FALSE(c.data.split.has_value());
  EXPECT_FALSE(c.data.dev || c.data.test || c.data.train_labels);
  EXPECT_EQ(c.data.normalize, config::Normalize::standard);
  EXPECT_TRUE(c.data.normalize_target);
  EXPECT_EQ(c.data.task, config::Task::automatic);
  EXPECT_EQ(c.data.missing, config::Missing::error);
  EXPECT_EQ(c.data.max_field_bytes, 1048576);
  EXPECT_EQ(c.data.max_record_bytes, 1048576);

  EXPECT_EQ(c.model.hidden, (std::vector<std::int64_t>{64, 32}));
  EXPECT_EQ(c.model.activation, (std::vector<Activation>{Activation::relu, Activation::relu}));
  EXPECT_EQ(c.model.leaky_slope, 0.01);
  EXPECT_FALSE(c.model.output.has_value());
  EXPECT_EQ(c.model.init, Init::he_normal);
  EXPECT_EQ(c.model.init_scale, 0.01);
  EXPECT_EQ(c.model.keep_prob, (std::vector<double>{1.0, 1.0}));

  const auto& t = c.train;
  EXPECT_FALSE(t.loss.has_value());
  EXPECT_EQ(t.optimizer, "adam");
  EXPECT_EQ(t.learning_rate, 0.001);
  EXPECT_EQ(t.batch_size, 64);
  EXPECT_EQ(t.epochs, 10);
  EXPECT_EQ(t.l1, 0.0);
  EXPECT_EQ(t.l2, 0.0);
  EXPECT_EQ(t.seed, 42u);
  EXPECT_EQ(t.threads, 0);
  // Every setting adam publishes, at the optimizer's registered defaults; no other optimizer's.
  EXPECT_EQ(t.optimizer_settings, (config::Settings{{"beta1", 0.9}, {"beta2", 0.999}, {"epsilon", 1e-8}}));
  EXPECT_EQ(t.clip_norm, 0.0);
  EXPECT_FALSE(t.line_search);
  EXPECT_FALSE(t.drop_last);
  EXPECT_EQ(t.checkpoint_every, 1);
  EXPECT_EQ(t.keep_checkpoints, 3);
  EXPECT_EQ(t.schedule.type, "constant");
  // constant publishes only the warmup, off by default.
  EXPECT_EQ(t.schedule.settings,
            (decltype(t.schedule.settings){{"warmup_epochs", 0.0}, {"warmup_start", 0.1}}));
  EXPECT_FALSE(t.early_stopping.enabled);
  EXPECT_EQ(t.early_stopping.patience, 5);
  EXPECT_EQ(t.early_stopping.min_delta, 0.0);
  EXPECT_TRUE(t.early_stopping.restore_best);
}

TEST(ConfigDefaults, LocationsOfWrittenAndDefaultedKeys) {
  const RunConfig c = parse_config(kMinimal, "cfg.toml");
  EXPECT_EQ(c.source, "cfg.toml");
  EXPECT_EQ(c.location_of("data.train"), "cfg.toml:2:9");
  EXPECT_EQ(c.location_of("model.hidden"), "cfg.toml:6:10");
  EXPECT_EQ(c.location_of("model.hidden[1]"), "cfg.toml:6:15");
  EXPECT_EQ(c.location_of("model.keep_prob[0]"), "cfg.toml");  // default: the file alone
  EXPECT_EQ(c.location_of("train.epochs"), "cfg.toml");
  EXPECT_EQ(c.diagnostic("model.hidden", "model.hidden has 2 layers"),
            "cfg.toml:6:10: error: model.hidden has 2 layers");
}

TEST(ConfigValues, ZeroHiddenLayersIsLogisticRegression) {
  const RunConfig c = parse_config(
      "[data]\ntrain = \"a.csv\"\ntarget = \"y\"\n[model]\nhidden = []\noutput = \"sigmoid\"\n"
      "keep_prob = 0.5\nactivation = \"tanh\"\n[train]\nloss = \"binary_cross_entropy\"\n",
      "cfg.toml");
  EXPECT_TRUE(c.model.hidden.empty());
  EXPECT_TRUE(c.model.activation.empty());
  EXPECT_TRUE(c.model.keep_prob.empty());
  EXPECT_EQ(c.model.output, Activation::sigmoid);
  EXPECT_EQ(c.train.loss, Loss::binary_cross_entropy);
}

TEST(ConfigValues, PerLayerListsAndAliases) {
  const RunConfig c = parse_config(
      kMinimal + "activation = [\"tanh\", \"linear\"]\nkeep_prob = [0.8, 1]\ninit = "
                 "\"xavier_uniform\"\noutput = \"linear\"\n",
      "cfg.toml");
  EXPECT_EQ(c.model.activation, (std::vector<Activation>{Activation::tanh, Activation::identity}));
  EXPECT_EQ(c.model.keep_prob, (std::vector<double>{0.8, 1.0}));
  EXPECT_EQ(c.model.init, Init::glorot_uniform);
  EXPECT_EQ(c.model.output, Activation::identity);
  EXPECT_EQ(parse_config(kMinimal + "init = \"xavier\"\n", "c").model.init, Init::glorot_normal);
  EXPECT_EQ(parse_config(kMinimal + "activation = \"leaky_relu\"\nleaky_slope = 0.2\n", "c")
                .model.leaky_slope,
            0.2);
}

TEST(ConfigValues, IntegersAreAcceptedWhereANumberIsExpected) {
  const RunConfig c = parse_config(kMinimal + "[train]\nlearning_rate = 1\nl2 = 3\n", "c");
  EXPECT_EQ(c.train.learning_rate, 1.0);
  EXPECT_EQ(c.train.l2, 3.0);
}

TEST(ConfigValues, DataFormatIsResolved) {
  const auto format_of = [](const std::string& data) {
    return parse_config("[data]\n" + data + "\n[model]\nhidden = []\n", "c").data.format;
  };
  EXPECT_EQ(format_of("train = \"train.csv\"\ntarget = \"y\""), DataFormat::csv);
  EXPECT_EQ(format_of("train = \"data/train-images-idx3-ubyte.gz\"\ntrain_labels = \"l\""),
            DataFormat::idx);
  EXPECT_EQ(format_of("train = \"images.bin\"\ntrain_labels = \"labels.bin\""), DataFormat::idx);
  EXPECT_EQ(format_of("train = \"images.bin\"\nformat = \"idx\"\ntrain_labels = \"l\""),
            DataFormat::idx);
  EXPECT_EQ(format_of("train = \"my-idx.csv\"\nformat = \"csv\"\ntarget = [\"a\", \"b\"]"),
            DataFormat::csv);
}

TEST(ConfigValues, SplitAndSeparateFiles) {
  RunConfig c = parse_config(
      "[data]\ntrain = \"a.csv\"\ntest = \"t.csv\"\ntarget = \"y\"\nsplit = [0.9, 0.1, 0]\n"
      "[model]\nhidden = [2]\n",
      "c");
  ASSERT_TRUE(c.data.split.has_value());
  EXPECT_EQ(*c.data.split, (std::array<double, 3>{0.9, 0.1, 0.0}));
  // Fractions summing to 1 up to rounding, or to less than 1 (a subsample), are accepted.
  c = parse_config("[data]\ntrain = \"a\"\ntarget = \"y\"\nsplit = [0.7, 0.2, 0.1]\n[model]\n"
                   "hidden = []\n",
                   "c");
  EXPECT_NEAR((*c.data.split)[0] + (*c.data.split)[1] + (*c.data.split)[2], 1.0, 1e-12);
  EXPECT_NO_THROW(parse_config(
      "[data]\ntrain = \"a\"\ntarget = \"y\"\nsplit = [0.5, 0.1, 0.1]\n[model]\nhidden = []\n",
      "c"));
  EXPECT_FALSE(parse_config("[data]\ntrain = \"a\"\ntarget = \"y\"\nsplit = \"auto\"\n[model]\n"
                            "hidden = []\n",
                            "c")
                   .data.split.has_value());
}

TEST(ConfigValues, EarlyStoppingIsOnWhenItsTableIsPresent) {
  EXPECT_FALSE(parse_config(kMinimal, "c").train.early_stopping.enabled);
  EXPECT_TRUE(parse_config(kMinimal + "[train.early_stopping]\n", "c").train.early_stopping.enabled);
  const RunConfig c =
      parse_config(kMinimal + "[train.early_stopping]\npatience = 0\nmin_delta = 1e-3\n", "c");
  EXPECT_TRUE(c.train.early_stopping.enabled);
  EXPECT_EQ(c.train.early_stopping.patience, 0);
  EXPECT_EQ(c.train.early_stopping.min_delta, 1e-3);
  EXPECT_FALSE(parse_config(kMinimal + "[train.early_stopping]\nenabled = false\n", "c")
                   .train.early_stopping.enabled);
}

TEST(ConfigValues, ScheduleDefaultsDependOnTheType) {
  EXPECT_EQ(parse_config(kMinimal + "[train.schedule]\ntype = \"exponential\"\n", "c")
                .train.schedule.settings.at("gamma"),
            0.95);
  EXPECT_EQ(
      parse_config(kMinimal + "[train.schedule]\ntype = \"step\"\n", "c").train.schedule.settings.at("gamma"),
      0.5);
  const RunConfig c = parse_config(
      kMinimal + "[train.schedule]\ntype = \"plateau\"\nfactor = 0.5\npatience = 0\n", "c");
  EXPECT_EQ(c.train.schedule.settings.at("factor"), 0.5);
  EXPECT_EQ(c.train.schedule.settings.at("patience"), 0);
}

TEST(ScheduleKeys, CosinePeriodFollowsTheEpochs) {
  // period = 0 (the default) anneals over train.epochs − warmup_epochs: the rate reaches min_lr
  // at the end of training; an explicit period is kept.
  const auto options = [](const std::string& extra) {
    return train_options(parse_config(kMinimal + "[train]\nepochs = 30\n" + extra, "c"));
  };
  const TrainOptions plain = options("[train.schedule]\ntype = \"cosine\"\n");
  EXPECT_EQ(plain.schedule.period, 30u);
  EXPECT_EQ(plain.schedule.warmup_epochs, 0u);
  const TrainOptions warm =
      options("[train.schedule]\ntype = \"cosine\"\nwarmup_epochs = 5\nwarmup_start = 0.2\n");
  EXPECT_EQ(warm.schedule.period, 25u);
  EXPECT_EQ(warm.schedule.warmup_epochs, 5u);
  EXPECT_EQ(warm.schedule.warmup_start, 0.2);
  const optim::Schedule s(warm.schedule, warm.learning_rate);
  EXPECT_DOUBLE_EQ(s.lr(0), 0.2 * warm.learning_rate);
  EXPECT_EQ(s.lr(5), warm.learning_rate);
  EXPECT_NEAR(s.lr(30), 0.0, 1e-18);  // after the last epoch: min_lr
  EXPECT_EQ(options("[train.schedule]\ntype = \"cosine\"\nperiod = 7\n").schedule.period, 7u);
  // Warmup on a type without period, and cosine_restarts' own default period.
  EXPECT_EQ(options("[train.schedule]\ntype = \"step\"\nwarmup_epochs = 3\n").schedule.warmup_epochs,
            3u);
  EXPECT_EQ(options("[train.schedule]\ntype = \"cosine_restarts\"\n").schedule.period, 10u);
  // No epoch left to anneal over: a configuration error that says what to change.
  try {
    (void)options("[train.schedule]\ntype = \"cosine\"\nwarmup_epochs = 30\n");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("more epochs than warmup epochs"), std::string::npos)
        << e.what();
  }
  EXPECT_NE(error_of(kMinimal + "[train.schedule]\ntype = \"step\"\nt_mult = 2\n")
                .find("not used by schedule"),
            std::string::npos);
}

// ---- overrides ---------------------------------------------------------------------------

TEST(ConfigOverrides, ValuesAreParsedAsToml) {
  const RunConfig c = parse_config(
      kMinimal + "[train]\nlearning_rate = 0.5\n", "cfg.toml",
      {"train.learning_rate=0.01", "model.hidden=[8, 4, 2]", "train.schedule.type=\"exponential\"",
       "train.optimizer=momentum", "train.beta = 0.5", "data.split=[0.8,0.1,0.1]",
       "train.early_stopping.patience=2", "data.target=[\"a\", \"b\"]", "train.drop_last=true",
       "model.activation=tanh"});
  EXPECT_EQ(c.train.learning_rate, 0.01);
  EXPECT_EQ(c.model.hidden, (std::vector<std::int64_t>{8, 4, 2}));
  EXPECT_EQ(c.model.activation.size(), 3u);
  EXPECT_EQ(c.model.activation[2], Activation::tanh);
  EXPECT_EQ(c.train.schedule.type, "exponential");
  EXPECT_EQ(c.train.optimizer, "momentum");
  EXPECT_EQ(c.train.optimizer_settings.at("beta"), 0.5);
  EXPECT_TRUE(c.train.early_stopping.enabled);
  EXPECT_EQ(c.train.early_stopping.patience, 2);
  EXPECT_EQ(c.data.target, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(c.train.drop_last);
  EXPECT_EQ(c.location_of("train.learning_rate"), "--set train.learning_rate=0.01");
  EXPECT_EQ(c.location_of("model.hidden[2]"), "--set model.hidden=[8, 4, 2]");
  EXPECT_EQ(c.location_of("data.train"), "cfg.toml:2:9");
}

TEST(ConfigOverrides, TheLastOverrideWins) {
  const RunConfig c = parse_config(kMinimal, "c", {"train.epochs=3", "train.epochs=7"});
  EXPECT_EQ(c.train.epochs, 7);
  EXPECT_EQ(c.location_of("train.epochs"), "--set train.epochs=7");
}

TEST(ConfigOverrides, BadOverridesAreReportedAtTheOverride) {
  EXPECT_NE(error_of(kMinimal, {"train.learning_rate=-0.1"})
                .find("--set train.learning_rate=-0.1: error: train.learning_rate must be > 0 "
                      "and finite (got -0.1)"),
            std::string::npos);
  EXPECT_NE(error_of(kMinimal, {"train.learning_rate=nan"}).find("(got nan)"), std::string::npos);
  EXPECT_NE(error_of(kMinimal, {"train.learnig_rate=0.1"})
                .find("--set train.learnig_rate=0.1: error: unknown key train.learnig_rate (did "
                      "you mean 'train.learning_rate'?)"),
            std::string::npos);
  EXPECT_NE(error_of(kMinimal, {"epochs=3"})
                .find("--set epochs=3: error: unknown key epochs (did you mean 'train.epochs'?)"),
            std::string::npos);
  EXPECT_NE(error_of(kMinimal, {"train.epochs"})
                .find("--set train.epochs: error: expected --set section.key=value"),
            std::string::npos);
  EXPECT_NE(error_of(kMinimal, {"train.epochs=ten"})
                .find("--set train.epochs=ten: error: train.epochs must be an integer in [1, "
                      "10000000] (got string \"ten\")"),
            std::string::npos);
  EXPECT_NE(error_of(kMinimal, {"train.optimizer=adma"}).find("did you mean 'adam'?"),
            std::string::npos);
  EXPECT_NE(error_of(kMinimal, {"train.schedule.gamma=0.5"})
                .find("--set train.schedule.gamma=0.5: error: train.schedule.gamma is not used by "
                      "schedule \"constant\""),
            std::string::npos);
  // A value with a second line is not a TOML value: it stays one (invalid) string.
  EXPECT_NE(error_of(kMinimal, {"train.epochs=3\n[data]"}).find("got string"), std::string::npos);
}

// ---- to_toml round trip --------------------------------------------------------------------

void expect_round_trip(const std::string& text) {
  SCOPED_TRACE(text);
  const RunConfig a = parse_config(text, "a.toml");
  const std::string written = to_toml(a);
  RunConfig b;
  ASSERT_NO_THROW(b = parse_config(written, "b.toml")) << written;
  EXPECT_EQ(a, b) << written;
  EXPECT_EQ(to_toml(b), written);
}

TEST(ConfigRoundTrip, DefaultsAndEveryVariant) {
  expect_round_trip(kMinimal);
  expect_round_trip(
      "[data]\ntrain = \"tr ain\\\"\\\\ é\\t.csv\"\ndev = \"d.csv\"\ntest = \"t.csv\"\n"
      "target = [\"y1\", \"y2\"]\ndrop = [\"id\", \"name\"]\nsplit = [0.7, 0, 0]\n"
      "normalize = \"none\"\nnormalize_target = false\ntask = \"regression\"\n"
      "missing = \"drop_row\"\nmax_field_bytes = 4096\nmax_record_bytes = 65536\n"
      "[model]\nhidden = [128, 64, 32]\nactivation = [\"leaky_relu\", \"tanh\", \"sigmoid\"]\n"
      "leaky_slope = 0.2\noutput = \"identity\"\ninit = \"normal\"\ninit_scale = 0.05\n"
      "keep_prob = [0.8, 0.9, 1.0]\n"
      "[train]\nloss = \"mse\"\noptimizer = \"adamw\"\nlearning_rate = 3e-4\nbatch_size = 128\n"
      "epochs = 200\nl1 = 1e-5\nl2 = 0.1\nseed = 7\nthreads = 2\nbeta1 = 0.85\nbeta2 = 0.99\n"
      "epsilon = 1e-7\nweight_decay = 0.05\nclip_norm = 5\ndrop_last = true\n"
      "checkpoint_every = 0\nkeep_checkpoints = 0\n"
      "[train.schedule]\ntype = \"plateau\"\nfactor = 0.3\npatience = 4\nmin_lr = 1e-6\n"
      "threshold = 0.01\n[train.early_stopping]\npatience = 12\nmin_delta = 1e-4\n"
      "restore_best = false\n");
  expect_round_trip(
      "[data]\ntrain = \"train-images-idx3-ubyte.gz\"\ntrain_labels = \"train-labels.gz\"\n"
      "test = \"t10k-images-idx3-ubyte.gz\"\ntest_labels = \"t10k-labels.gz\"\n"
      "[model]\nhidden = [100]\noutput = \"softmax\"\n[train]\nloss = \"cross_entropy\"\n");
  expect_round_trip("[data]\ntrain = \"a.csv\"\ntarget = \"y\"\n[model]\nhidden = [4, 4]\ninit = \"identity\"\ninit_gain = 0.5\n");
  expect_round_trip("[data]\ntrain = \"a.csv\"\ntarget = \"y\"\n[model]\nhidden = [4]\ninit = \"glorot_uniform\"\ninit_gain = 1.5\n");
  for (auto opt : optim::optimizer_names()) {
    expect_round_trip(kMinimal + fmt::format("[train]\noptimizer = \"{}\"\n", opt));
  }
  expect_round_trip(kMinimal + "[train]\noptimizer = \"gd\"\nline_search = true\n");
  expect_round_trip(kMinimal + "[train]\noptimizer = \"momentum_pytorch\"\nnesterov = true\n");
  for (const char* sch : {"constant", "inverse_time", "exponential", "inverse_sqrt", "step",
                          "plateau"}) {
    expect_round_trip(kMinimal + fmt::format("[train.schedule]\ntype = \"{}\"\n", sch));
  }
  expect_round_trip(kMinimal + "[train.schedule]\ntype = \"step\"\nstep = 3\ngamma = 0.1\n");
  expect_round_trip(
      "[data]\ntrain = \"a\"\ntarget = \"y\"\n[model]\nhidden = []\nkeep_prob = 0.5\n");
  expect_round_trip(kMinimal + "[train]\nlearning_rate = 0.1\nl2 = 0.30000000000000004\n");
}

TEST(ConfigRoundTrip, OverridesAreKeptInTheWrittenFile) {
  const RunConfig a = parse_config(kMinimal, "a.toml", {"train.epochs=99", "model.keep_prob=0.7"});
  const RunConfig b = parse_config(to_toml(a), "run.toml");
  EXPECT_EQ(a, b);
  EXPECT_EQ(b.train.epochs, 99);
  EXPECT_NE(a, parse_config(kMinimal, "a.toml"));
}

TEST(ConfigRoundTrip, FilesAboveOneMebibyteAreRefusedBeforeParsing) {
  const auto dir = std::filesystem::path(MLP_BINARY_DIR) / "config_size_files";
  std::filesystem::create_directories(dir);
  const auto path = dir / "run.toml";
  // At the limit: a valid configuration padded with comments parses.
  std::string text = std::string(kMinimal) + "[train]\nepochs = 3\n";
  const std::string comment = "# " + std::string(60, 'x') + "\n";
  while (text.size() + comment.size() <= kMaxConfigBytes) text += comment;
  text += std::string(kMaxConfigBytes - text.size(), '\n');
  ASSERT_EQ(text.size(), kMaxConfigBytes);
  { std::ofstream(path, std::ios::binary) << text; }
  EXPECT_EQ(load_config(path).train.epochs, 3);
  // One byte more: a ConfigError naming the file and the limit.
  { std::ofstream(path, std::ios::binary | std::ios::app) << "\n"; }
  try {
    load_config(path);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ": larger than 1048576 bytes"), std::string::npos)
        << e.what();
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
  std::filesystem::remove_all(dir);
}

TEST(ConfigRoundTrip, LoadConfigReadsAFile) {
  const auto dir = std::filesystem::path(MLP_BINARY_DIR) / "config_test_files";
  std::filesystem::create_directories(dir);
  const auto path = dir / "run.toml";
  {
    std::ofstream out(path);
    out << kMinimal << "[train]\nepochs = 0\n";
  }
  try {
    load_config(path);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ":8:10: error: train.epochs"),
              std::string::npos)
        << e.what();
  }
  const RunConfig c = load_config(path, {"train.epochs=4"});
  EXPECT_EQ(c.train.epochs, 4);
  EXPECT_EQ(c.source, path.string());
  std::filesystem::remove_all(dir);
}

TEST(ConfigDocs, TheCompleteExampleParsesAndRoundTrips) {
  std::ifstream in(std::string(MLP_SOURCE_DIR) + "/docs/config.md");
  ASSERT_TRUE(in) << "docs/config.md";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const auto section = doc.find("## Complete example");
  ASSERT_NE(section, std::string::npos);
  const auto begin = doc.find("```toml\n", section);
  ASSERT_NE(begin, std::string::npos);
  const auto end = doc.find("```", begin + 8);
  const std::string example = doc.substr(begin + 8, end - begin - 8);
  expect_round_trip(example);
}

TEST(ConfigKeys, EveryKeyCanBeOverridden) {
  // Each key of the schema is accepted by --set (the value may then be invalid, but the key is
  // known) and no unknown-key error appears.
  for (auto key : config_keys()) {
    const std::string msg = error_of(kMinimal, {std::string(key) + "=1"});
    EXPECT_EQ(msg.find("unknown key"), std::string::npos) << key << ": " << msg;
  }
  EXPECT_EQ(config_keys().size(), 74u);
}

// ---- properties ----------------------------------------------------------------------------

RC_GTEST_PROP(ConfigProperties, KeepProbAcceptedExactlyInHalfOpenUnitInterval, ()) {
  const double p = *rc::gen::oneOf(
      rc::gen::arbitrary<double>(),
      rc::gen::map(rc::gen::inRange(-1'000'000, 2'000'001), [](int i) { return i / 1e6; }),
      rc::gen::element(0.0, 1.0, -0.0, 1e-300, std::nextafter(1.0, 2.0),
                       std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity()));
  const std::string text = kMinimal + "keep_prob = " + toml_number(p) + "\n";
  const bool valid = std::isfinite(p) && p > 0.0 && p <= 1.0;
  if (valid) {
    const RunConfig c = parse_config(text, "c");
    RC_ASSERT(c.model.keep_prob == std::vector<double>(2, p));
  } else {
    RC_ASSERT(error_of(text).find("model.keep_prob must be in (0, 1]") != std::string::npos);
  }
}

RC_GTEST_PROP(ConfigProperties, AnyPositiveFiniteLearningRateIsAccepted, ()) {
  const double lr = std::abs(*rc::gen::arbitrary<double>());
  RC_PRE(std::isfinite(lr) && lr > 0.0);
  const RunConfig c = parse_config(kMinimal + "[train]\nlearning_rate = " + toml_number(lr) + "\n", "c");
  RC_ASSERT(c.train.learning_rate == lr);
  // ... and survives the round trip bit for bit.
  RC_ASSERT(parse_config(to_toml(c), "c").train.learning_rate == lr);
}

RC_GTEST_PROP(ConfigProperties, NonPositiveOrNonFiniteLearningRateIsRejected, ()) {
  const double lr = *rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<double>(), [](double x) { return -std::abs(x); }),
      rc::gen::element(0.0, std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity()));
  const std::string msg = error_of(kMinimal + "[train]\nlearning_rate = " + toml_number(lr) + "\n");
  RC_ASSERT(msg.find("cfg.toml:8:17: error: train.learning_rate must be > 0 and finite") !=
            std::string::npos);
}

RC_GTEST_PROP(ConfigProperties, BatchSizeAndEpochsRanges, (std::int64_t b, std::int64_t e)) {
  const std::string text =
      kMinimal + fmt::format("[train]\nbatch_size = {}\nepochs = {}\n", b, e);
  const bool valid = b >= 1 && e >= 1 && e <= 10'000'000;
  if (valid) {
    const RunConfig c = parse_config(text, "c");
    RC_ASSERT(c.train.batch_size == b && c.train.epochs == e);
  } else {
    RC_ASSERT(error_of(text).find("error: train.") != std::string::npos);
  }
}

}  // namespace
}  // namespace mlp
