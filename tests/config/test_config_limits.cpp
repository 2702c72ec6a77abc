// Limits of the configuration reader and checks that span every key: nesting bounded before
// the TOML parser (RELIABILITY H1), NaN, infinity and out-of-range values refused for every
// numeric key (H8), numbers beyond a double, the CSV limits as keys (C11), and the key-wise
// comparison of two configurations that `mlp train --resume` relies on (H5).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "mlp/config/config.hpp"
#include "mlp/config/keys.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/error.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

// Six lines; a line appended to it is line 7, in [model].
const std::string kMinimal =
    "[data]\ntrain = \"train.csv\"\ntarget = \"label\"\n\n[model]\nhidden = [64, 32]\n";

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    (void)parse_config(text, "cfg.toml", overrides);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  return "(no error)";
}

/// "a.a.a…" with `parts` parts.
std::string dotted(std::size_t parts) {
  std::string key = "a";
  for (std::size_t i = 1; i < parts; ++i) key += ".a";
  return key;
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

constexpr std::string_view kTooDeep = "error: nested deeper than 64 levels";

// ---- nesting -----------------------------------------------------------------------------

TEST(ConfigNesting, ADottedKeyOfThirtyThousandPartsIsRefusedAtItsPosition) {
  // [model] is one level, so the 63rd dot of the key is the 65th level, at column 126.
  const std::string msg = error_of(kMinimal + dotted(30'000) + " = 1\n");
  EXPECT_EQ(msg.rfind(fmt::format("cfg.toml:7:126: {}", kTooDeep), 0), 0u) << msg.substr(0, 300);
}

TEST(ConfigNesting, AKeyAsLongAsTheFileLimitAllowsDoesNotOverflowTheStack) {
  // 500 000 parts (1 MB, the size load_config accepts): without the scan the TOML parser's
  // recursion overflows the stack.
  const std::string msg = error_of(dotted(500'000) + " = 1\n");
  EXPECT_EQ(msg.rfind(fmt::format("cfg.toml:1:128: {}", kTooDeep), 0), 0u) << msg.substr(0, 300);
}

TEST(ConfigNesting, NestedInlineTablesArraysAndTableNamesAreCountedTogether) {
  const std::size_t n = 100'000;
  const std::string tables = error_of(kMinimal + "x = " + repeat("{a = ", n) + "1" + repeat("}", n) + "\n");
  EXPECT_EQ(tables.rfind("cfg.toml:7:", 0), 0u) << tables.substr(0, 300);
  EXPECT_NE(tables.find(kTooDeep), std::string::npos) << tables.substr(0, 300);
  const std::string arrays = error_of(kMinimal + "hidden = " + repeat("[", n) + repeat("]", n) + "\n");
  EXPECT_NE(arrays.find(kTooDeep), std::string::npos) << arrays.substr(0, 300);
  EXPECT_EQ(error_of("[" + dotted(n) + "]\nx = 1\n").rfind(fmt::format("cfg.toml:1:129: {}", kTooDeep), 0), 0u);
  // The header's parts count under the keys that follow it: 40 + 30 > 64.
  const std::string both = error_of("[" + dotted(40) + "]\n" + dotted(30) + " = 1\n");
  EXPECT_EQ(both.rfind("cfg.toml:2:", 0), 0u) << both;
  // Inline tables and dotted keys inside them add up too.
  const std::string mixed = error_of("x = " + repeat("{" + dotted(10) + " = ", 7) + "1" + repeat("}", 7) + "\n");
  EXPECT_NE(mixed.find(kTooDeep), std::string::npos) << mixed;
}

TEST(ConfigNesting, TheLimitIsSixtyFourLevels) {
  // 64 parts pass the scan (and are then an unknown key); 65 do not.
  const std::string at_limit = error_of(dotted(64) + " = 1\n");
  EXPECT_EQ(at_limit.find(kTooDeep), std::string::npos) << at_limit;
  EXPECT_NE(at_limit.find("unknown key a"), std::string::npos) << at_limit;
  EXPECT_NE(error_of(dotted(65) + " = 1\n").find(kTooDeep), std::string::npos);
  EXPECT_EQ(kMaxConfigDepth, 64u);
}

TEST(ConfigNesting, StringsAndCommentsAreNotCounted) {
  const std::string dots = repeat(".[{", 200);
  const std::string text =
      "# " + dots + "\n"
      "[data]\n"
      "train = \"tr\\\"" + dots + "\"  # " + dots + "\n"
      "target = '" + dots + "'\n"
      "drop = [\"\"\"" + dots + "\n" + dots + "\"\"\"\"\", '''" + dots + "''']\n"
      "[model]\n"
      "hidden = [[]]\n";
  // The only error is the type of model.hidden: the scan let the file through to the schema.
  const std::string msg = error_of(text);
  EXPECT_EQ(msg.find(kTooDeep), std::string::npos) << msg;
  EXPECT_NE(msg.find("model.hidden[0] must be an integer"), std::string::npos) << msg;
  const std::string good = "[data]\ntrain = \"a" + dots + "\"\ntarget = '''" + dots + "'''\n[model]\nhidden = [4]\n";
  const RunConfig c = parse_config(good, "cfg.toml");
  EXPECT_EQ(c.data.train, "a" + dots);
  EXPECT_EQ(c.data.target, std::vector<std::string>{dots});
}

TEST(ConfigNesting, OverrideValuesAreScannedToo) {
  const std::string deep = "model.hidden=" + repeat("[", 100'000);
  const std::string msg = error_of(kMinimal, {deep});
  // The location shows the first 100 bytes of the override.
  EXPECT_EQ(msg, "--set " + deep.substr(0, 100) + "...: " + std::string(kTooDeep) +
                     " (parts of dotted keys and table names, inline tables and arrays, counted together); "
                     "a configuration needs at most 4 — is this a configuration file?");
  const std::string table = "train.learning_rate={" + dotted(100) + " = 1}";
  EXPECT_NE(error_of(kMinimal, {table}).find(kTooDeep), std::string::npos);
}

// ---- numbers -------------------------------------------------------------------------------

/// The numeric keys with a value text that puts `bad` where the number goes.
std::vector<std::pair<std::string, std::string>> numeric_settings(const std::string& bad) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& k : config_key_table()) {
    if (k.key == "data.split") {
      out.emplace_back(k.key, fmt::format("[{}, 0, 0]", bad));
    } else if (k.key == "model.hidden") {
      out.emplace_back(k.key, fmt::format("[{}]", bad));
    } else if (k.type.find("number") != std::string::npos || k.type.find("integer") != std::string::npos) {
      out.emplace_back(k.key, bad);
    }
  }
  return out;
}

TEST(ConfigNumbers, EveryNumericKeyRefusesNanAndInfinityNamingItsRange) {
  std::size_t keys = 0;
  for (const char* bad : {"nan", "+nan", "-nan", "inf", "+inf", "-inf"}) {
    for (const auto& [key, value] : numeric_settings(bad)) {
      ++keys;
      const std::string msg = error_of(kMinimal, {key + "=" + value});
      const std::string element = value.front() == '[' ? key + "[0]" : key;
      EXPECT_NE(msg.find(fmt::format("--set {}={}: error: {} must be ", key, value, element)), std::string::npos)
          << key << "=" << value << "\n" << msg;
      const bool names_range = msg.find("finite") != std::string::npos || msg.find("in [") != std::string::npos ||
                               msg.find("in (") != std::string::npos || msg.find(">= ") != std::string::npos;
      EXPECT_TRUE(names_range) << msg;
      EXPECT_NE(msg.find(std::string(bad).substr(bad[0] == '+' ? 1 : 0)), std::string::npos) << msg;
    }
  }
  EXPECT_GE(keys, 6u * 30u);  // every number of the table: 30 and more keys
}

TEST(ConfigNumbers, NumbersTooSmallForADoubleReadAsZero) {
  // 1e-400 is a valid TOML float below the smallest denormal: it reads as 0, as strtod reads
  // it; a denormal keeps its value.
  const RunConfig c = parse_config(kMinimal + "[train]\nl2 = 1e-400\nl1 = 5e-324\n", "cfg.toml");
  EXPECT_EQ(c.train.l2, 0.0);
  EXPECT_EQ(c.train.l1, 5e-324);
  EXPECT_NE(error_of(kMinimal, {"train.learning_rate=1e-400"})
                .find("--set train.learning_rate=1e-400: error: train.learning_rate must be > 0 and finite (got "
                      "1e-400, which is 0 as a double)"),
            std::string::npos);
  // A number written as zero is just 0.
  EXPECT_NE(error_of(kMinimal, {"train.learning_rate=0.0e-400"}).find("(got 0)"), std::string::npos);
}

// ---- CSV limits ------------------------------------------------------------------------------

TEST(ConfigCsvLimits, ARecordOverOneMebibyteLoadsWithBothLimitsRaised) {
  std::string tmpl = (fs::temp_directory_path() / "mlp-limits-XXXXXX").string();
  const fs::path dir = ::mkdtemp(tmpl.data());
  const std::string note(3 << 20, 'n');  // a 3 MiB field in a 3 MiB record
  {
    std::ofstream out(dir / "wide.csv", std::ios::binary);
    out << "x,note,y\n";
    for (int i = 0; i < 6; ++i) out << i << "," << (i == 2 ? note : "short") << "," << i % 2 << "\n";
  }
  const std::string config = "[data]\ntrain = \"" + (dir / "wide.csv").string() +
                             "\"\ntarget = \"y\"\ndrop = [\"note\"]\nmax_field_bytes = 4194304\n";
  const RunConfig raised =
      parse_config(config + "max_record_bytes = 4194304\n[model]\nhidden = [2]\n", "run.toml");
  EXPECT_EQ(raised.data.max_record_bytes, 4194304);
  EXPECT_EQ(load_data(raised).train.size(), 6);
  // Raising the field limit alone is refused, naming the record limit.
  EXPECT_NE(error_of(config + "[model]\nhidden = [2]\n").find("raise data.max_record_bytes"), std::string::npos);
  // With the default record limit the error names the key to raise.
  const RunConfig plain = parse_config("[data]\ntrain = \"" + (dir / "wide.csv").string() +
                                           "\"\ntarget = \"y\"\ndrop = [\"note\"]\n[model]\nhidden = [2]\n",
                                       "run.toml");
  try {
    (void)load_data(plain);
    ADD_FAILURE() << "no error";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("wide.csv:4: error: record is longer than the limit of 1048576 bytes (data.max_record_bytes)"),
              std::string::npos)
        << msg;
  }
  fs::remove_all(dir);
}

// ---- key-wise comparison ---------------------------------------------------------------------

TEST(ConfigChanges, EveryDifferenceIsListedByItsKeyWithBothValues) {
  // For every key and a spread of values, in several base configurations: config_changes lists
  // a difference exactly when operator== sees one, and every key shows up in some difference.
  const std::vector<std::string> bases = {
      kMinimal,
      kMinimal + "activation = \"leaky_relu\"\ninit = \"normal\"\n[train]\noptimizer = \"momentum_pytorch\"\n"
                 "[train.schedule]\ntype = \"plateau\"\n[train.early_stopping]\n",
      "[data]\ntrain = \"i-idx3\"\ntrain_labels = \"l\"\ndev = \"d-idx3\"\ndev_labels = \"dl\"\n"
      "test = \"t-idx3\"\ntest_labels = \"tl\"\n[model]\nhidden = [3]\n[train]\noptimizer = \"gd\"\n"
      "[train.schedule]\ntype = \"step\"\n",
      kMinimal + "[train]\noptimizer = \"adamw\"\n[train.schedule]\ntype = \"inverse_time\"\n",
      kMinimal + "[train]\noptimizer = \"rmsprop\"\n[train.schedule]\ntype = \"inverse_sqrt\"\n",
      kMinimal + "[train.schedule]\ntype = \"cosine_restarts\"\n",
  };
  const std::vector<std::string> values = {
      "0.5", "0.25", "2", "3", "7", "0", "1", "true", "false", "[2]", "[5, 5]", "[0.5, 0.25, 0.25]",
      "\"x.csv\"", "\"y\"", "[\"a\", \"b\"]", "\"none\"", "\"regression\"", "\"classification\"",
      "\"drop_row\"", "\"mean\"", "\"tanh\"", "\"sigmoid\"", "\"identity\"", "\"zeros\"", "\"xavier\"",
      "\"mse\"", "\"gd\"", "\"adamw\"", "\"rmsprop\"", "\"step\"", "\"exponential\"",
      "\"inverse_time\"", "\"exact\"", "\"recover\"", "\"dev_accuracy\"", "\"balanced\"", "[0.9, 0.5]", "0.75", "12", "4096", "2097152", "1e-5"};
  std::map<std::string, int> changed_by_key;
  for (const auto& base_text : bases) {
    RunConfig base;
    try {
      base = parse_config(base_text, "base.toml");
    } catch (const ConfigError&) {
      continue;
    }
    EXPECT_TRUE(config_changes(base, base).empty());
    for (auto key : config_keys()) {
      for (const auto& v : values) {
        RunConfig other;
        try {
          other = parse_config(base_text, "base.toml", {std::string(key) + "=" + v});
        } catch (const ConfigError&) {
          continue;
        }
        const auto changes = config_changes(base, other);
        EXPECT_EQ(changes.empty(), base == other) << key << "=" << v;
        if (base == other) continue;
        // Each listed key with two different values and the table's resume_safe flag. (A key
        // may change another: setting an early-stopping key creates the table, enabling it.)
        const auto& table = config_key_table();
        for (const auto& c : changes) {
          EXPECT_NE(c.before, c.after) << c.key;
          const auto info = std::find_if(table.begin(), table.end(), [&](const auto& k) { return k.key == c.key; });
          ASSERT_NE(info, table.end()) << c.key;
          EXPECT_EQ(c.resume_safe, info->resume_safe) << c.key;
          ++changed_by_key[c.key];
        }
        // The reverse direction lists the same keys with the values swapped.
        const auto back = config_changes(other, base);
        ASSERT_EQ(back.size(), changes.size());
        for (std::size_t i = 0; i < back.size(); ++i) {
          EXPECT_EQ(back[i].key, changes[i].key);
          EXPECT_EQ(back[i].before, changes[i].after);
        }
      }
    }
  }
  // data.format cannot change alone (CSV needs a target, IDX labels): a pair of files.
  const RunConfig csv = parse_config("[data]\ntrain = \"t\"\ntarget = \"y\"\n[model]\nhidden = []\n", "a");
  const RunConfig idx = parse_config("[data]\ntrain = \"t\"\ntrain_labels = \"l\"\n[model]\nhidden = []\n", "b");
  for (const auto& c : config_changes(csv, idx)) ++changed_by_key[c.key];
  EXPECT_GT(changed_by_key["data.train_labels"], 0);
  // Every key was changed by some value, so the comparison has seen them all.
  for (auto key : config_keys()) EXPECT_GT(changed_by_key[std::string(key)], 0) << key << " never changed";
}

TEST(ConfigChanges, ResumeSafeKeysAreMarkedInTheTableAndTheDocs) {
  std::vector<std::string> safe;
  for (const auto& k : config_key_table()) {
    if (k.resume_safe) safe.push_back(k.key);
  }
  EXPECT_EQ(safe, (std::vector<std::string>{"train.epochs", "train.on_divergence", "train.max_recoveries",
                                            "train.checkpoint_every", "train.keep_checkpoints"}));
  const std::string train = config_keys_markdown("train");
  EXPECT_NE(train.find("| `epochs` | integer | `10` | an integer in [1, 10000000] | passes over the training set; "
                       "**may change on `--resume`** |"),
            std::string::npos)
      << train;
}

}  // namespace
}  // namespace mlp
