// `mlp search`: the [search] table read into a search::Space, trials scored by the
// cross-validation of `mlp cv`, the output directory written (config/search.hpp).
#include "mlp/config/search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <mutex>
#include <toml++/toml.h>

#include "schema.hpp"
#include "mlp/config/commands.hpp"
#include "mlp/config/config.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"
#include "mlp/core/tensor.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/report/search_html.hpp"
#include "mlp/train/run_dir.hpp"

namespace mlp::config {
namespace {

namespace sc = schema;
namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kMaxSteps = 1'000'000;
constexpr std::string_view kDistributions[] = {"choice", "uniform", "log_uniform", "steps"};
/// The files search_run writes into its directory.
constexpr std::string_view kSearchFiles[] = {"config.toml", "search.json", "search.html"};

std::string text_of(const fs::path& path) {
  const auto bytes = io::read_file(path, kMaxConfigBytes);
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// A TOML value as JSON; nullopt for what no configuration key takes (tables, dates, non-finite
/// numbers).
std::optional<json> to_json(const toml::node& n) {
  if (const auto* i = n.as_integer()) return json(i->get());
  if (const auto* f = n.as_floating_point()) {
    if (!std::isfinite(f->get())) return std::nullopt;
    return json(f->get());
  }
  if (const auto* b = n.as_boolean()) return json(b->get());
  if (const auto* s = n.as_string()) return json(s->get());
  if (const auto* a = n.as_array()) {
    json out = json::array();
    for (const auto& e : *a) {
      auto v = to_json(e);
      if (!v) return std::nullopt;
      out.push_back(std::move(*v));
    }
    return out;
  }
  return std::nullopt;
}

/// A JSON value of a point as the TOML text of a --set override.
std::string toml_text(const json& v) {
  if (v.is_number_float()) return sc::real_text(v.get<double>());
  if (v.is_number()) return v.dump();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_string()) return sc::quoted(v.get<std::string>());
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + toml_text(v[i]);
  return out + "]";
}

std::string override_of(const std::string& key, const json& value) {
  return fmt::format("{}={}", key, toml_text(value));
}

/// Whether values of `key` are numbers, and integers: for uniform and log_uniform.
std::optional<bool> numeric_integer(const sc::Key& key) {
  switch (key.kind) {
    case sc::Kind::real: return false;
    case sc::Kind::integer: return true;
    case sc::Kind::optimizer_setting:
    case sc::Kind::schedule_setting: {
      const auto s = sc::any_setting(key.group, key.leaf());
      if (!s || s->kind == Setting::Kind::boolean) return std::nullopt;
      return s->kind == Setting::Kind::integer;
    }
    default: break;
  }
  if (key.name == "model.keep_prob") return false;  // one number for every hidden layer
  if (key.name == "train.seed") return true;
  return std::nullopt;
}

std::string location(const std::string& source, const toml::source_region& r) {
  if (r.begin.line == 0) return source;
  return fmt::format("{}:{}:{}", source, r.begin.line, r.begin.column);
}

/// The message of a ConfigError from parse_config without its "LOCATION: error: " prefix.
std::string bare(std::string_view message) {
  const auto at = message.find(": error: ");
  return std::string(at == std::string_view::npos ? message : message.substr(at + 9));
}

class SpaceReader {
 public:
  SpaceReader(std::string source, std::string text, std::vector<std::string> overrides)
      : source_(std::move(source)), text_(std::move(text)), overrides_(std::move(overrides)) {}

  search::Space read() {
    toml::table root;
    try {
      root = toml::parse(text_, source_);
    } catch (const toml::parse_error& e) {
      throw ConfigError(fmt::format("{}: error: {}", location(source_, e.source()), e.description()));
    }
    const toml::node* table = root.get("search");
    if (table == nullptr || !table->is_table() || table->as_table()->empty()) {
      throw ConfigError(fmt::format(
          "{}: error: {} [search] table; add one, e.g.\n  [search]\n  learning_rate = "
          "{{log_uniform = [1e-4, 1e-1]}}\n  hidden = {{choice = [[64], [128, 64]]}}\n(see "
          "docs/config.md)",
          table ? location(source_, table->source()) : source_, table ? "an empty" : "no"));
    }
    walk(*table->as_table(), "");
    // In the order written (toml++ keeps a table's keys sorted by name).
    std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    for (auto& e : entries_) {
      space_.dimensions.push_back(e.d);
      where_.push_back(e.where);
    }
    if (errors_.empty()) check_values();
    if (!errors_.empty()) {
      // In the order written, like the entries.
      std::vector<std::size_t> order(errors_.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      if (error_at_.size() == errors_.size()) {
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return error_at_[a] < error_at_[b]; });
      }
      std::string msg;
      for (const std::size_t i : order) msg += (msg.empty() ? "" : "\n") + errors_[i];
      throw ConfigError(msg);
    }
    return space_;
  }

