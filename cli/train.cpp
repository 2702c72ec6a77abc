// mlp train CONFIG [--out DIR] [--resume] [--force] [--set KEY=VALUE ...] [--json]
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <optional>

#include "common.hpp"
#include "mlp/config/commands.hpp"
#include "mlp/config/reproduce.hpp"
#include "mlp/core/error.hpp"
#include "mlp/dist/mpi.hpp"
#include "mlp/train/progress.hpp"

namespace mlp::cli {
namespace {

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
  // "train~": the running mean over the epoch's batches (TrainCost::running_mean); "train": exact.
  std::string s = fmt::format("epoch {:>{}}/{}  lr {:.3g}  train{} {}", e.epoch,
                              std::to_string(epochs).size(), epochs, e.learning_rate,
                              e.train_cost == TrainCost::running_mean ? "~" : "", metrics_text(e.train));
  if (e.dev) s += fmt::format("  dev {}", metrics_text(*e.dev));
  s += fmt::format("  ({:.1f} s, {:.0f} samples/s)", e.seconds, e.samples_per_second);
  return s;
}

std::string recovery_line(const Recovery& r) {
  const std::string cause = r.tensor == kExplodingCost
                                ? fmt::format("exploding cost: above {:g} × the first batch cost", kExplosionFactor)
                                : "first non-finite: " + r.tensor;
  return fmt::format("recovered from a divergence at epoch {} batch {} ({}): {}, "
                     "batch skipped, learning rate {:.6g} → {:.6g}",
                     r.epoch, r.batch, cause,
                     r.steps_undone == 1 ? std::string("step undone")
                                         : fmt::format("{} steps undone (back to the start of the epoch)", r.steps_undone),
                     r.lr_before, r.lr_after);
}

/// Progress on stderr: a redrawn bar on a terminal, one line per epoch otherwise.
class Progress : public Callback {
 public:
  Progress(std::uint64_t epochs, bool interactive, bool quiet)
      : epochs_(epochs), interactive_(interactive), quiet_(quiet) {}
  void set_epochs(std::uint64_t epochs) { epochs_ = epochs; }
  bool on_batch_end(const BatchInfo& b) override {
    if (!interactive_ || quiet_) return true;
    const auto now = std::chrono::steady_clock::now();
    meter_.on_batch(b, std::chrono::duration<double>(now.time_since_epoch()).count());  // every batch counts
    if (b.batch != b.batches_per_epoch && now - last_ < std::chrono::milliseconds(100)) return true;
    last_ = now;  // redraw at most every 100 ms
    const double frac = static_cast<double>(b.batch) / static_cast<double>(b.batches_per_epoch);
    const int width = 24;
    const int filled = static_cast<int>(frac * width);
    fmt::print(stderr, "\r\x1b[Kepoch {}/{} [{}{}] batch {}/{}  cost {:.4f}  {:.0f} samples/s  ETA {}",
               b.epoch, epochs_, std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(width - filled), '.'), b.batch, b.batches_per_epoch,
               meter_.mean_cost(), meter_.samples_per_second(), duration(meter_.eta_seconds(epochs_)));
    std::fflush(stderr);
    return true;
  }
  // Always shown (also with --quiet): the run is no longer the one configured.
  void on_recovery(const Recovery& r) override {
    if (interactive_ && !quiet_) fmt::print(stderr, "\r\x1b[K");
    fmt::print(stderr, "{}\n", recovery_line(r));
    std::fflush(stderr);
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
  std::chrono::steady_clock::time_point last_{};
  ProgressMeter meter_;
};

struct TrainArgs {
  std::string config;
  std::string out;
  bool resume = false;
  bool force = false;
  bool json = false;
  bool quiet = false;
  bool detect_anomaly = false;
  std::vector<std::string> sets;
  bool no_lint = false;                  // skip the error-level checks of `mlp lint`
  std::vector<std::string> lint_ignore;  // skip these codes only
  std::string reproduce;                 // --reproduce RUN_DIR
};

/// The "resuming from ..." and "mlp train: ..." lines before the first epoch.
void print_start(const config::TrainRunStart& s) {
  if (s.resumed_from) {
    fmt::print(stderr, "resuming from {} (epoch {}, batch {})\n", s.resumed_from->string(), s.resume_epoch, s.resume_batch);
  }
  fmt::print(stderr, "mlp train: {} train / {} dev / {} test examples, {} features{}; {} parameters; run in {}\n",
             s.train_examples, s.dev_examples, s.test_examples, s.features,
             s.classes ? fmt::format(", {} classes", *s.classes) : "", s.parameters, s.dir.string());
  if (s.train_cost == TrainCost::running_mean) {
    fmt::print(stderr, "train~ = running mean over each epoch's batches (dropout active, no penalties); "
                       "train.train_cost = \"exact\" evaluates the whole training set instead\n");
  }
}

void print_result(const config::TrainRunResult& r, bool json) {
  if (json) {
    write_stdout(r.summary_json);
    return;
  }
  if (r.training.reason == StopReason::early_stopping) {
    print_out("early stopping after epoch {}: best {} at epoch {}{}\n", r.training.epochs_run, r.monitor,
              r.training.best_epoch, r.restored_best ? " (weights restored)" : "");
  }
  if (r.refit) {
    print_out("refit: trained again from the initial weights for {} epochs on {} examples (train + dev); "
              "the model is that one, so its dev figures are no held-out estimate\n",
              r.refit->epochs, r.refit->examples);
    if (r.refit->selected_dev) print_out("dev (model early stopping chose): {}\n", metrics_text(*r.refit->selected_dev));
  }
  print_out("model: {}\n", r.model.string());
  if (r.train) print_out("train: {} (training set: not a held-out estimate)\n", metrics_text(*r.train));
  if (r.dev) print_out("dev:   {}\n", metrics_text(*r.dev));
  if (r.test) print_out("test:  {}\n", metrics_text(*r.test));
  // Several regression targets: the pooled line above mixes their units, so each target's
  // scores follow (and their mean), on the held-out sets.
  for (const auto& [label, scores] : {std::pair{"dev", &r.dev_scores}, std::pair{"test", &r.test_scores}}) {
    if (*scores && (*scores)->targets.size() > 1) {
      print_out("{}", scores_text(**scores, r.score_names, fmt::format("{} ", label)));
    }
  }
  print_out("report: {}\n", r.report.string());
}

int run_train_rank(const TrainArgs& a, Communicator* comm);

int run_train(const TrainArgs& a) {
  // Started by mpirun/srun: data parallel over the job's ranks; rank 0 alone prints
  // (docs/distributed.md). Otherwise null: this process trains alone, MPI never initialized.
  Communicator* comm = dist::world();
  if (comm && comm->rank() != 0) return run_train_rank(a, comm);
  Progress progress(0, stderr_is_interactive(), a.quiet);
  std::optional<SignalScope> signals;
  config::TrainRunOptions o;
  o.comm = comm;
  o.config = a.config;
  o.out = a.out;
  o.resume = a.resume;
  o.force = a.force;
  o.detect_anomaly = a.detect_anomaly;
  o.overrides = a.sets;
  o.lint = !a.no_lint;
  o.lint_ignore = a.lint_ignore;
  o.on_warning = [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); };
  o.on_note = [](const std::string& n) { fmt::print(stderr, "note: {}\n", n); };
  o.on_start = [&](const config::TrainRunStart& s) {
    if (!a.quiet) print_start(s);
    progress.set_epochs(s.epochs);
    signals.emplace();  // from here on, Ctrl-C ends the run with a checkpoint
  };
  o.callbacks = {&progress};
  o.stop_requested = [] { return g_signal != 0; };
  const config::TrainRunResult r = config::train_run(o);
  if (r.interrupted) {
    const int sig = g_signal;
    fmt::print(stderr, "\ninterrupted — checkpoint {} written; resume with: mlp train --out {} --resume\n",
               r.last_checkpoint.string(), r.dir.string());
    return sig == SIGTERM ? static_cast<int>(ExitCode::terminated) : static_cast<int>(ExitCode::interrupted);
  }
  print_result(r, a.json);
  return 0;
}

