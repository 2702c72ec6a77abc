// config_keys_for_option (keys.hpp): which configuration key a command-line option named like
// one meant, for `mlp train c.toml --epochs 5` -> `--set train.epochs=5`. Every answer is a key
// of the key table.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mlp/config/config.hpp"
#include "mlp/config/keys.hpp"

namespace mlp {
namespace {

using Keys = std::vector<std::string>;

TEST(OptionKeys, LastComponentWithDashesOrUnderscores) {
  EXPECT_EQ(config_keys_for_option("epochs"), Keys{"train.epochs"});
  EXPECT_EQ(config_keys_for_option("learning-rate"), Keys{"train.learning_rate"});
  EXPECT_EQ(config_keys_for_option("learning_rate"), Keys{"train.learning_rate"});
  EXPECT_EQ(config_keys_for_option("hidden"), Keys{"model.hidden"});
}

TEST(OptionKeys, WholeDottedKey) {
  EXPECT_EQ(config_keys_for_option("train.epochs"), Keys{"train.epochs"});
  EXPECT_EQ(config_keys_for_option("train.schedule.gamma"), Keys{"train.schedule.gamma"});
  EXPECT_EQ(config_keys_for_option("data.max-field-bytes"), Keys{"data.max_field_bytes"});
}

TEST(OptionKeys, NoMatchIsEmpty) {
  EXPECT_TRUE(config_keys_for_option("jsn").empty());
  EXPECT_TRUE(config_keys_for_option("").empty());
  EXPECT_TRUE(config_keys_for_option("train.schedule").empty());  // a section, not a key
  EXPECT_TRUE(config_keys_for_option("epoch").empty());  // near is not equal
}

TEST(OptionKeys, EveryKeyIsFoundByItsOwnNames) {
  for (const std::string_view key : config_keys()) {
    const std::string k(key);
    EXPECT_EQ(config_keys_for_option(k), Keys{k});
    const Keys by_leaf = config_keys_for_option(k.substr(k.rfind('.') + 1));
    EXPECT_NE(std::find(by_leaf.begin(), by_leaf.end(), k), by_leaf.end()) << k;
  }
}

}  // namespace
}  // namespace mlp
