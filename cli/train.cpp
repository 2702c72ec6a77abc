// mlp train CONFIG [--out DIR] [--resume] [--force] [--set KEY=VALUE ...] [--json]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common.hpp"
#include "mlp/train/checkpoint.hpp"
#include "mlp/config/config.hpp"
#include "mlp/core/error.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/report/diagnosis.hpp"
#include "mlp/report/html.hpp"
#include "mlp/train/metrics_log.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/tensor.hpp"
#include "run_dir.hpp"

namespace mlp::cli {
namespace {

namespace fs = std::filesystem;

// ---- signals: the handler only records the signal; the loop stops after its batch ----------
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int sig) {
  if (g_signal != 0) {
    // Second signal: leave at once (outputs are atomic, so nothing half-written stays valid).
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_signal = sig;
}

struct SignalScope {
  SignalScope() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalScope() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  struct sigaction old_int_ {}, old_term_ {};
};

std::string duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto t = static_cast<long>(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
                   : fmt::format("{}:{:02}", t / 60, t % 60);
}

std::string epoch_line(const EpochMetrics& e, std::uint64_t epochs) {
  std::string s = fmt::format("epoch {:>{}}/{}  lr {:.3g}  train {}", e.epoch,
                              std::to_string(epochs).size(), epochs, e.learning_rate, metrics_text(e.train));
  if (e.dev) s += fmt::format("  dev {}", metrics_text(*e.dev));
  s += fmt::format("  ({:.1f} s, {:.0f} samples/s)", e.seconds, e.samples_per_second);
  return s;
}

/// Progress on stderr: a redrawn bar on a terminal, one line per epoch otherwise.
class Progress : public Callback {
 public:
  Progress(std::uint64_t epochs, bool interactive, bool quiet)
      : epochs_(epochs), interactive_(interactive), quiet_(quiet) {}
  bool on_batch_end(const BatchInfo& b) override {
    if (!interactive_ || quiet_) return true;
    const auto now = std::chrono::steady_clock::now();
    if (b.batch != b.batches_per_epoch && now - last_ < std::chrono::milliseconds(100)) return true;
    last_ = now;
    if (b.batch == 1) {
      epoch_start_ = now;
      samples_ = 0;
      cost_sum_ = 0;
      cost_n_ = 0;
    }
    samples_ += static_cast<double>(b.samples);
    cost_sum_ += b.cost;
    cost_n_ += 1;
    const double elapsed = std::chrono::duration<double>(now - epoch_start_).count();
    const double frac = static_cast<double>(b.batch) / static_cast<double>(b.batches_per_epoch);
    const int width = 24;
    const int filled = static_cast<int>(frac * width);
    const double remaining_epochs = static_cast<double>(epochs_ - b.epoch) + (1 - frac);
    const double eta = frac > 0 ? elapsed / frac * remaining_epochs : 0;
    fmt::print(stderr, "\r\x1b[Kepoch {}/{} [{}{}] batch {}/{}  cost {:.4f}  {:.0f} samples/s  ETA {}",
               b.epoch, epochs_, std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(width - filled), '.'), b.batch, b.batches_per_epoch,
               cost_sum_ / cost_n_, elapsed > 0 ? samples_ / elapsed : 0.0, duration(eta));
    std::fflush(stderr);
    return true;
  }
  bool on_epoch_end(const EpochMetrics& e) override {
    if (quiet_) return true;
    if (interactive_) fmt::print(stderr, "\r\x1b[K");
    fmt::print(stderr, "{}\n", epoch_line(e, epochs_));
    std::fflush(stderr);
    return true;
  }

 private:
  std::uint64_t epochs_;
  bool interactive_, quiet_;
  std::chrono::steady_clock::time_point last_{}, epoch_start_{};
  double samples_ = 0, cost_sum_ = 0, cost_n_ = 0;
};

/// Stops training after the current batch when a signal arrived.
class SignalStop : public Callback {
 public:
  bool on_batch_end(const BatchInfo&) override { return g_signal == 0; }
  bool on_epoch_end(const EpochMetrics&) override { return g_signal == 0; }
};

struct Run {
  fs::path dir;
  RunConfig cfg;
  std::string config_text;
  PreparedData data;
  std::optional<Model> model;
  std::vector<std::string> slice_names;
  std::vector<EpochMetrics> history;
  std::optional<Metrics> test;
  fs::path last_checkpoint;
};

void write_metrics(Run& run) {
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

void write_report(Run& run) {
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
                                    config::to_string(run.cfg.train.optimizer), run.cfg.train.learning_rate)};
  info.test = run.test;
  info.class_names = run.model->preprocessing().class_names;
  info.config_text = run.config_text;
  report::write_report_html(run.dir / "report.html", run.history, run.slice_names, diagnosis, info);
}

