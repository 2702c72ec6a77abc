// docs/config.md lists every configuration key in tables made from the key table (keys.hpp):
// each table follows a marker line `<!-- keys: SECTION -->` and must equal
// config_keys_markdown(SECTION). A mismatch prints the table to paste.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "mlp/config/config.hpp"
#include "mlp/config/keys.hpp"

namespace mlp {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The lines starting with '|' right after the marker of `section`; nullopt without a marker.
std::optional<std::string> documented_table(const std::string& doc, std::string_view section) {
  const std::string marker = "<!-- keys: " + std::string(section) + " -->\n";
  const auto at = doc.find(marker);
  if (at == std::string::npos) return std::nullopt;
  std::istringstream in(doc.substr(at + marker.size()));
  std::string table, line;
  while (std::getline(in, line) && !line.empty() && line.front() == '|') table += line + "\n";
  return table;
}

TEST(ConfigDocs, KeyTablesOfDocsConfigMdAreTheKeyTable) {
  const std::string doc = read_text(std::string(MLP_SOURCE_DIR) + "/docs/config.md");
  ASSERT_FALSE(doc.empty()) << "docs/config.md not found";
  for (const char* section : {"data", "model", "train", "train.schedule", "train.early_stopping"}) {
    const auto table = documented_table(doc, section);
    ASSERT_TRUE(table.has_value()) << "docs/config.md has no `<!-- keys: " << section << " -->`";
    EXPECT_EQ(*table, config_keys_markdown(section))
        << "docs/config.md's table of [" << section << "] differs from the key table; replace it "
        << "with:\n" << config_keys_markdown(section);
  }
}

TEST(ConfigDocs, EveryKeyIsInTheTableWithADescription) {
  const auto& table = config_key_table();
  ASSERT_EQ(table.size(), config_keys().size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(table[i].key, config_keys()[i]);
    EXPECT_FALSE(table[i].type.empty()) << table[i].key;
    EXPECT_FALSE(table[i].default_text.empty()) << table[i].key;
    EXPECT_FALSE(table[i].allowed.empty()) << table[i].key;
    EXPECT_FALSE(table[i].doc.empty()) << table[i].key;
  }
}

TEST(ConfigDocs, RegisteredComponentsAreKnownToTheConfiguration) {
  // A setting published by an optimizer or a schedule is a key, with the registry's default.
  for (auto name : optim::optimizer_names()) {
    const RunConfig c = parse_config(
        "[data]\ntrain = \"a.csv\"\ntarget = \"y\"\n[model]\nhidden = []\n[train]\noptimizer = \"" +
            std::string(name) + "\"\n",
        "c");
    for (const auto& s : optim::optimizer_settings(name)) {
      const std::string key = "train." + std::string(s.key);
      EXPECT_NE(std::find(config_keys().begin(), config_keys().end(), key), config_keys().end()) << key;
      EXPECT_EQ(c.train.optimizer_settings.at(std::string(s.key)), s.default_value) << name << " " << key;
    }
  }
  for (auto name : optim::schedule_names()) {
    for (const auto& s : optim::schedule_settings(name)) {
      const std::string key = "train.schedule." + std::string(s.key);
      EXPECT_NE(std::find(config_keys().begin(), config_keys().end(), key), config_keys().end()) << key;
    }
  }
}

}  // namespace
}  // namespace mlp