  /// Where each dimension was written, by index.
  const std::vector<std::string>& where() const { return where_; }

 private:
  void error(const toml::source_region& at, const std::string& msg) {
    errors_.push_back(fmt::format("{}: error: {}", location(source_, at), msg));
    error_at_.emplace_back(at.begin.line, at.begin.column);
  }
  void error(const toml::node& n, const std::string& msg) { error(n.source(), msg); }

  void walk(const toml::table& t, const std::string& prefix) {
    for (auto&& [k, v] : t) {
      const std::string name = prefix + std::string(k.str());
      const auto* spec = v.as_table();
      if (spec == nullptr) {
        error(v, fmt::format("search.{} must be a table such as {{choice = [...]}}, {{uniform = "
                             "[lo, hi]}} or {{log_uniform = [lo, hi]}}", name));
        continue;
      }
      const bool is_spec = spec->contains("choice") || spec->contains("uniform") ||
                           spec->contains("log_uniform") || spec->contains("steps");
      if (!is_spec && !spec->empty()) {
        walk(*spec, name + ".");  // a dotted name (train.learning_rate) or [search.train]
        continue;
      }
      dimension(name, *spec, k.source());
    }
  }

  /// The configuration key `name` stands for: its dotted name, or the one key ending in it.
  const sc::Key* resolve(const std::string& name, const toml::source_region& n) {
    if (const sc::Key* k = sc::find_key(name)) return k;
    std::vector<const sc::Key*> found;
    for (const auto& k : sc::keys()) {
      if (k.name.size() > name.size() && k.name.ends_with(name) &&
          k.name[k.name.size() - name.size() - 1] == '.') {
        found.push_back(&k);
      }
    }
    if (found.size() == 1) return found.front();
    if (found.size() > 1) {
      std::vector<std::string_view> names;
      for (const auto* k : found) names.push_back(k->name);
      error(n, fmt::format("search.{} is ambiguous: it could be {}; write the dotted name, e.g. "
                           "\"{}\" = {{...}}", name, sc::join(names, " or "), names.front()));
      return nullptr;
    }
    std::vector<std::string_view> candidates;
    for (const auto& k : sc::keys()) {
      candidates.push_back(k.name);
      candidates.push_back(k.leaf());
    }
    error(n, fmt::format("unknown key search.{}{}: a name in [search] is a configuration key, "
                         "dotted (\"train.learning_rate\") or short when only one key ends with "
                         "it (learning_rate); see docs/config.md",
                         name, did_you_mean(name, candidates)));
    return nullptr;
  }

