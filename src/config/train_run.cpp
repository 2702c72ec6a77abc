// config::train_run — a whole training run from a configuration file into a run directory
// (the library side of `mlp train`; train/run_dir.hpp lists the files).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "mlp/config/commands.hpp"
#include "mlp/config/keys.hpp"
#include "mlp/config/lint.hpp"
#include "mlp/config/reproduce.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/tensor.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/report/diagnosis.hpp"
#include "mlp/report/html.hpp"
#include "mlp/train/checkpoint.hpp"
#include "mlp/train/checkpoint_rotation.hpp"
#include "mlp/train/fine_tune.hpp"
#include "mlp/train/monitor.hpp"
#include "mlp/train/distributed.hpp"
#include "mlp/train/metrics_json.hpp"
#include "mlp/train/metrics_log.hpp"
#include "mlp/train/run_dir.hpp"
#include "mlp/train/scores_json.hpp"

namespace mlp::config {
namespace {

namespace fs = std::filesystem;

struct Run {
  fs::path dir;
  RunConfig cfg;
  std::string config_text;
  /// --resume: the run's config.toml as it is, before the overrides.
  std::optional<RunConfig> saved_cfg;
  /// --resume: the newest usable checkpoint and its file.
  std::optional<Checkpoint> checkpoint;
  fs::path checkpoint_path;
  PreparedData data;
  std::optional<mlp::Model> model;
  std::vector<std::string> slice_names;
  std::vector<EpochMetrics> history;
  std::vector<Recovery> recoveries;  ///< divergence recoveries of the training (report.html)
  /// summary.json's "manifest" (config/reproduce.hpp): taken by finish().
  nlohmann::json manifest;
  std::optional<Metrics> test;
  fs::path last_checkpoint;
  /// A new run replaces the files in run.dir (--force, or a start that never trained).
  bool replace = false;
  /// Writes the run directory: false on the data-parallel ranks other than 0.
  bool writer = true;
  /// The split `mlp lint`'s checks ran on (before normalization): build_model trains on it
  /// rather than reading the data files a second time. Empty without the checks.
  std::optional<PreparedData> linted;
  /// model.init_from: the saved model training starts from (also on --resume, for train.refit).
  std::optional<mlp::Model> init;
  /// θ before the first step (fresh initialization or init_from's): train.refit starts there.
  Vector<float> initial_theta;
  std::uint64_t best_epoch = 0;  ///< of the monitored metric, once training ended
};

void warn(const TrainRunOptions& o, const std::string& message) {
  if (o.on_warning) o.on_warning(message);
}

/// Step 1: the configuration (validated before any data is read) and the run directory's path.
/// With --resume it is CONFIG (when given with --out) or the run's config.toml, with the
/// overrides; resume_settings() then holds it to what the run was trained with.
void read_configuration(const TrainRunOptions& o, Run& run) {
  if (o.resume) {
    if (o.out.empty() && o.config.empty()) throw ConfigError("--resume needs the run directory: mlp train [CONFIG] --out DIR --resume");
    // `mlp train --out DIR --resume`, or `mlp train DIR --resume`; with both CONFIG and --out,
    // CONFIG must be the run's configuration.
    run.dir = o.out.empty() ? o.config : o.out;
    const fs::path saved = run.dir / "config.toml";
    if (!fs::exists(saved)) {
      throw ConfigError(fmt::format("--resume: {} holds no run (no config.toml) — start it without --resume", run.dir.string()));
    }
    // The run's own config.toml names its data relative to the run directory.
    run.saved_cfg = load_config(saved);
    resolve_data_paths(*run.saved_cfg, run.dir);
    if (!o.config.empty() && !o.out.empty()) {
      run.cfg = load_config(o.config, o.overrides);
      resolve_data_paths(run.cfg, o.config.parent_path());
    } else {
      run.cfg = load_config(saved, o.overrides);
      resolve_data_paths(run.cfg, run.dir);
    }
  } else {
    if (o.config.empty()) throw ConfigError("mlp train: CONFIG is required (run `mlp train --help`)");
    run.cfg = load_config(o.config, o.overrides);
    resolve_data_paths(run.cfg, o.config.parent_path());
    run.dir = o.out.empty() ? fs::path("runs") / o.config.stem() : o.out;
  }
  // What the run directory stores: data paths relative to it, no absolute path of this machine.
  run.config_text = to_toml(with_data_paths_relative_to(run.cfg, run.dir));
  if (!run.cfg.search_table.empty() && o.on_note) {
    o.on_note(fmt::format("{}: the [search] table is read by `mlp search` only; this run trains "
                          "the values of [model] and [train] as written", run.cfg.search_table));
  }
}

/// Step 2 (under the lock, before any data): a new run needs a directory without a run, or
/// --force to replace the run in it — which mlp only does where its marker proves the run is
/// mlp's. What a start that never trained left (holds_untrained_start: the marker, config.toml,
/// no epoch, no checkpoint, no model) is no run and is replaced without --force. Changes nothing:
/// claim_run_dir() does, once the data and the model are known to be valid.
void check_run_dir(const TrainRunOptions& o, Run& run) {
  const bool marked = is_marked_run(run.dir);
  if (o.resume) {
    if (marked) {
      remove_stale_temporaries(run.dir);  // left by a killed run; never loaded
    } else {
      warn(o, fmt::format("{} has no {} marker (a run directory of an older mlp): mlp deletes nothing in it, "
                          "so temporary files of killed runs stay",
                          run.dir.string(), kRunMarkerName));
    }
    return;
  }
  const std::vector<std::string> present = run_files_present(run.dir);
  run.replace = !present.empty();
  if (present.empty() || holds_untrained_start(run.dir)) return;
  const std::string files = fmt::format("{}", fmt::join(present, ", "));
  if (!marked) {
    throw ConfigError(fmt::format(
        "{} holds {} but no {} marker, so mlp cannot tell them from your own files and will not replace "
        "or delete them{} — choose another --out, or move those files away (a run of an older mlp can be "
        "continued with --resume)",
        run.dir.string(), files, kRunMarkerName, o.force ? " (not even with --force)" : ""));
  }
  if (!o.force) {
    throw ConfigError(fmt::format("{} already holds a run ({}) — continue it with --resume, overwrite it "
                                  "with --force, or choose another --out", run.dir.string(), files));
  }
}

/// Step 4 (a new run, under the lock, after the data and the model): the directory becomes this
/// run's — the replaced run's files removed (only mlp's own, train/run_dir.hpp), the marker and
/// config.toml written. A start that fails before this point leaves the directory as it was.
void claim_run_dir(Run& run) {
  if (run.replace) {
    clear_run(run.dir);
  } else if (is_marked_run(run.dir)) {
    remove_stale_temporaries(run.dir);
  }
  mark_run(run.dir);
  io::write_file_atomic(run.dir / "config.toml", run.config_text);
}

std::string shown(const std::string& value) { return value.empty() ? "(not used)" : value; }

/// Every change from `trained` (what the run was trained with, as `trained_where` records it)
/// to run.cfg that --resume may not make, one error line per key at the place that sets the
/// new value, then what to do. A resumed run that changed anything else would continue as
/// another run, and its model would disagree with its own provenance.
void refuse_changed_settings(const Run& run, const RunConfig& trained, const std::string& trained_where) {
  std::vector<std::string> lines;
  // Compared (and shown) as config.toml records them: data paths relative to the run directory.
  for (const ConfigChange& c : config_changes(with_data_paths_relative_to(trained, run.dir),
                                              with_data_paths_relative_to(run.cfg, run.dir))) {
    if (c.resume_safe) continue;
    lines.push_back(fmt::format("{}: error: {} = {}, but the run was trained with {} = {}", run.cfg.location_of(c.key),
                                c.key, shown(c.after), c.key, shown(c.before)));
  }
  if (lines.empty()) return;
  std::vector<std::string> safe;
  for (const auto& k : config_key_table()) {
    if (k.resume_safe) safe.push_back(k.key);
  }
  const std::size_t n = lines.size();
  lines.push_back(fmt::format(
      "{}: error: --resume: {} setting{} differ{} from the run's (recorded in {}); only {} may change when resuming "
      "— restore {}, or start a new run (another --out, or --force)",
      run.dir.string(), n, n == 1 ? "" : "s", n == 1 ? "s" : "", trained_where, fmt::join(safe, ", "),
      n == 1 ? "it" : "them"));
  throw ConfigError(fmt::format("{}", fmt::join(lines, "\n")));
}

/// Step 2b (--resume, under the lock, before any data): the newest usable checkpoint, and the
/// configuration checked against the one it was trained with (recorded in the checkpoint; in
/// config.toml for a checkpoint without one). Then config.toml is brought up to date when a
/// resume-safe key changed, so that it describes the run its model comes from.
void resume_settings(const TrainRunOptions& o, Run& run) {
  std::vector<std::string> skipped;
  run.checkpoint = load_newest_checkpoint(run.dir / "checkpoints", &skipped, &run.checkpoint_path);
  for (const auto& s : skipped) warn(o, fmt::format("skipping an unusable checkpoint: {}", s));
  if (!run.checkpoint) throw DataError(fmt::format("{}: no valid checkpoint to resume from", (run.dir / "checkpoints").string()));
  const auto& info = run.checkpoint->model.info();
  if (const auto it = info.find("config"); it != info.end()) {
    RunConfig trained;
    try {
      trained = parse_config(it->second, run.checkpoint_path.string());
      resolve_data_paths(trained, run.dir);  // recorded relative to the run directory
    } catch (const ConfigError& e) {
      throw DataError(fmt::format("{}: the configuration recorded in the checkpoint is not valid here ({}); resume "
                                  "it with the mlp version that wrote it, or start a new run",
                                  run.checkpoint_path.string(), e.what()));
    }
    refuse_changed_settings(run, trained, run.checkpoint_path.string());
  } else {
    refuse_changed_settings(run, *run.saved_cfg, (run.dir / "config.toml").string());
  }
  if (run.writer && !config_changes(*run.saved_cfg, run.cfg).empty()) {
    io::write_file_atomic(run.dir / "config.toml", run.config_text);
  }
}

void write_report(const Run& run, const std::optional<Scores>& test_scores = std::nullopt) {
  if (run.history.empty()) return;
  report::DiagnosisOptions o;
  o.use_best_epoch = run.cfg.train.early_stopping.enabled && run.cfg.train.early_stopping.restore_best;
  o.best_epoch = run.best_epoch;  // of train.early_stopping.monitor
  o.run = run_settings(run.cfg);  // the advice starts from the run's settings, as `mlp diagnose`'s
  const auto diagnosis = report::diagnose(run.history, run.slice_names, o);
  report::ReportInfo info;
  info.title = fmt::format("mlp — {}", fs::path(run.cfg.data.train).filename().string());
  const auto& net = run.model->network();
  std::string arch = fmt::format("{}", net.inputs());
  for (const auto& l : net.spec().layers) arch += fmt::format(" → {} {}", l.units, to_string(l.activation));
  info.model_summary = {fmt::format("architecture: {}", arch),
                        fmt::format("parameters: {}", net.params().size()),
                        fmt::format("loss: {}, optimizer: {}, learning rate {}", to_string(net.spec().loss),
                                    run.cfg.train.optimizer, run.cfg.train.learning_rate)};
  info.test = run.test;
  info.class_names = run.model->preprocessing().class_names;
  info.test_scores = test_scores;
  info.target_names = run.model->preprocessing().target_names;
  info.config_text = run.config_text;
  info.recoveries = run.recoveries;
  report::write_report_html(run.dir / "report.html", run.history, run.slice_names, diagnosis, info);
}

/// Records every epoch (one line appended to each metrics file) and writes a checkpoint every
/// train.checkpoint_every epochs, keeping the newest train.keep_checkpoints.
class Checkpointer : public Callback {
 public:
  Checkpointer(Run& run, const Trainer& trainer, MetricsFiles& metrics)
      : run_(run), trainer_(trainer), metrics_(metrics) {}
  bool on_epoch_end(const EpochMetrics& e) override {
    run_.history.push_back(e);
    metrics_.append(e);
    const auto every = run_.cfg.train.checkpoint_every;
    if (every > 0 && e.epoch % static_cast<std::uint64_t>(every) == 0) save();
    return true;
  }
  void save() {
    run_.last_checkpoint = save_rotating_checkpoint(run_.dir / "checkpoints", *run_.model, trainer_.state(),
                                                    run_.slice_names, run_.cfg.train.keep_checkpoints);
  }

