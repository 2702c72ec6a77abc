// The commands of `mlp` as library functions: each takes what the command line gives (a
// configuration file and --set overrides, a run directory) and returns a result struct that a
// caller prints as it likes; nothing here prints. docs/cli.md describes the commands.
//
//   config::TrainRunOptions o;
//   o.config = "examples/iris.toml";
//   o.out = "runs/iris";
//   config::TrainRunResult r = config::train_run(o);   // writes the whole run directory
//   CrossValidationResult cv = config::cross_validate("examples/iris.toml", {}, 5);
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mlp/config/config.hpp"
#include "mlp/core/setting.hpp"
#include "mlp/report/diagnosis.hpp"
#include "mlp/train/cross_validation.hpp"
#include "mlp/train/gradient_check.hpp"
#include "mlp/train/scores.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp::config {

// ---- mlp train -------------------------------------------------------------------------------

/// What a training run is about to do, once data, network and trainer are ready.
struct TrainRunStart {
  std::filesystem::path dir;  ///< the run directory
  Index train_examples = 0, dev_examples = 0, test_examples = 0;
  Index features = 0;
  std::optional<Index> classes;  ///< classification: the number of classes
  std::size_t parameters = 0;
  std::uint64_t epochs = 0;      ///< train.epochs
  TrainCost train_cost = TrainCost::running_mean;  ///< train.train_cost: what the train metrics measure
  /// With resume: the checkpoint continued from, and the position it holds (epoch from 1,
  /// batch within it; batch 0 = at an epoch boundary).
  std::optional<std::filesystem::path> resumed_from;
  std::uint64_t resume_epoch = 0, resume_batch = 0;
};

struct TrainRunOptions {
  /// The run configuration. With `resume` it may be empty; with resume and no `out`, it names
  /// the run directory; with resume and `out`, it must equal the configuration the run was
  /// trained with except for the resume-safe keys (ConfigKeyInfo::resume_safe: train.epochs,
  /// ...), as must the overrides and the run's config.toml.
  std::filesystem::path config;
  /// The run directory; empty = runs/<config file stem>.
  std::filesystem::path out;
  bool resume = false;  ///< continue from the newest valid checkpoint of the run directory
  bool force = false;   ///< overwrite a previous run in the run directory
  bool detect_anomaly = false;  ///< TrainOptions::detect_anomaly
  /// A new run (not --resume) first runs the error-level checks of config::lint (lint.hpp) and
  /// refuses to train on one, before anything is written; `lint_ignore` skips those codes.
  bool lint = true;
  std::vector<std::string> lint_ignore;
  std::vector<std::string> overrides;  ///< "section.key=value" (--set)
  /// Warnings: a batch size larger than the training set, a checkpoint skipped on resume.
  std::function<void(const std::string&)> on_warning;
  /// Called with what the run decided for the user that they may want to override, e.g. the
  /// task read from integer labels (printed as a note).
  std::function<void(const std::string&)> on_note;
  /// Called once, just before training starts.
  std::function<void(const TrainRunStart&)> on_start;
  /// Trainer callbacks called after the run's own (which records metrics and checkpoints),
  /// e.g. progress output. Returning false stops training as with Trainer::fit.
  std::vector<Callback*> callbacks;
  /// Asked after every batch and epoch; true ends the run after the current batch with a
  /// checkpoint, the metrics and the report written, and no model (e.g. a signal arrived).
  std::function<bool()> stop_requested;
  /// Data-parallel training (docs/distributed.md): the ranks of the job (mlp::dist::world());
  /// null or one rank: this process trains alone. Rank 0 alone writes the run directory (and
  /// calls on_start and the callbacks); the other ranks load the data and train their shards.
  Communicator* comm = nullptr;
};

/// train.refit: the model saved was trained again from the initial weights on train + dev.
struct RefitInfo {
  std::uint64_t epochs = 0;    ///< the best epoch of the first training
  Index examples = 0;          ///< train + dev examples it was trained on
  /// The dev metrics of the model early stopping chose (the refit model has trained on dev).
  std::optional<Metrics> selected_dev;
};