  void dimension(const std::string& name, const toml::table& spec, const toml::source_region& at) {
    const sc::Key* key = resolve(name, at);
    if (key == nullptr) return;
    for (const Entry& e : entries_) {
      if (e.d.name == key->name) {
        error(at, fmt::format("search.{}: {} is already searched ({}); give each key once", name,
                              key->name, e.where));
        return;
      }
    }
    Entry entry;
    entry.where = location(source_, at);
    entry.line = at.begin.line;
    entry.column = at.begin.column;
    search::Dimension& d = entry.d;
    d.name = key->name;
    std::vector<std::string_view> kinds;
    for (auto&& [k, v] : spec) {
      const std::string_view field = k.str();
      if (std::find(std::begin(kDistributions), std::end(kDistributions), field) == std::end(kDistributions)) {
        error(v, fmt::format("search.{}: unknown field {}{}; a search entry is {{choice = [...]}}, "
                             "{{uniform = [lo, hi]}} or {{log_uniform = [lo, hi]}}, with steps = N "
                             "for a grid",
                             name, field, did_you_mean(field, kDistributions)));
        return;
      }
      if (field != "steps") kinds.push_back(field);
    }
    if (kinds.size() != 1) {
      error(at, fmt::format("search.{}: give exactly one of choice, uniform, log_uniform (got {})",
                            name, kinds.empty() ? "none" : sc::join(kinds)));
      return;
    }
    const toml::node& value = *spec.get(kinds.front());
    if (kinds.front() == "choice") {
      d.distribution = search::Distribution::choice;
      const auto* list = value.as_array();
      if (list == nullptr || list->empty()) {
        error(value, fmt::format("search.{}: choice must be a non-empty list of values of {}{}",
                                 name, key->name,
                                 list ? " (an empty choice has nothing to try)" : ""));
        return;
      }
      for (const auto& e : *list) {
        auto j = to_json(e);
        if (!j) {
          error(e, fmt::format("search.{}: a choice value must be a finite number, a string, a "
                               "boolean or a list of those", name));
          return;
        }
        d.choices.push_back(std::move(*j));
        entry.value_where.push_back(location(source_, e.source()));
      }
      if (spec.contains("steps")) {
        error(*spec.get("steps"), fmt::format("search.{}: steps applies to uniform and "
                                              "log_uniform; a choice list is its own grid", name));
        return;
      }
    } else {
      const bool log = kinds.front() == "log_uniform";
      d.distribution = log ? search::Distribution::log_uniform : search::Distribution::uniform;
      const auto integer = numeric_integer(*key);
      if (!integer) {
        error(value, fmt::format("search.{}: {} is not a number (it takes: {}); {} needs a numeric "
                                 "key — list the values with choice = [...]",
                                 name, key->name, key->type, kinds.front()));
        return;
      }
      d.integer = *integer;
      const auto* list = value.as_array();
      const auto number = [](const toml::node& n) -> std::optional<double> {
        if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
        if (const auto* f = n.as_floating_point()) return f->get();
        return std::nullopt;
      };
      std::optional<double> lo, hi;
      if (list != nullptr && list->size() == 2) {
        lo = number(*list->get(0));
        hi = number(*list->get(1));
      }
      if (!lo || !hi || !std::isfinite(*lo) || !std::isfinite(*hi)) {
        error(value, fmt::format("search.{}: {} must be [lo, hi], two finite numbers", name,
                                 kinds.front()));
        return;
      }
      if (*lo > *hi) {
        error(value, fmt::format("search.{}: {} bounds out of order: [{}, {}] (lo must be <= hi)",
                                 name, kinds.front(), *lo, *hi));
        return;
      }
      if (log && *lo <= 0) {
        error(value, fmt::format("search.{}: log_uniform bounds must be > 0 (got [{}, {}]); use "
                                 "uniform for an interval that reaches 0", name, *lo, *hi));
        return;
      }
      d.lo = *lo;
      d.hi = *hi;
      if (const toml::node* steps = spec.get("steps")) {
        const auto* s = steps->as_integer();
        if (s == nullptr || s->get() < 1 || static_cast<std::size_t>(s->get()) > kMaxSteps) {
          error(*steps, fmt::format("search.{}: steps must be an integer in [1, {}]", name, kMaxSteps));
          return;
        }
        d.steps = static_cast<std::size_t>(s->get());
      }
      entry.value_where.assign(2, location(source_, value.source()));
    }
    entries_.push_back(std::move(entry));
  }

  /// Each choice value and interval end is a value its key accepts, with the file's other
  /// settings: the configuration parser says so (it knows every key's type, range and context).
  void check_values() {
    for (std::size_t i = 0; i < space_.dimensions.size(); ++i) {
      const search::Dimension& d = space_.dimensions[i];
      std::vector<json> values = d.choices;
      if (d.distribution != search::Distribution::choice) {
        values = {d.integer ? json(std::llround(d.lo)) : json(d.lo),
                  d.integer ? json(std::llround(d.hi)) : json(d.hi)};
      }
      for (std::size_t v = 0; v < values.size(); ++v) {
        std::vector<std::string> o = overrides_;
        o.push_back(override_of(d.name, values[v]));
        try {
          (void)parse_config(text_, source_, o);
        } catch (const ConfigError& e) {
          std::string why;
          for (std::string_view rest = e.what(); !rest.empty();) {
            const auto nl = rest.find('\n');
            const auto line = rest.substr(0, nl);
            // Only the value's own problems: the file's others were reported by load_config.
            if (line.find("--set " + d.name) != std::string_view::npos) why += (why.empty() ? "" : "; ") + bare(line);
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
          }
          if (why.empty()) why = bare(e.what());
          errors_.push_back(fmt::format("{}: error: search.{}: the value {} is refused: {}",
                                        entries_[i].value_where[v], d.name,
                                        toml_text(values[v]), why));
        }
      }
    }
  }