/// --reproduce RUN_DIR: trains the run again from its manifest (config::reproduce_run); exit 0
/// when the final weights are bit-identical, 1 when not.
int run_reproduce(const TrainArgs& a) {
  Progress progress(0, stderr_is_interactive(), a.quiet);
  std::optional<SignalScope> signals;
  config::TrainRunOptions o;
  o.out = a.out;
  o.detect_anomaly = a.detect_anomaly;
  o.on_warning = [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); };
  o.on_note = [](const std::string& n) { fmt::print(stderr, "note: {}\n", n); };
  o.on_start = [&](const config::TrainRunStart& s) {
    if (!a.quiet) print_start(s);
    progress.set_epochs(s.epochs);
    signals.emplace();
  };
  o.callbacks = {&progress};
  o.stop_requested = [] { return g_signal != 0; };
  const config::ReproduceResult r = config::reproduce_run(a.reproduce, o);
  if (r.training.interrupted) {
    fmt::print(stderr, "\ninterrupted — the reproduction in {} is incomplete; nothing was compared\n",
               r.training.dir.string());
    return g_signal == SIGTERM ? static_cast<int>(ExitCode::terminated) : static_cast<int>(ExitCode::interrupted);
  }
  if (a.json) {
    write_stdout(r.json());
  } else if (r.identical) {
    print_out("reproduced: the final weights in {} are bit-identical to {}\n",
              (r.training.dir / "model.mlp").string(), (r.original / "model.mlp").string());
  } else {
    print_out("not reproduced: the final weights in {} differ from {} (max abs difference {:.6g})\n",
              (r.training.dir / "model.mlp").string(), (r.original / "model.mlp").string(), r.max_abs_difference);
  }
  if (!a.json) {
    if (r.differences.empty()) {
      print_out("manifest: same build, kernels, threads, seed and data\n");
    } else {
      for (const auto& d : r.differences) print_out("manifest differs: {}\n", d);
    }
  }
  return r.identical ? 0 : 1;
}