/// Writes a checkpoint and keeps the newest `keep` of them.
class Checkpointer : public Callback {
 public:
  Checkpointer(Run& run, Trainer& trainer) : run_(run), trainer_(trainer) {}
  bool on_epoch_end(const EpochMetrics& e) override {
    run_.history.push_back(e);
    write_metrics(run_);
    const auto every = run_.cfg.train.checkpoint_every;
    if (every > 0 && e.epoch % static_cast<std::uint64_t>(every) == 0) save();
    return true;
  }
  void save() {
    const fs::path dir = run_.dir / "checkpoints";
    // Only the checkpoints/ directory itself is created: a run directory deleted mid-training
    // is an error (ENOENT), not silently recreated.
    std::error_code ec;
    fs::create_directory(dir, ec);
    if (ec) throw IoError(fmt::format("{}: {}", dir.string(), ec.message()));
    const TrainerState st = trainer_.state();
    const fs::path path = dir / fmt::format("ckpt-{:06}.mlpck", st.optimizer.step);
    save_checkpoint(path, *run_.model, st, run_.slice_names);
    run_.last_checkpoint = path;
    const auto keep = run_.cfg.train.keep_checkpoints;
    if (keep > 0) {
      const auto all = list_checkpoints(dir);
      for (std::size_t i = static_cast<std::size_t>(keep); i < all.size(); ++i) fs::remove(all[i], ec);
    }
  }

 private:
  Run& run_;
  Trainer& trainer_;
};

nlohmann::json result_json(const Run& run, const TrainResult& r) {
  nlohmann::json j;
  j["model"] = (run.dir / "model.mlp").string();
  j["epochs_run"] = r.epochs_run;
  j["train_seconds"] = r.train_seconds;
  j["samples_per_second"] = r.samples_per_second;
  j["dev"] = run.data.dev.size() && !run.history.empty()
                 ? metrics_json(evaluate(const_cast<Model&>(*run.model).network(), run.data.dev, run.data.target_scaler()))
                 : nlohmann::json(nullptr);
  j["test"] = run.test ? metrics_json(*run.test) : nlohmann::json(nullptr);
  j["best_epoch"] = r.best_epoch;
  j["stop_reason"] = r.reason == StopReason::early_stopping ? "early_stopping" : "completed";
  return j;
}

struct TrainArgs {
  std::string config;
  std::string out;
  bool resume = false;
  bool force = false;
  bool json = false;
  bool quiet = false;
  bool detect_anomaly = false;
  std::vector<std::string> sets;
};