  std::string source_;
  std::string text_;
  std::vector<std::string> overrides_;
  /// A dimension with where it was written and where each of its values is (interval: lo, hi).
  struct Entry {
    search::Dimension d;
    std::string where;
    std::vector<std::string> value_where;
    std::size_t line = 0, column = 0;
  };
  std::vector<Entry> entries_;
  search::Space space_;
  std::vector<std::string> where_;  // of each dimension
  std::vector<std::string> errors_;
  std::vector<std::pair<std::size_t, std::size_t>> error_at_;  // line, column of each error
};

/// The output directory: refuses one that holds a search or a run (unless `force` and it is
/// mlp's), checks it before anything is written.
void check_output(const fs::path& dir, bool force) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec)) {
    throw IoError(fmt::format("{}: exists and is not a directory — choose another --out", dir.string()));
  }
  std::vector<std::string> present;
  for (const auto name : kSearchFiles) {
    if (fs::exists(fs::symlink_status(dir / name, ec))) present.emplace_back(name);
  }
  for (const auto& name : run_files_present(dir)) {
    if (std::find(present.begin(), present.end(), name) == present.end()) present.push_back(name);
  }
  if (present.empty()) return;
  std::string list;
  for (const auto& p : present) list += (list.empty() ? "" : ", ") + p;
  if (!force) {
    throw ConfigError(fmt::format("{}: already holds {} — choose another --out, or --force to "
                                  "replace the config.toml, search.json and search.html of a "
                                  "previous search there", dir.string(), list));
  }
  if (!is_marked_run(dir)) {
    throw ConfigError(fmt::format("{}: holds {} but no {} marker — mlp replaces files only in a "
                                  "directory it created; nothing was replaced, choose another --out",
                                  dir.string(), list, kRunMarkerName));
  }
}

/// Each trial trains its kernels on one thread (the pool runs several trials at once); the
/// previous setting comes back afterwards.
class SingleThreadedKernels {
 public:
  SingleThreadedKernels() : previous_(threads()) { set_threads(1); }
  ~SingleThreadedKernels() { set_threads(previous_); }
  SingleThreadedKernels(const SingleThreadedKernels&) = delete;
  SingleThreadedKernels& operator=(const SingleThreadedKernels&) = delete;

 private:
  int previous_;
};

}  // namespace

search::Space read_search_space(const fs::path& path, const std::vector<std::string>& overrides) {
  (void)load_config(path, overrides);  // the file's own errors first, as every command reports them
  SpaceReader reader(path.string(), text_of(path), overrides);
  return reader.read();
}

