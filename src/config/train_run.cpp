// config::train_run — a whole training run from a configuration file into a run directory
// (the library side of `mlp train`; train/run_dir.hpp lists the files).
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "mlp/config/commands.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/tensor.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/report/diagnosis.hpp"
#include "mlp/report/html.hpp"
#include "mlp/train/checkpoint.hpp"
#include "mlp/train/checkpoint_rotation.hpp"
#include "mlp/train/metrics_log.hpp"
#include "mlp/train/run_dir.hpp"

namespace mlp::config {
namespace {

namespace fs = std::filesystem;

struct Run {
  fs::path dir;
  RunConfig cfg;
  std::string config_text;
  PreparedData data;
  std::optional<mlp::Model> model;
  std::vector<std::string> slice_names;
  std::vector<EpochMetrics> history;
  std::optional<Metrics> test;
  fs::path last_checkpoint;
};

void warn(const TrainRunOptions& o, const std::string& message) {
  if (o.on_warning) o.on_warning(message);
}

/// Step 1: the configuration (validated before any data is read) and the run directory's path.
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
    run.cfg = load_config(saved, o.overrides);
    if (!o.config.empty() && !o.out.empty()) {
      RunConfig given = load_config(o.config, o.overrides);
      resolve_data_paths(given, o.config.parent_path());
      given.train.epochs = run.cfg.train.epochs;  // training longer is allowed with --set
      if (!(given == run.cfg)) {
        throw ConfigError(fmt::format(
            "--resume: {} differs from the configuration of the run in {} — resume with the same "
            "configuration (only train.epochs may change, via --set), or start a new run",
            o.config.string(), saved.string()));
      }
    }
  } else {
    if (o.config.empty()) throw ConfigError("mlp train: CONFIG is required (run `mlp train --help`)");
    run.cfg = load_config(o.config, o.overrides);
    resolve_data_paths(run.cfg, o.config.parent_path());
    run.dir = o.out.empty() ? fs::path("runs") / o.config.stem() : o.out;
  }
  run.config_text = to_toml(run.cfg);
}

/// Step 2 (under the lock): a new run needs an empty directory, or --force to clear it.
void claim_run_dir(const TrainRunOptions& o, Run& run) {
  remove_stale_temporaries(run.dir);  // left by a killed run; never loaded
  if (!o.resume && holds_run(run.dir)) {
    if (!o.force) {
      throw ConfigError(fmt::format("{} already holds a run — continue it with --resume, overwrite it "
                                    "with --force, or choose another --out", run.dir.string()));
    }
    clear_run(run.dir);
  }
  if (!o.resume) io::write_file_atomic(run.dir / "config.toml", run.config_text);
}

void write_metrics(const Run& run) {
  std::string jsonl, csv;
  for (const auto& e : run.history) jsonl += metrics_jsonl_line(e, run.slice_names) + "\n";
  io::write_file_atomic(run.dir / "metrics.jsonl", jsonl);
  if (!run.history.empty()) {
    const auto layout = CsvLayout::from(run.history.front(), run.history.front().dev.has_value(), run.slice_names);
    csv = metrics_csv_header(layout);  // whole lines, each ending in \n
    for (const auto& e : run.history) csv += metrics_csv_row(e, layout);
  }
  io::write_file_atomic(run.dir / "metrics.csv", csv);
}

void write_report(const Run& run) {
  if (run.history.empty()) return;
  report::DiagnosisOptions o;
  o.use_best_epoch = run.cfg.train.early_stopping.enabled && run.cfg.train.early_stopping.restore_best;
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
  info.config_text = run.config_text;
  report::write_report_html(run.dir / "report.html", run.history, run.slice_names, diagnosis, info);
}