struct TrainRunResult {
  std::filesystem::path dir;    ///< the run directory
  std::filesystem::path model;  ///< dir/model.mlp (written unless interrupted)
  std::filesystem::path report; ///< dir/report.html
  /// stop_requested() ended the run: resume it with TrainRunOptions::resume.
  bool interrupted = false;
  std::filesystem::path last_checkpoint;  ///< empty when none was written or loaded
  TrainResult training;
  /// Of the final model on its own training set: how well it fits, not how well it
  /// generalizes (dev and test are the held-out estimates). Unset when interrupted.
  std::optional<Metrics> train;
  std::optional<Metrics> dev;   ///< of the final model, when there is dev data
  std::optional<Metrics> test;  ///< of the final model, when there is test data
  /// Per-class (classifier) or per-target (regression) scores of the final model on the dev
  /// and test data, when there is such data (summary.json "scores", as mlp eval --json).
  std::optional<Scores> dev_scores, test_scores;
  /// train.refit: the refit (then `train` is of train + dev, `dev` is unset, `test` is of the
  /// refit model).
  std::optional<RefitInfo> refit;
  std::string monitor = "dev_cost";  ///< train.early_stopping.monitor: what best_epoch is the best of
  bool restored_best = false;        ///< early stopping put back the best epoch's weights
  /// What dev_scores/test_scores number: the class names (classifier) or target names.
  std::vector<std::string> score_names;
  /// The --json output (empty when interrupted): dir/summary.json, except that its "model" is
  /// the path `model` above where summary.json says "model.mlp" (relative to the run directory).
  std::string summary_json;
  int ranks = 1;                  ///< processes that trained (TrainRunOptions::comm)
  double allreduce_seconds = 0.0; ///< wall time this rank spent in collective calls
};

/// `mlp train`: reads and checks the configuration before any data, prepares and locks the run
/// directory, loads the data, trains with checkpoints, then writes model.mlp, metrics.jsonl,
/// metrics.csv, report.html and summary.json (docs/cli.md, train/run_dir.hpp). Throws
/// ConfigError (configuration, an existing run without force, resume problems), InputError,
/// DataError (data, no usable checkpoint), IoError, NumericError (divergence; the message names
/// the last good checkpoint). With `resume`, a setting that differs from the one recorded in the
/// checkpoint (other than a resume-safe key) is a ConfigError listing every such key with both
/// values; a changed resume-safe key is written to the run's config.toml.
TrainRunResult train_run(const TrainRunOptions& options);

// ---- mlp cv, mlp gradcheck, mlp diagnose -------------------------------------------------------

/// The allowed values of the numeric parameters below (each bound also requires a finite
/// value). The functions refuse others with a ConfigError; the command line checks its options
/// against the same intervals.
namespace parameter_range {
inline constexpr Interval folds{2, false, 1000, false};         ///< cross_validate: integer
inline constexpr Interval examples{1, false, 100000, false};    ///< gradient_check: integer
inline constexpr Interval epsilon = kPositiveReal;              ///< gradient_check
inline constexpr Interval threshold = kPositiveReal;            ///< gradient_check
inline constexpr Interval baseline_error = kNonNegativeReal;    ///< diagnose_run
}  // namespace parameter_range

/// `mlp cv`: k-fold cross-validation of the configuration at `path` on all of its labelled data
/// except a separate test file. Each fold is standardized with its own train part's statistics.
/// Throws ConfigError when `folds` exceeds the number of examples. `on_fold` reports progress.
/// With `comm` (mlp::dist::world() under mpirun), the folds are dealt over its ranks
/// (mlp::cross_validate, docs/distributed.md): every rank returns the same result.
CrossValidationResult cross_validate(const std::filesystem::path& path,
                                     const std::vector<std::string>& overrides, int folds,
                                     const FoldDone& on_fold = {}, Communicator* comm = nullptr);

/// The labelled data `mlp cv` shares into folds: the training data and a separate dev file, if
/// any (not a separate test file), of `cfg` (data paths already resolved).
data::Dataset pooled_data(const RunConfig& cfg);

/// The cross-validation of `mlp cv` on a configuration already read and its pooled_data():
/// what `mlp search` scores each trial with. Leaves the kernel threads (set_threads) alone;
/// may be called from several threads at once.
CrossValidationResult cross_validate(const RunConfig& cfg, const data::Dataset& pool, int folds,
                                     const FoldDone& on_fold = {}, Communicator* comm = nullptr);

struct GradientCheckReport {
  NetworkGradientCheck check;
  bool l1 = false;  ///< the L1 penalty was part of J
  bool l2 = false;  ///< the L2 penalty was part of J
};

/// `mlp gradcheck`: the configured network's gradients against central differences, on the
/// first `examples` prepared training examples (train/gradient_check.hpp).
GradientCheckReport gradient_check(const std::filesystem::path& path,
                                   const std::vector<std::string>& overrides, Index examples,
                                   double epsilon, double threshold);

/// What a run's configuration already does, for the recommendations of report::diagnose.
report::RunSettings run_settings(const RunConfig& cfg);

/// `mlp diagnose`: the bias/variance diagnosis of the run in `dir` from its metrics.jsonl, with
/// recommendations that start from its config.toml when present (options.run is then set from
/// it). Throws InputError when `dir` has no metrics.jsonl, DataError when it records no epoch.
report::Diagnosis diagnose_run(const std::filesystem::path& dir, report::DiagnosisOptions options = {});

}  // namespace mlp::config