SearchRunResult search_run(const SearchRunOptions& o) {
  // ---- every check before the output directory is touched ----
  const RunConfig base = [&] {
    RunConfig c = load_config(o.config, o.overrides);
    resolve_data_paths(c, o.config.parent_path());
    return c;
  }();
  const std::string text = text_of(o.config);
  const std::string source = o.config.string();
  SpaceReader reader(source, text, o.overrides);
  const search::Space space = reader.read();
  if (!parameter_range::folds.contains(o.folds)) {
    throw ConfigError(fmt::format("search: --folds must be {} (got {})",
                                  parameter_range::folds.text(true), o.folds));
  }
  bool data_searched = false;
  for (std::size_t i = 0; i < space.dimensions.size(); ++i) {
    const auto& name = space.dimensions[i].name;
    if (name.starts_with("data.")) data_searched = true;
    if (o.method == search::Method::halving && name == "train.epochs") {
      throw ConfigError(fmt::format("{}: error: search.train.epochs: successive halving sets the "
                                    "epochs itself (budgets up to train.epochs); search it with "
                                    "--method random or grid", reader.where()[i]));
    }
  }
  search::Options so;
  so.method = o.method;
  so.trials = o.trials;
  so.eta = o.eta;
  so.max_epochs = static_cast<std::uint64_t>(base.train.epochs);
  so.seed = o.seed.value_or(base.train.seed);
  so.threads = o.threads;
  so.comm = o.comm;
  if (o.method == search::Method::grid) {
    for (std::size_t i = 0; i < space.dimensions.size(); ++i) {
      const auto& d = space.dimensions[i];
      if (d.distribution != search::Distribution::choice && d.steps == 0) {
        try {
          (void)search::grid_values(d);
        } catch (const ConfigError& e) {
          throw ConfigError(fmt::format("{}: error: {}", reader.where()[i], e.what()));
        }
      }
    }
    const std::size_t size = search::grid_size(space);  // throws for an interval without steps
    if (o.trials > size) {
      throw ConfigError(fmt::format("search: --trials {} is more than the {} points of the grid "
                                    "of {}; use --trials {} or fewer, or --method random",
                                    o.trials, size, source, size));
    }
  } else if (o.trials < 1) {
    throw ConfigError(fmt::format("search: --trials must be >= 1 with --method {} (got {})",
                                  search::to_string(o.method), o.trials));
  }
  if (o.method == search::Method::halving) (void)search::halving_schedule(o.trials, so.max_epochs, o.eta);
  if (o.threads < 0) throw ConfigError(fmt::format("search: --threads must be >= 0 (got {})", o.threads));

  SearchRunResult out;
  out.dir = o.out.empty() ? fs::path("runs") / (o.config.stem().string() + "-search") : o.out;
  // Rank 0 alone looks at and writes the output directory; its refusal ends every rank.
  const bool writer = o.comm == nullptr || o.comm->rank() == 0;
  {
    std::exception_ptr refused;
    try {
      if (writer) check_output(out.dir, o.force);
    } catch (...) {
      refused = std::current_exception();
    }
    agree_on_failure(o.comm, 0, refused);
  }

  check_training_memory(base, 1, 1, 0);
  std::optional<data::Dataset> shared_pool;
  if (!data_searched) shared_pool = pooled_data(base);
  if (shared_pool && o.folds > shared_pool->size()) {
    throw ConfigError(fmt::format("--folds {}: only {} examples to share", o.folds, shared_pool->size()));
  }

  // The trial's configuration: the file, the command line's overrides, the trial's values.
  const auto trial_config = [&](const search::Point& p, std::optional<std::uint64_t> epochs) {
    std::vector<std::string> ov = o.overrides;
    for (std::size_t i = 0; i < p.size(); ++i) ov.push_back(override_of(space.dimensions[i].name, p[i]));
    if (epochs) ov.push_back(fmt::format("train.epochs={}", *epochs));
    RunConfig c = parse_config(text, source, ov);
    resolve_data_paths(c, o.config.parent_path());
    return c;
  };

  std::mutex errors_mutex;
  std::map<std::size_t, std::exception_ptr> errors;
  const search::Scorer scorer = [&](const search::Point& p, std::size_t index, std::uint64_t epochs) {
    search::Score s;
    try {
      const RunConfig c = trial_config(
          p, o.method == search::Method::halving ? std::optional<std::uint64_t>(epochs) : std::nullopt);
      check_training_memory(c, 1, 1, 0);
      const data::Dataset pool = shared_pool ? data::Dataset() : pooled_data(c);
      const CrossValidationResult r = cross_validate(c, shared_pool ? *shared_pool : pool, o.folds);
      s.mean = r.mean;
      s.variance = r.variance;
      s.mean_accuracy = r.mean_accuracy;
      for (const auto& f : r.folds) s.epochs_run += static_cast<double>(f.epochs) / static_cast<double>(r.folds.size());
      if (!std::isfinite(s.mean)) s.error = "the mean dev cost is not finite";
    } catch (const ConfigError& e) {  // a combination of values the configuration refuses
      s.error = e.what();
      std::lock_guard lock(errors_mutex);
      errors.emplace(index, std::current_exception());
    } catch (const NumericError& e) {  // training diverged
      s.error = e.what();
      std::lock_guard lock(errors_mutex);
      errors.emplace(index, std::current_exception());
    }
    return s;
  };

  {
    SingleThreadedKernels one_thread;
    out.search = search::run(space, so, scorer, o.on_trial);
  }
  if (!out.search.best) {
    // The lowest failed trial's error; over several ranks, whichever rank scored it.
    agree_on_failure(o.comm, errors.empty() ? 0 : errors.begin()->first,
                     errors.empty() ? nullptr : errors.begin()->second);
    throw NumericError("search: no trial has a finite mean dev cost");
  }
  out.json_text = search::to_json(out.search).dump(2) + "\n";
  if (!writer) {
    out.written = false;
    return out;
  }

  // ---- the output directory ----
  prepare_writable_dir(out.dir);
  const RunLock lock(out.dir);
  check_output(out.dir, o.force);  // again under the lock
  mark_run(out.dir);
  const search::Trial& best = out.search.trials[*out.search.best];
  const RunConfig best_cfg = trial_config(best.params, std::nullopt);
  out.config = out.dir / "config.toml";
  out.json = out.dir / "search.json";
  out.report = out.dir / "search.html";
  // Data paths relative to the directory, as `mlp train` writes a run's config.toml.
  const std::string best_text = to_toml(with_data_paths_relative_to(best_cfg, out.dir));
  io::write_file_atomic(out.config,
                        fmt::format("# The best trial ({}) of `mlp search {}`: mean dev cost {} "
                                    "over {} folds (search.json)\n{}",
                                    best.index, source, best.score.mean, o.folds, best_text));
  io::write_file_atomic(out.json, out.json_text);
  report::SearchReportInfo info;
  info.title = fmt::format("mlp search — {}", source);
  info.folds = o.folds;
  info.best_config = best_text;
  report::write_search_html(out.report, out.search, info);
  return out;
}

}  // namespace mlp::config