/// Records every epoch (metrics files) and writes a checkpoint every train.checkpoint_every
/// epochs, keeping the newest train.keep_checkpoints.
class Checkpointer : public Callback {
 public:
  Checkpointer(Run& run, const Trainer& trainer) : run_(run), trainer_(trainer) {}
  bool on_epoch_end(const EpochMetrics& e) override {
    run_.history.push_back(e);
    write_metrics(run_);
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

/// Step 3: the data, the model in run.model and the training options.
TrainOptions build_model(const TrainRunOptions& o, Run& run) {
  run.data = prepare_data(run.cfg);
  const ModelSpec spec = model_spec(run.cfg, run.data.train);
  TrainOptions options = train_options(run.cfg);
  options.detect_anomaly = o.detect_anomaly;
  if (options.batch_size > run.data.train.size()) {
    warn(o, fmt::format("{}: train.batch_size {} is larger than the {} training examples; using {}",
                        run.cfg.location_of("train.batch_size"), options.batch_size, run.data.train.size(),
                        run.data.train.size()));
  }
  if (options.early_stopping.enabled && run.data.dev.size() == 0) {
    throw ConfigError(run.cfg.diagnostic("train.early_stopping", "early stopping needs a dev set (data.split or data.dev)"));
  }
  std::map<std::string, std::string> info{{"mlp.version", MLP_VERSION},
                                          {"config", run.config_text},
                                          {"train_data", run.cfg.data.train}};
  run.model.emplace(Network<float>(spec), preprocessing_of(run.data), info);
  for (const auto& s : run.model->network().params().slices()) run.slice_names.push_back(s.name);
  return options;
}

/// --resume: the weights, history and trainer state of the newest usable checkpoint.
void resume(const TrainRunOptions& o, Run& run, Trainer& trainer, TrainRunStart& start) {
  std::vector<std::string> skipped;
  fs::path chosen;
  auto ck = load_newest_checkpoint(run.dir / "checkpoints", &skipped, &chosen);
  for (const auto& s : skipped) warn(o, fmt::format("skipping an unusable checkpoint: {}", s));
  if (!ck) throw DataError(fmt::format("{}: no valid checkpoint to resume from", (run.dir / "checkpoints").string()));
  Network<float>& net = run.model->network();
  if (ck->model.network().spec() != net.spec()) {
    throw DataError(fmt::format("{}: the checkpoint's architecture differs from the configuration", chosen.string()));
  }
  net.params().theta() = ck->model.network().params().theta();
  run.history = ck->state.history;
  start.resumed_from = chosen;
  start.resume_epoch = ck->state.epoch + (ck->state.batch ? 1 : 0);
  start.resume_batch = ck->state.batch;
  trainer.restore(std::move(ck->state));
  run.last_checkpoint = chosen;
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
  return s;
}

nlohmann::json number(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

/// Metrics in summary.json: {"loss", "accuracy"} or {"loss", "rmse", "mae", "r2"}.
nlohmann::json metrics_json(const Metrics& m) {
  nlohmann::json j;
  j["loss"] = number(m.loss);
  if (m.accuracy) j["accuracy"] = number(*m.accuracy);
  if (m.rmse) j["rmse"] = number(*m.rmse);
  if (m.mae) j["mae"] = number(*m.mae);
  if (m.r2) j["r2"] = number(*m.r2);
  return j;
}

std::string summary_json(const Run& run, const TrainRunResult& r) {
  nlohmann::json j;
  j["model"] = r.model.string();
  j["epochs_run"] = r.training.epochs_run;
  j["train_seconds"] = r.training.train_seconds;
  j["samples_per_second"] = r.training.samples_per_second;
  j["dev"] = r.dev && !run.history.empty() ? metrics_json(*r.dev) : nlohmann::json(nullptr);
  j["test"] = r.test ? metrics_json(*r.test) : nlohmann::json(nullptr);
  j["best_epoch"] = r.training.best_epoch;
  j["stop_reason"] = r.training.reason == StopReason::early_stopping ? "early_stopping" : "completed";
  return j.dump(2) + "\n";
}

/// Step 5: the final model, test metrics, metrics files, report and summary.
void finish(Run& run, TrainRunResult& r) {
  Network<float>& net = run.model->network();
  if (run.data.test.size() > 0) run.test = evaluate(net, run.data.test, run.data.target_scaler());
  run.model->info()["epochs_run"] = std::to_string(r.training.epochs_run);
  run.model->save(r.model);
  write_metrics(run);
  write_report(run);
  if (run.data.dev.size() > 0) r.dev = evaluate(net, run.data.dev, run.data.target_scaler());
  r.test = run.test;
  r.summary_json = summary_json(run, r);
  io::write_file_atomic(run.dir / "summary.json", r.summary_json);
}

}  // namespace

TrainRunResult train_run(const TrainRunOptions& o) {
  Run run;
  read_configuration(o, run);
  set_threads(static_cast<int>(run.cfg.train.threads));
  prepare_writable_dir(run.dir);
  RunLock lock(run.dir);
  claim_run_dir(o, run);
  const TrainOptions options = build_model(o, run);
  Trainer trainer(run.model->network(), options);
  TrainRunStart start = start_info(run, options);
  if (o.resume) resume(o, run, trainer, start);
  if (o.on_start) o.on_start(start);

  TrainRunResult r;
  r.dir = run.dir;
  r.model = run.dir / "model.mlp";
  r.report = run.dir / "report.html";
  Checkpointer checkpointer(run, trainer);
  StopWhen stop(o.stop_requested);
  std::vector<Callback*> callbacks{&checkpointer};
  callbacks.insert(callbacks.end(), o.callbacks.begin(), o.callbacks.end());
  callbacks.push_back(&stop);
  try {
    r.training = trainer.fit(run.data.train, run.data.dev_or_null(), callbacks, run.data.target_scaler());
  } catch (const NumericError& e) {
    write_metrics(run);
    throw NumericError(fmt::format("{} (last good checkpoint: {})", e.what(),
                                   run.last_checkpoint.empty() ? "none" : run.last_checkpoint.filename().string()));
  }
  if (stop.stop_requested()) {
    checkpointer.save();
    write_metrics(run);
    write_report(run);
    r.interrupted = true;
  } else {
    finish(run, r);
  }
  r.last_checkpoint = run.last_checkpoint;
  return r;
}

}  // namespace mlp::config