int run_train(const TrainArgs& a) {
  Run run;
  // 1. The configuration, validated before any data is read.
  fs::path config_path;
  if (a.resume) {
    if (a.out.empty() && a.config.empty()) throw ConfigError("--resume needs the run directory: mlp train [CONFIG] --out DIR --resume");
    // `mlp train --out DIR --resume`, or `mlp train DIR --resume`; with both CONFIG and --out,
    // CONFIG must be the run's configuration (checked below).
    run.dir = a.out.empty() ? fs::path(a.config) : fs::path(a.out);
    const fs::path saved = run.dir / "config.toml";
    if (!fs::exists(saved)) {
      throw ConfigError(fmt::format("--resume: {} holds no run (no config.toml) — start it without --resume", run.dir.string()));
    }
    run.cfg = load_config(saved, a.sets);
    if (!a.config.empty() && !a.out.empty()) {
      RunConfig given = load_config(a.config, a.sets);
      resolve_data_paths(given, fs::path(a.config).parent_path());
      RunConfig saved_cfg = run.cfg;
      given.train.epochs = saved_cfg.train.epochs;  // training longer is allowed with --set
      if (!(given == saved_cfg)) {
        throw ConfigError(fmt::format(
            "--resume: {} differs from the configuration of the run in {} — resume with the same "
            "configuration (only train.epochs may change, via --set), or start a new run",
            a.config, saved.string()));
      }
    }
  } else {
    if (a.config.empty()) throw ConfigError("mlp train: CONFIG is required (run `mlp train --help`)");
    config_path = a.config;
    run.cfg = load_config(config_path, a.sets);
    resolve_data_paths(run.cfg, config_path.parent_path());
    run.dir = a.out.empty() ? fs::path("runs") / config_path.stem() : fs::path(a.out);
  }
  run.config_text = to_toml(run.cfg);
  set_threads(static_cast<int>(run.cfg.train.threads));

  // 2. The run directory: writable, not holding another run, locked.
  prepare_writable_dir(run.dir);
  RunLock lock(run.dir);
  remove_stale_temporaries(run.dir);  // left by a killed run; never loaded
  if (!a.resume && holds_run(run.dir)) {
    if (!a.force) {
      throw ConfigError(fmt::format("{} already holds a run — continue it with --resume, overwrite it "
                                    "with --force, or choose another --out", run.dir.string()));
    }
    clear_run(run.dir);
  }
  if (!a.resume) io::write_file_atomic(run.dir / "config.toml", run.config_text);

  // 3. Data, model, trainer.
  run.data = prepare_data(run.cfg);
  const ModelSpec spec = model_spec(run.cfg, run.data.train);
  TrainOptions options = train_options(run.cfg);
  options.detect_anomaly = a.detect_anomaly;
  if (options.batch_size > run.data.train.size()) {
    fmt::print(stderr, "warning: {}: train.batch_size {} is larger than the {} training examples; using {}\n",
               run.cfg.location_of("train.batch_size"), options.batch_size, run.data.train.size(), run.data.train.size());
  }
  if (options.early_stopping.enabled && run.data.dev.size() == 0) {
    throw ConfigError(run.cfg.diagnostic("train.early_stopping", "early stopping needs a dev set (data.split or data.dev)"));
  }
  std::map<std::string, std::string> info{{"mlp.version", MLP_VERSION},
                                          {"config", run.config_text},
                                          {"train_data", run.cfg.data.train}};
  run.model.emplace(Network<float>(spec), preprocessing_of(run.data), info);
  Network<float>& net = run.model->network();
  for (const auto& s : net.params().slices()) run.slice_names.push_back(s.name);
  Trainer trainer(net, options);
  if (a.resume) {
    std::vector<std::string> skipped;
    fs::path chosen;
    auto ck = load_newest_checkpoint(run.dir / "checkpoints", &skipped, &chosen);
    for (const auto& s : skipped) fmt::print(stderr, "warning: skipping an unusable checkpoint: {}\n", s);
    if (!ck) throw DataError(fmt::format("{}: no valid checkpoint to resume from", (run.dir / "checkpoints").string()));
    if (ck->model.network().spec() != spec) {
      throw DataError(fmt::format("{}: the checkpoint's architecture differs from the configuration", chosen.string()));
    }
    net.params().theta() = ck->model.network().params().theta();
    run.history = ck->state.history;
    if (!a.quiet) fmt::print(stderr, "resuming from {} (epoch {}, batch {})\n", chosen.string(), ck->state.epoch + (ck->state.batch ? 1 : 0), ck->state.batch);
    trainer.restore(std::move(ck->state));
    run.last_checkpoint = chosen;
  }
  if (!a.quiet) {
    fmt::print(stderr, "mlp train: {} train / {} dev / {} test examples, {} features{}; {} parameters; run in {}\n",
               run.data.train.size(), run.data.dev.size(), run.data.test.size(), run.data.train.n_features(),
               run.data.train.task == data::Task::classification ? fmt::format(", {} classes", run.data.train.n_classes()) : "",
               net.params().size(), run.dir.string());
  }

  // 4. Train.
  Progress progress(options.epochs, stderr_is_interactive(), a.quiet);
  Checkpointer checkpointer(run, trainer);
  SignalStop signal_stop;
  SignalScope signals;
  TrainResult result;
  try {
    result = trainer.fit(run.data.train, run.data.dev_or_null(), {&checkpointer, &progress, &signal_stop},
                         run.data.target_scaler());
  } catch (const NumericError& e) {
    write_metrics(run);
    throw NumericError(fmt::format("{} (last good checkpoint: {})", e.what(),
                                   run.last_checkpoint.empty() ? "none" : run.last_checkpoint.filename().string()));
  }
  if (g_signal != 0) {
    const int sig = g_signal;
    checkpointer.save();
    write_metrics(run);
    write_report(run);
    fmt::print(stderr, "\ninterrupted — checkpoint {} written; resume with: mlp train --out {} --resume\n",
               run.last_checkpoint.string(), run.dir.string());
    return sig == SIGTERM ? static_cast<int>(ExitCode::terminated) : static_cast<int>(ExitCode::interrupted);
  }

  // 5. Final model, test metrics, report, summary.
  if (run.data.test.size() > 0) run.test = evaluate(net, run.data.test, run.data.target_scaler());
  run.model->info()["epochs_run"] = std::to_string(result.epochs_run);
  run.model->save(run.dir / "model.mlp");
  write_metrics(run);
  write_report(run);
  const auto summary = result_json(run, result);
  io::write_file_atomic(run.dir / "summary.json", summary.dump(2) + "\n");
  if (a.json) {
    print_json(summary);
  } else {
    if (result.reason == StopReason::early_stopping) {
      fmt::print("early stopping after epoch {}: best dev cost at epoch {} (weights restored)\n", result.epochs_run, result.best_epoch);
    }
    fmt::print("model: {}\n", (run.dir / "model.mlp").string());
    if (run.data.dev.size() > 0) fmt::print("dev:   {}\n", metrics_text(evaluate(net, run.data.dev, run.data.target_scaler())));
    if (run.test) fmt::print("test:  {}\n", metrics_text(*run.test));
    fmt::print("report: {}\n", (run.dir / "report.html").string());
  }
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto a = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "Train a network as a configuration file describes (docs/config.md)");
  cmd->add_option("config", a->config, "Run configuration (TOML); optional with --resume")->type_name("CONFIG");
  cmd->add_option("-o,--out", a->out, "Run directory (default: runs/<config name>)")->type_name("DIR");
  cmd->add_flag("--resume", a->resume, "Continue the run in --out DIR from its newest valid checkpoint");
  cmd->add_flag("--force", a->force, "Overwrite a previous run in DIR");
  cmd->add_option("--set", a->sets, "Override a configuration key, e.g. --set train.epochs=5 (repeatable)")
      ->type_name("KEY=VALUE")->allow_extra_args(false);
  cmd->add_flag("--json", a->json, "Print the result as one JSON object on stdout");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress output");
  cmd->add_flag("--detect-anomaly", a->detect_anomaly,
                "Check every tensor of every step; stop at the first non-finite one, naming it");
  cmd->footer("Exit codes: 0 done, 1 runtime failure (e.g. divergence), 2 usage/configuration error,\n"
              "65 bad data, 66 missing input, 74 output error, 130/143 interrupted (resumable).");
  cmd->callback([a, &action] {
    if (a->resume && a->force) throw CLI::ValidationError("--resume and --force", "cannot be used together");
    action = [a] { return run_train(*a); };
  });
}

const Registrar registrar(10, setup);

}  // namespace
}  // namespace mlp::cli
