// config::lr_find and config::apply_learning_rate: `mlp lr-find` (lr_find.hpp).
#include "mlp/config/lr_find.hpp"

#include <fmt/format.h>

#include <optional>
#include <toml++/toml.h>

#include "mlp/config/config.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/tensor.hpp"
#include "mlp/io/atomic_file.hpp"
#include "schema.hpp"

namespace mlp::config {
namespace {

namespace fs = std::filesystem;

/// The byte offset in `text` of a toml++ position (line and column from 1, columns counted in
/// code points).
std::size_t offset_of(std::string_view text, const toml::source_position& p) {
  std::size_t pos = 0;
  for (toml::source_index line = 1; line < p.line; ++line) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return text.size();
    pos = nl + 1;
  }
  for (toml::source_index column = 1; column < p.column && pos < text.size(); ++column) {
    ++pos;  // past one code point: its lead byte and continuation bytes
    while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
  }
  return pos;
}

/// One replacement of the text: [begin, end) becomes `with`.
struct Edit {
  std::size_t begin, end;
  std::string with;
};

/// The edit that sets `dotted` to `value` (TOML text): over the value where the key is written,
/// else a new line after the [section] header, else a new table at the end.
Edit set_value(const toml::table& root, std::string_view text, std::string_view dotted, const std::string& value) {
  if (const toml::node* n = root.at_path(dotted).node(); n && n->source().begin.line > 0) {
    return {offset_of(text, n->source().begin), offset_of(text, n->source().end), value};
  }
  const std::string_view section = dotted.substr(0, dotted.rfind('.'));
  const std::string_view leaf = dotted.substr(dotted.rfind('.') + 1);
  const toml::node* table = root.at_path(section).node();
  if (table && table->is_table() && !table->as_table()->is_inline() && table->source().begin.line > 0) {
    const std::size_t header = offset_of(text, table->source().begin);
    if (header < text.size() && text[header] == '[') {
      std::size_t eol = text.find('\n', header);
      if (eol == std::string_view::npos) return {text.size(), text.size(), fmt::format("\n{} = {}\n", leaf, value)};
      return {eol + 1, eol + 1, fmt::format("{} = {}\n", leaf, value)};
    }
  }
  if (table) {  // [train] defined by dotted keys or inline: a dotted key at the top level
    throw ConfigError(fmt::format("cannot add {} to the {} table of this file (written inline or with dotted "
                                  "keys) — add `{} = {}` to it by hand", dotted, section, leaf, value));
  }
  const bool newline = !text.empty() && text.back() != '\n';
  return {text.size(), text.size(), fmt::format("{}\n[{}]\n{} = {}\n", newline ? "\n" : "", section, leaf, value)};
}

}  // namespace

LrFindReport lr_find(const fs::path& path, const std::vector<std::string>& overrides, const LrFinderOptions& options) {
  options.validate();
  RunConfig cfg = load_config(path, overrides);
  resolve_data_paths(cfg, path.parent_path());
  check_training_memory(cfg, 1, 1, 0);
  set_threads(static_cast<int>(cfg.train.threads));
  const PreparedData d = prepare_data(cfg);
  const ModelSpec spec = model_spec(cfg, d.train);
  check_training_memory(cfg, spec.inputs, spec.layers.back().units, d.train.size());
  TrainOptions train = train_options(cfg);
  train.line_search = false;  // the range test sets every step's rate itself
  LrFindReport r;
  r.result = find_learning_rate(spec, d.train, train, options);
  r.optimizer = cfg.train.optimizer;
  r.configured_learning_rate = cfg.train.learning_rate;
  r.train_examples = d.train.size();
  return r;
}

void apply_learning_rate(const fs::path& source, const fs::path& target, double learning_rate, bool force) {
  if (!(learning_rate > 0) || !std::isfinite(learning_rate)) {
    throw ConfigError(fmt::format("--apply: the learning rate must be > 0 and finite (got {})", learning_rate));
  }
  std::error_code ec;
  if (fs::exists(target, ec) && fs::equivalent(source, target, ec)) {
    throw ConfigError(fmt::format("--apply {}: that is the configuration itself, which mlp never overwrites — "
                                  "name a new file", target.string()));
  }
  if (!force && (fs::exists(target, ec) || fs::is_symlink(target, ec))) {
    throw ConfigError(fmt::format("--apply {}: the file exists — choose another name, or --force to replace it",
                                  target.string()));
  }
  const std::vector<std::byte> bytes = io::read_file(source, kMaxConfigBytes);
  const std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  load_config(source);  // a valid configuration (its own errors, with their places) first
  const toml::table root = toml::parse(std::string_view(text), std::string_view(source.string()));

  std::vector<Edit> edits;
  const double rate = std::stod(fmt::format("{:.3g}", learning_rate));
  edits.push_back(set_value(root, text, "train.learning_rate", schema::real_text(rate)));
  // Relative data paths name files next to the source: keep naming them from the target's folder.
  const fs::path from = fs::absolute(source).parent_path().lexically_normal();
  const fs::path to = fs::absolute(target).parent_path().lexically_normal();
  if (from != to) {
    for (const char* key : {"data.train", "data.dev", "data.test", "data.train_labels", "data.dev_labels",
                            "data.test_labels"}) {
      const toml::node* n = root.at_path(key).node();
      const auto* s = n ? n->as_string() : nullptr;
      if (!s || s->get().empty() || s->get() == "-" || fs::path(s->get()).is_absolute()) continue;
      fs::path moved = (from / s->get()).lexically_normal().lexically_relative(to);
      if (moved.empty()) moved = (from / s->get()).lexically_normal();
      edits.push_back(set_value(root, text, key, schema::quoted(moved.generic_string())));
    }
  }
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.begin > b.begin; });
  std::string out = text;
  for (const Edit& e : edits) out.replace(e.begin, e.end - e.begin, e.with);

  // The copy must say what it should: valid, with the new rate, otherwise equal to the source.
  RunConfig want = load_config(source);
  resolve_data_paths(want, from);
  want.train.learning_rate = rate;
  RunConfig got = parse_config(out, target.string());
  resolve_data_paths(got, to);
  if (!(got == want)) {
    throw ConfigError(fmt::format("--apply {}: the edited configuration does not read back as the source with "
                                  "train.learning_rate = {} — set it by hand", target.string(), rate));
  }
  io::write_file_atomic(target, out);
}

}  // namespace mlp::config