/// A data-parallel rank other than 0: trains its shards, prints nothing but its own errors
/// (main prints those), exits as rank 0 does after an agreed stop.
int run_train_rank(const TrainArgs& a, Communicator* comm) {
  config::TrainRunOptions o;
  o.config = a.config;
  o.out = a.out;
  o.resume = a.resume;
  o.force = a.force;
  o.detect_anomaly = a.detect_anomaly;
  o.overrides = a.sets;
  o.lint = !a.no_lint;
  o.lint_ignore = a.lint_ignore;
  o.comm = comm;
  o.stop_requested = [] { return g_signal != 0; };
  SignalScope signals;  // a signal here stops every rank after the current batch
  const config::TrainRunResult r = config::train_run(o);
  if (!r.interrupted) return 0;
  return g_signal == SIGTERM ? static_cast<int>(ExitCode::terminated) : static_cast<int>(ExitCode::interrupted);
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
  cmd->add_flag("--no-lint", a->no_lint, "Train even when an error-level check of `mlp lint` fails");
  cmd->add_option("--lint-ignore", a->lint_ignore, "Skip this check of `mlp lint` before training (repeatable)")
      ->type_name("CODE");
  cmd->add_option("--reproduce", a->reproduce,
                  "Train the finished run in RUN_DIR again from its manifest (summary.json) into --out DIR "
                  "(default: RUN_DIR-reproduce) and compare the final weights: exit 0 when bit-identical, 1 when not")
      ->type_name("RUN_DIR");
  cmd->add_flag("--detect-anomaly", a->detect_anomaly,
                "Check every tensor of every step; stop at the first non-finite one, naming it");
  cmd->footer("Exit codes: 0 done, 1 runtime failure (e.g. divergence), 2 usage/configuration error,\n"
              "65 bad data, 66 missing input, 74 output error, 130/143 interrupted (resumable).");
  cmd->callback([a, &action] {
    if (a->resume && a->force) throw CLI::ValidationError("--resume and --force", "cannot be used together");
    if (!a->reproduce.empty()) {
      if (!a->config.empty()) {
        throw CLI::ValidationError("--reproduce", "takes the configuration from RUN_DIR: drop CONFIG");
      }
      if (a->resume || a->force || !a->sets.empty() || a->no_lint || !a->lint_ignore.empty()) {
        throw CLI::ValidationError("--reproduce",
                                   "cannot be used with --resume, --force, --set, --no-lint or --lint-ignore: it "
                                   "trains RUN_DIR's configuration as it was");
      }
      action = [a] { return run_reproduce(*a); };
      return;
    }
    action = [a] { return run_train(*a); };
  });
}

const Registrar registrar(10, setup);

}  // namespace
}  // namespace mlp::cli