 private:
  Run& run_;
  const Trainer& trainer_;
  MetricsFiles& metrics_;
};

/// Stops training after the current batch once the caller asks for it.
class StopWhen : public Callback {
 public:
  explicit StopWhen(const std::function<bool()>& stop) : stop_(stop) {}
  bool on_batch_end(const BatchInfo&) override { return !stop_requested(); }
  bool on_epoch_end(const EpochMetrics&) override { return !stop_requested(); }
  [[nodiscard]] bool stop_requested() const { return stop_ && stop_(); }

 private:
  const std::function<bool()>& stop_;
};

/// The settings that need the data: the monitored metric fits the task, train.refit has a dev
/// set, model.init_from has the data's columns and classes and the configured architecture.
void check_fine_tuning(const Run& run, const ModelSpec& spec, const TrainOptions& options) {
  const auto at = [&](std::string_view key, const auto& f) {
    try {
      f();
    } catch (const ConfigError& e) {
      throw ConfigError(run.cfg.diagnostic(key, e.what()));
    }
  };
  if (run.data.dev.size() > 0) {
    at("train.early_stopping.monitor", [&] { check_monitor_fits(options.early_stopping.monitor, run.data.train.task); });
  }
  if (run.cfg.train.refit && run.data.dev.size() == 0) {
    throw ConfigError(run.cfg.diagnostic(
        "train.refit", "train.refit retrains on train + dev for the best dev epoch's number of epochs, but the "
                       "run has no dev set; set data.dev or a dev fraction in data.split, or remove train.refit"));
  }
  if (!run.init) return;
  const std::string& file = *run.cfg.model.init_from;
  const Preprocessing& saved = run.init->preprocessing();
  const data::Dataset& train = run.data.train;
  at("model.init_from", [&] {
    const std::string diff = architecture_difference(spec, run.init->network().spec());
    if (!diff.empty()) throw ConfigError(fmt::format("{}: the saved network does not fit the configured one: {}", file, diff));
    if (saved.task != train.task) {
      throw ConfigError(fmt::format("{}: a {} model, but the data is a {} task", file,
                                    saved.task == data::Task::classification ? "classification" : "regression",
                                    train.task == data::Task::classification ? "classification" : "regression"));
    }
    if (!saved.feature_names.empty() && !train.feature_names.empty() && saved.feature_names != train.feature_names) {
      throw ConfigError(fmt::format("{}: the saved model's input columns ({}) are not the data's ({})", file,
                                    fmt::join(saved.feature_names, ", "), fmt::join(train.feature_names, ", ")));
    }
    if (!saved.class_names.empty() && saved.class_names != train.class_names) {
      throw ConfigError(fmt::format("{}: the saved model's classes ({}) are not the data's ({}) — its outputs "
                                    "would mean other classes", file, fmt::join(saved.class_names, ", "),
                                    fmt::join(train.class_names, ", ")));
    }
  });
}

/// Step 3: the data, the model in run.model and the training options.
TrainOptions build_model(const TrainRunOptions& o, Run& run) {
  // model.init_from: the saved model (66 missing, 65 not a model) and its standardization.
  // Errors keep their type (exit code) and name the key the file came from.
  if (run.cfg.model.init_from) {
    try {
      run.init = mlp::Model::load(*run.cfg.model.init_from);
    } catch (const InputError& e) {
      throw InputError(fmt::format("model.init_from: {} — set it to a model file written by mlp train", e.what()));
    } catch (const DataError& e) {
      throw DataError(fmt::format("model.init_from: {}", e.what()));
    } catch (const ShapeError& e) {
      throw ShapeError(fmt::format("model.init_from: {}", e.what()));
    }
  }
  if (run.linted) {
    // The split the checks ran on, normalized as prepare_data() would: the files are read once.
    run.data = std::move(*run.linted);
    run.linted.reset();
    if (run.init) run.data.kept = run.init->preprocessing();
    normalize(run.cfg, run.data);
  } else {
    PrepareOptions prepare;
    if (run.init) prepare.kept = &run.init->preprocessing();
    run.data = prepare_data(run.cfg, load_data(run.cfg), prepare);
  }
  // Dev/test rows with categories the training split does not have (encoded as zeros).
  for (const auto& w : run.data.warnings) {
    if (o.on_warning) o.on_warning(w);
  }
  if (!run.data.train.task_decision.empty() && o.on_note) {
    o.on_note(fmt::format("{}: {}", run.cfg.data.train, run.data.train.task_decision));
  }
  if (run.data.dev.size() == 0 && run.data.test.size() == 0 && o.on_note) {
    o.on_note("no dev or test set: the final figures are training-set metrics, which do not "
              "estimate performance on new data; hold out examples with data.split (e.g. "
              "[0.8, 0.1, 0.1]) or data.dev / data.test");
  }
  const ModelSpec spec = model_spec(run.cfg, run.data.train);
  check_training_memory(run.cfg, spec.inputs, spec.layers.back().units, run.data.train.size());
  TrainOptions options = train_options(run.cfg);
  options.detect_anomaly = o.detect_anomaly;
  options.comm = o.comm;  // data parallel over its ranks (docs/distributed.md)
  if (options.batch_size > run.data.train.size()) {
    warn(o, fmt::format("{}: train.batch_size {} is larger than the {} training examples; using {}",
                        run.cfg.location_of("train.batch_size"), options.batch_size, run.data.train.size(),
                        run.data.train.size()));
  }
  if (options.early_stopping.enabled && run.data.dev.size() == 0) {
    throw ConfigError(run.cfg.diagnostic("train.early_stopping", "early stopping needs a dev set (data.split or data.dev)"));
  }
  check_fine_tuning(run, spec, options);
  std::map<std::string, std::string> info{{"mlp.version", MLP_VERSION},
                                          {"config", run.config_text},
                                          {"train_data", with_data_paths_relative_to(run.cfg, run.dir).data.train}};
  if (run.init) info["init_from"] = with_data_paths_relative_to(run.cfg, run.dir).model.init_from.value_or("");
  run.model.emplace(Network<float>(spec), preprocessing_of(run.data), info);
  if (run.init) warm_start(run.model->network(), run.init->network(), *run.cfg.model.init_from);
  run.initial_theta = run.model->network().params().theta();
  for (const auto& s : run.model->network().params().slices()) run.slice_names.push_back(s.name);
  return options;
}

/// --resume: the weights, history and trainer state of the checkpoint resume_settings() chose.
void resume(Run& run, Trainer& trainer, TrainRunStart& start) {
  Checkpoint& ck = *run.checkpoint;
  Network<float>& net = run.model->network();
  if (ck.model.network().spec() != net.spec()) {
    throw DataError(fmt::format("{}: the checkpoint's architecture differs from the configuration", run.checkpoint_path.string()));
  }
  net.params().theta() = ck.model.network().params().theta();
  run.history = ck.state.history;
  start.resumed_from = run.checkpoint_path;
  start.resume_epoch = ck.state.epoch + (ck.state.batch ? 1 : 0);
  start.resume_batch = ck.state.batch;
  trainer.restore(std::move(ck.state));
  run.last_checkpoint = run.checkpoint_path;
  run.checkpoint.reset();
}

TrainRunStart start_info(const Run& run, const TrainOptions& options) {
  TrainRunStart s;
  s.dir = run.dir;
  s.train_examples = run.data.train.size();
  s.dev_examples = run.data.dev.size();
  s.test_examples = run.data.test.size();
  s.features = run.data.train.n_features();
  if (run.data.train.task == data::Task::classification) s.classes = run.data.train.n_classes();
  s.parameters = run.model->network().params().size();
  s.epochs = options.epochs;
  s.train_cost = options.train_cost;
  return s;
}


/// The result as JSON, naming the model file by `model` (summary.json: relative to the run
/// directory; the --json output: as the run directory was given).
std::string summary_json(const Run& run, const TrainRunResult& r, const fs::path& model) {
  nlohmann::json j;
  j["model"] = model.string();
  j["epochs_run"] = r.training.epochs_run;
  j["train_seconds"] = r.training.train_seconds;
  j["samples_per_second"] = r.training.samples_per_second;
  // Training-set metrics under their own key: never to be read as a held-out estimate.
  j["train"] = r.train ? metrics_json(*r.train) : nlohmann::json(nullptr);
  j["dev"] = r.dev && !run.history.empty() ? metrics_json(*r.dev) : nlohmann::json(nullptr);
  j["test"] = r.test ? metrics_json(*r.test) : nlohmann::json(nullptr);
  // Per-class / per-target scores of the held-out sets, as mlp eval --json prints them.
  nlohmann::json scores = nlohmann::json::object();
  if (r.dev_scores && !run.history.empty()) scores["dev"] = scores_json(*r.dev_scores, r.score_names);
  if (r.test_scores) scores["test"] = scores_json(*r.test_scores, r.score_names);
  j["scores"] = scores;
  j["best_epoch"] = r.training.best_epoch;
  j["stop_reason"] = r.training.reason == StopReason::early_stopping ? "early_stopping" : "completed";
  // Divergence recovery (train.on_divergence = "recover"): every rollback, in order.
  nlohmann::json recoveries = nlohmann::json::array();
  for (const Recovery& rec : r.training.recoveries) {
    recoveries.push_back({{"epoch", rec.epoch}, {"batch", rec.batch}, {"tensor", rec.tensor},
                          {"lr_before", rec.lr_before}, {"lr_after", rec.lr_after},
                          {"steps_undone", rec.steps_undone}});
  }
  j["recoveries"] = recoveries;
  j["manifest"] = run.manifest;  // what a bit-for-bit rerun needs (mlp train --reproduce)
  j["lr_multiplier"] = r.training.lr_multiplier;
  j["monitor"] = run.cfg.train.early_stopping.monitor;  // what best_epoch is the best of
  j["refit"] = r.refit ? nlohmann::json{{"epochs", r.refit->epochs}, {"examples", r.refit->examples},
                                        {"selected_dev", r.refit->selected_dev ? metrics_json(*r.refit->selected_dev)
                                                                               : nlohmann::json(nullptr)}}
                       : nlohmann::json(nullptr);
  j["ranks"] = r.ranks;  // data-parallel processes (docs/distributed.md)
  j["allreduce_seconds"] = r.allreduce_seconds;
  return j.dump(2) + "\n";
}

/// train.refit (after a completed training): a network from the initial weights trained on
/// train + dev (the same split, joined; statistics fitted on the union unless model.init_from
/// keeps its own) for the best epoch's number of epochs, with the same options and no early
/// stopping; it replaces run.model and run.data. A stop request leaves both as they were.
void refit(const TrainRunOptions& o, Run& run, TrainOptions options, TrainRunResult& r, StopWhen& stop) {
  const std::uint64_t epochs = r.training.best_epoch;
  if (epochs == 0) return;  // no dev epoch (build_model refuses a refit without dev data)
  Network<float>& chosen = run.model->network();
  RefitInfo info;
  info.epochs = epochs;
  info.selected_dev = evaluate(chosen, run.data.dev, run.data.target_scaler());
  PrepareOptions prepare;
  prepare.join_dev = true;
  if (run.init) prepare.kept = &run.init->preprocessing();
  PreparedData data = prepare_data(run.cfg, load_data(run.cfg), prepare);
  info.examples = data.train.size();
  if (o.on_note) {
    o.on_note(fmt::format("train.refit: training again from the initial weights on train + dev ({} examples) for "
                          "{} epochs, the best epoch of {}", info.examples, epochs, options.early_stopping.monitor));
  }
  Network<float> net(chosen.spec());
  net.params().theta() = run.initial_theta;
  options.epochs = epochs;
  options.early_stopping.enabled = false;
  options.comm = nullptr;  // rank 0 alone
  Trainer trainer(net, options);
  const TrainResult t = trainer.fit(data.train, nullptr, {&stop}, data.target_scaler());
  if (t.reason == StopReason::callback) return;
  auto model_info = run.model->info();
  model_info["refit"] = fmt::format("{} epochs on {} examples (train + dev)", epochs, info.examples);
  run.model.emplace(std::move(net), preprocessing_of(data), model_info);
  run.data = std::move(data);
  r.refit = std::move(info);
}

/// Step 5: the final model, test metrics, metrics files, report and summary.
void finish(Run& run, TrainRunResult& r, MetricsFiles& metrics) {
  Network<float>& net = run.model->network();
  if (run.data.test.size() > 0) run.test = evaluate(net, run.data.test, run.data.target_scaler());
  run.model->info()["epochs_run"] = std::to_string(r.training.epochs_run);
  run.model->save(r.model);
  metrics.sync();
  if (run.data.test.size() > 0) {
    r.test_scores = evaluate_scores(net, run.data.test, run.data.target_scaler());
  }
  write_report(run, r.test_scores);
  r.train = evaluate(net, run.data.train, run.data.target_scaler());
  if (run.data.dev.size() > 0) {
    r.dev = evaluate(net, run.data.dev, run.data.target_scaler());
    r.dev_scores = evaluate_scores(net, run.data.dev, run.data.target_scaler());
  }
  r.test = run.test;
  const data::Dataset& train = run.data.train;
  r.score_names = train.task == data::Task::classification ? train.class_names : train.target_names;
  run.manifest = run_manifest(run.cfg, run.dir);  // the build, threads, seed, data hashes, config
  r.summary_json = summary_json(run, r, r.model);
  io::write_file_atomic(run.dir / "summary.json", summary_json(run, r, r.model.filename()));
}

/// A data-parallel rank other than 0 (docs/distributed.md): the same configuration, checkpoint
/// (--resume) and data as rank 0, its shard of every batch; nothing written, nothing reported.
/// Rank 0 checks the run directory; a refusal there ends the job (rank 0 exits non-zero).
TrainRunResult train_worker(const TrainRunOptions& o, Run& run) {
  if (o.resume) resume_settings(o, run);
  const TrainOptions options = build_model(o, run);
  Trainer trainer(run.model->network(), options);
  TrainRunStart start = start_info(run, options);
  if (o.resume) resume(run, trainer, start);
  StopWhen stop(o.stop_requested);
  TrainRunResult r;
  r.dir = run.dir;
  r.model = run.dir / "model.mlp";
  r.report = run.dir / "report.html";
  r.training = trainer.fit(run.data.train, run.data.dev_or_null(), {&stop}, run.data.target_scaler());
  r.interrupted = r.training.reason == StopReason::callback;
  r.ranks = o.comm->size();
  r.allreduce_seconds = o.comm->seconds();
  return r;
}

}  // namespace

TrainRunResult train_run(const TrainRunOptions& o) {
  Run run;
  read_configuration(o, run);
  check_training_memory(run.cfg, 1, 1, 0);  // a lower bound, before any file is touched
  if (o.lint && !o.resume) enforce_lint(run.cfg, o.lint_ignore, &run.linted);  // leaks, symmetry: before any file
  set_threads(static_cast<int>(run.cfg.train.threads));
  // Data parallel (docs/distributed.md): rank 0 alone touches the run directory.
  if (o.comm && o.comm->size() > 1 && run.cfg.train.refit) {  // rank 0 alone would train again
    throw ConfigError(run.cfg.diagnostic("train.refit", fmt::format(
        "train.refit is not supported on {} data-parallel ranks — refit without mpirun", o.comm->size())));
  }
  run.writer = o.comm == nullptr || o.comm->rank() == 0;
  if (!run.writer) return train_worker(o, run);
  prepare_writable_dir(run.dir);
  RunLock lock(run.dir);
  check_run_dir(o, run);
  if (o.resume) resume_settings(o, run);
  const TrainOptions options = build_model(o, run);
  if (!o.resume) claim_run_dir(run);
  Trainer trainer(run.model->network(), options);
  TrainRunStart start = start_info(run, options);
  if (o.resume) resume(run, trainer, start);
  MetricsFiles metrics(run.dir, run.slice_names, run.history);  // --resume: cut back to the checkpoint
  if (o.on_start) o.on_start(start);

  TrainRunResult r;
  r.dir = run.dir;
  r.model = run.dir / "model.mlp";
  r.report = run.dir / "report.html";
  Checkpointer checkpointer(run, trainer, metrics);
  StopWhen stop(o.stop_requested);
  std::vector<Callback*> callbacks{&checkpointer};
  callbacks.insert(callbacks.end(), o.callbacks.begin(), o.callbacks.end());
  callbacks.push_back(&stop);
  try {
    r.training = trainer.fit(run.data.train, run.data.dev_or_null(), callbacks, run.data.target_scaler());
    run.recoveries = r.training.recoveries;
  } catch (const NumericError& e) {
    try {
      metrics.sync();  // the epochs before the divergence stay on record
    } catch (const IoError&) {
    }
    throw NumericError(fmt::format("{} (last good checkpoint: {})", e.what(),
                                   run.last_checkpoint.empty() ? "none" : run.last_checkpoint.filename().string()));
  }
  r.ranks = o.comm ? o.comm->size() : 1;
  r.allreduce_seconds = o.comm ? o.comm->seconds() : 0.0;
  // Data parallel: another rank's signal stops this one too (the ranks agree on each stop).
  const bool stopped_by_rank = o.comm && o.comm->size() > 1 && r.training.reason == StopReason::callback;
  run.best_epoch = r.training.best_epoch;
  r.monitor = options.early_stopping.monitor;
  r.restored_best = options.early_stopping.enabled && options.early_stopping.restore_best;
  if (run.cfg.train.refit && !stop.stop_requested() && !stopped_by_rank) refit(o, run, options, r, stop);
  if (stop.stop_requested() || stopped_by_rank) {
    checkpointer.save();
    metrics.sync();
    write_report(run);
    r.interrupted = true;
  } else {
    finish(run, r, metrics);
  }
  r.last_checkpoint = run.last_checkpoint;
  return r;
}

}  // namespace mlp::config
