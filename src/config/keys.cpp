// The public view of the key table (keys.hpp): each key's type, default, allowed values and
// description, and the Markdown tables of docs/config.md made from them.
#include "mlp/config/keys.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "mlp/config/config.hpp"
#include "schema.hpp"

namespace mlp {
namespace {

using namespace config::schema;

std::string code_list(const std::vector<std::string_view>& names) {
  std::string out;
  for (auto n : names) out += fmt::format("{}`{}`", out.empty() ? "" : ", ", n);
  return out;
}

/// Defaults that are not a value: required keys, keys absent unless given.
const std::map<std::string, std::string, std::less<>>& default_phrases() {
  static const std::map<std::string, std::string, std::less<>> m{
      {"data.train", "**required**"},
      {"data.dev", "none"},
      {"data.test", "none"},
      {"data.train_labels", "none"},
      {"data.dev_labels", "none"},
      {"data.test_labels", "none"},
      {"data.format", "`\"auto\"`"},
      {"data.target", "**required for CSV**"},
      {"model.hidden", "**required**"},
      {"train.early_stopping.enabled", "`true` when the table is present"},
      {"model.init_from", "none"},
      {"data.weight", "none"},  // a column of sample weights only when given
  };
  return m;
}

/// "`0.9`" when every component that publishes the setting agrees, else "adam `1e-08`, ...".
std::string setting_default(const Key& k, std::vector<std::string_view>& users) {
  const auto names = k.group == Group::optimizer ? optim::optimizer_names() : optim::schedule_names();
  std::vector<std::pair<std::string_view, std::string>> values;
  for (auto n : names) {
    const auto settings = k.group == Group::optimizer ? optimizer_settings(n) : schedule_settings(n);
    for (const auto& s : settings) {
      if (s.key != k.leaf()) continue;
      users.push_back(n);
      values.emplace_back(n, s.kind == Setting::Kind::boolean   ? (s.default_value != 0 ? "true" : "false")
                             : s.kind == Setting::Kind::integer ? fmt::format("{}", s.default_value)
                                                                : real_text(s.default_value));
    }
  }
  const bool same = std::all_of(values.begin(), values.end(),
                                [&](const auto& v) { return v.second == values.front().second; });
  if (values.empty()) return {};
  if (same) return fmt::format("`{}`", values.front().second);
  std::string out;
  for (const auto& [n, v] : values) out += fmt::format("{}{} `{}`", out.empty() ? "" : ", ", n, v);
  return out;
}

ConfigKeyInfo describe(const Key& k, const RunConfig& defaults) {
  ConfigKeyInfo info{k.name, k.type, {}, k.allowed, k.doc, k.resume_safe};
  if (auto it = default_phrases().find(k.name); it != default_phrases().end()) {
    info.default_text = it->second;
  } else if (k.kind == Kind::optimizer_setting || k.kind == Kind::schedule_setting) {
    std::vector<std::string_view> users;
    info.default_text = setting_default(k, users);
    const auto s = any_setting(k.group, k.leaf());
    const std::string range =
        s && s->kind != Setting::Kind::boolean ? s->range.text(s->kind == Setting::Kind::integer) : "";
    info.allowed = fmt::format("{}{}{}", range, range.empty() ? "" : "; ", code_list(users));
  } else {
    info.default_text = fmt::format("`{}`", value_text(k, defaults));
  }
  if (info.allowed.empty()) {
    if (k.kind == Kind::real) info.allowed = k.range.text();
    if (k.kind == Kind::integer) info.allowed = k.range.text(true);
    if (k.kind == Kind::choice) info.allowed = code_list(k.names());
    if (k.kind == Kind::boolean) info.allowed = "`true` or `false`";
    if (k.name == "model.activation") {
      std::vector<std::string_view> hidden;
      for (const auto& e : activation_table()) {
        if (hidden_allowed(e.value)) hidden.push_back(e.name);
      }
      info.allowed = code_list(hidden);
    }
  }
  return info;
}

std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) out += c == '|' && (out.empty() || out.back() != '\\') ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

const std::vector<ConfigKeyInfo>& config_key_table() {
  static const std::vector<ConfigKeyInfo> table = [] {
    const RunConfig defaults;
    std::vector<ConfigKeyInfo> v;
    for (const auto& k : keys()) v.push_back(describe(k, defaults));
    return v;
  }();
  return table;
}

std::string config_keys_markdown(std::string_view section) {
  std::string out = "| key | type | default | allowed | what it does |\n|---|---|---|---|---|\n";
  for (const auto& k : config_key_table()) {
    const auto dot = k.key.rfind('.');
    if (std::string_view(k.key).substr(0, dot) != section) continue;
    out += fmt::format("| `{}` | {} | {} | {} | {}{} |\n", k.key.substr(dot + 1), cell(k.type),
                       cell(k.default_text), cell(k.allowed), cell(k.doc),
                       k.resume_safe ? "; **may change on `--resume`**" : "");
  }
  return out;
}

std::vector<ConfigChange> config_changes(const RunConfig& before, const RunConfig& after) {
  std::vector<ConfigChange> out;
  for (const auto& k : keys()) {
    std::string a = applied_value_text(k, before);
    std::string b = applied_value_text(k, after);
    if (a != b) out.push_back({k.name, std::move(a), std::move(b), k.resume_safe});
  }
  return out;
}

std::vector<std::string> config_keys_for_option(std::string_view name) {
  auto normal = [](std::string_view text) {
    std::string out(text);
    std::replace(out.begin(), out.end(), '-', '_');
    return out;
  };
  const std::string wanted = normal(name);
  std::vector<std::string> out;
  if (wanted.empty()) return out;
  for (const std::string_view key : config_keys()) {
    const std::string k = normal(key);
    if (k == wanted) return {std::string(key)};
    if (k.substr(k.rfind('.') + 1) == wanted) out.emplace_back(key);
  }
  return out;
}

const std::vector<std::string_view>& config_keys() {
  static const std::vector<std::string_view> v = [] {
    std::vector<std::string_view> names;
    for (const auto& k : keys()) names.push_back(k.name);
    return names;
  }();
  return v;
}

}  // namespace mlp
