// The training loop (SPEC §5): epochs over shuffled mini-batches, forward + cost (with
// penalties) + backward + update, the learning-rate schedule applied per epoch, callbacks that
// can stop training, train/dev cost and metrics per epoch, early stopping, and a state that can
// be saved and restored so that a resumed run equals an uninterrupted one.
//
// Epoch numbering: epochs are counted from 0 inside the schedule (the first epoch trains with
// α0; docs/optimization.md) and reported from 1 (EpochMetrics::epoch = 1 after the first pass
// over the training set). Batches are reported from 1 within their epoch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/data/batcher.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/standardizer.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/optim/optimizer.hpp"
#include "mlp/optim/schedule.hpp"
#include "mlp/train/metrics.hpp"  // Metrics, evaluate, fill_targets

namespace mlp {

class Communicator;  // mlp/train/distributed.hpp

struct EarlyStoppingOptions {
  bool enabled = false;
  std::uint64_t patience = 5;  ///< stop after this many epochs in a row without improvement
  /// The dev metric watched (train/monitor.hpp: dev_cost, dev_accuracy, dev_f1, dev_rmse,
  /// dev_mae, dev_r2); its direction (lower or higher is better) comes with it. best_epoch and
  /// restore_best follow it, with or without `enabled`.
  std::string monitor = "dev_cost";
  /// An improvement is value < best − min_delta for a metric to minimize, value > best +
  /// min_delta for one to maximize.
  double min_delta = 0.0;
  /// At the end of training (stopped early or not), put back the weights of the best epoch.
  bool restore_best = true;
};

/// What EpochMetrics::train reports (docs/optimization.md, "Training cost"):
///   running_mean  the training-mode forward pass of each batch, before its update (dropout
///                 active, penalties excluded), summed over the epoch and weighted by batch size:
///                 loss = Σ_b m_b·J_b / Σ_b m_b; accuracy, RMSE, MAE and R² from the same outputs.
///                 Costs nothing extra (Keras's `loss`, scikit-learn's loss_curve_).
///   exact         a pass over the whole training set after the epoch, without dropout, at the
///                 epoch's final θ (evaluate()): one more forward pass over the training set.
enum class TrainCost { running_mean, exact };

[[nodiscard]] std::string_view to_string(TrainCost c);
/// The names above, in declaration order ("running_mean", "exact").
[[nodiscard]] std::vector<std::string_view> train_cost_names();
/// ConfigError naming the allowed names for anything else.
[[nodiscard]] TrainCost parse_train_cost(std::string_view name);

/// What a non-finite cost, gradient or update does (docs/optimization.md, "Divergence"):
///   stop     a NumericError naming the first non-finite tensor (the weights are those before
///            the offending batch);
///   recover  θ and the optimizer state go back to what they were before the offending step
///            (when that state diverges again at once: to the start of the epoch),
///            the learning-rate multiplier halves (for the rest of the run, on top of the
///            schedule), the batch is skipped and training goes on; after max_recoveries
///            recoveries the next divergence is the NumericError of `stop`.
enum class OnDivergence { stop, recover };

[[nodiscard]] std::string_view to_string(OnDivergence d);
/// The names above, in declaration order ("stop", "recover").
[[nodiscard]] std::vector<std::string_view> on_divergence_names();
/// ConfigError naming the allowed names for anything else.
[[nodiscard]] OnDivergence parse_on_divergence(std::string_view name);

/// One recovery from a divergence (OnDivergence::recover).
struct Recovery {
  std::uint64_t epoch = 0;   ///< from 1
  std::uint64_t batch = 0;   ///< the skipped batch, from 1 within its epoch
  /// The first non-finite tensor, e.g. "layers.1.W (gradient)"; at the end of an epoch "dev
  /// cost" or "training objective"; kExplodingCost for a finite cost above kExplosionFactor · J₀.
  std::string tensor;
  double lr_before = 0.0;    ///< the effective learning rate of the offending step
  double lr_after = 0.0;     ///< lr_before / 2, the rate the run goes on with
  /// Steps undone: 1 (the offending step), or, when the state before it diverged again, every
  /// batch back to the start of the epoch (the offending one included).
  std::uint64_t steps_undone = 1;
  bool operator==(const Recovery&) const = default;
};

struct TrainOptions {
  std::uint64_t epochs = 10;
  Index batch_size = 64;  ///< m for batch GD, 1 for SGD; > m is clamped to m
  bool drop_last = false;
  double learning_rate = 1e-3;
  optim::OptimizerOptions optimizer;
  optim::ScheduleOptions schedule;
  double l1 = 0.0;         ///< (λ/m)‖W‖₁, m = training-set size, weights only
  double l2 = 0.0;         ///< (λ/2m)‖W‖², m = training-set size, weights only
  double clip_norm = 0.0;  ///< global gradient-norm clipping; 0 = off
  /// Full-batch gradient descent with a backtracking (Armijo) line search along −∇J:
  /// t := learning_rate, then t := ρ·t until J(θ − t∇J) <= J(θ) − c·t·‖∇J‖² (c = 1e-4, ρ = 0.5;
  /// optim::BacktrackingLineSearch). Every trial J is evaluated with the dropout masks of the
  /// gradient's forward pass (Network::forward_with_masks).
  bool line_search = false;
  EarlyStoppingOptions early_stopping;
  std::uint64_t seed = 42;      ///< shuffles and dropout masks
  bool monitor_gradients = true; ///< per-slice gradient norms, averaged over each epoch
  /// Check every tensor of every step (Z and A of each layer, each gradient slice, the updated
  /// weights) and stop at the first non-finite one, naming it. Costs a pass over each tensor.
  bool detect_anomaly = false;
  TrainCost train_cost = TrainCost::running_mean;  ///< what EpochMetrics::train reports
  /// Parameter slices kept fixed (fine-tuning): a slice name ("layers.0.W") or a layer prefix
  /// ("layers.0" = its W and b). Their gradient is zeroed after the gradient norms are recorded
  /// and before clipping and the update (penalties included), so they, and their optimizer
  /// state, never change. An unknown name is a ConfigError listing the names (Trainer's ctor).
  std::vector<std::string> freeze;
  OnDivergence on_divergence = OnDivergence::stop;  ///< what a non-finite step does
  /// Data-parallel training (docs/distributed.md) when it has more than one rank: this process
  /// trains its shard of every batch (shard_range) and the ranks' gradients are summed; null or
  /// one rank: the whole batch here. Not owned; must outlive fit().
  Communicator* comm = nullptr;
  std::uint64_t max_recoveries = 5;  ///< OnDivergence::recover: recoveries before giving up
  void validate() const;         ///< ConfigError naming the option
};

struct EpochMetrics {
  std::uint64_t epoch = 0;      ///< from 1
  double learning_rate = 0.0;
  double objective = 0.0;       ///< mean over the epoch's batches of J + penalties (training mode)
  Metrics train;                ///< as `train_cost` says (no confusion matrix when running_mean)
  TrainCost train_cost = TrainCost::exact;  ///< how `train` was measured
  std::optional<Metrics> dev;
  double seconds = 0.0;         ///< wall time of the epoch's training steps
  double samples_per_second = 0.0;
  std::vector<double> grad_norms;  ///< per parameter slice, mean over the epoch's batches
  std::vector<double> weight_norms;
};

struct BatchInfo {
  std::uint64_t epoch;  ///< from 1
  std::uint64_t batch;  ///< from 1 within the epoch
  std::uint64_t batches_per_epoch;
  double cost;          ///< J + penalties of this batch
  double learning_rate;
  Index samples;
  double seconds = 0.0;  ///< wall time of this batch's training step
};

enum class StopReason { completed, early_stopping, callback };

struct TrainResult {
  StopReason reason = StopReason::completed;
  std::uint64_t epochs_run = 0;
  /// Epoch with the best value of the monitored dev metric (EarlyStoppingOptions::monitor;
  /// the lowest dev cost by default); 0 without dev data.
  std::uint64_t best_epoch = 0;
  std::vector<EpochMetrics> history;
  double train_seconds = 0.0;
  double samples_per_second = 0.0;
  /// OnDivergence::recover: every recovery of the run (resumed runs: since its start).
  std::vector<Recovery> recoveries;
  double lr_multiplier = 1.0;  ///< 2^-recoveries: what the schedule's rate was multiplied by at the end
};

/// Hooks called by the trainer. Returning false from a hook stops training after the current
/// batch (the state stays consistent and can be saved and resumed).
class Callback {
 public:
  virtual ~Callback() = default;
  virtual bool on_batch_end(const BatchInfo&) { return true; }
  virtual bool on_epoch_end(const EpochMetrics&) { return true; }
  /// After a divergence was rolled back (OnDivergence::recover), before training goes on.
  virtual void on_recovery(const Recovery&) {}
};

/// Everything needed to continue training exactly where it stopped.
struct TrainerState {
  std::uint64_t epoch = 0;           ///< epochs completed
  std::uint64_t batch = 0;           ///< batches done in the current (incomplete) epoch
  double epoch_objective_sum = 0.0;  ///< running sums of the incomplete epoch
  MetricsSums epoch_train_sums;      ///< TrainCost::running_mean: the batches' metrics so far
  std::vector<double> epoch_grad_norm_sums;
  double epoch_seconds = 0.0;
  optim::OptimizerState<float> optimizer;
  data::Batcher::State batcher;
  Rng::State dropout_rng{};
  optim::PlateauState plateau;
  std::optional<double> best_dev;    ///< early stopping: the best value of `monitor` so far
  std::string monitor = "dev_cost";  ///< the metric best_dev and best_epoch are of
  std::uint64_t best_epoch = 0;
  std::uint64_t bad_epochs = 0;
  Vector<float> best_theta;          ///< empty unless early stopping keeps one
  std::vector<EpochMetrics> history;
  /// Divergence recovery: the schedule's rate is multiplied by this (halved per recovery).
  double lr_multiplier = 1.0;
  std::vector<Recovery> recoveries;  ///< every recovery so far
  std::uint64_t epoch_skipped = 0;   ///< batches of the incomplete epoch undone by recoveries
  /// OnDivergence::recover: the cost J₀ of the run's first batch; a later batch cost above
  /// kExplosionFactor · J₀ counts as a divergence (an explosion that has not overflowed yet).
  std::optional<double> first_cost;
};

/// OnDivergence::recover: a batch cost above this multiple of the run's first batch cost is a
/// divergence, as a non-finite one is (docs/optimization.md "Divergence: stop or recover").
inline constexpr double kExplosionFactor = 1e4;
/// Recovery::tensor of a divergence by an exploding (still finite) cost.
inline constexpr std::string_view kExplodingCost = "exploding cost";

/// Early stopping on the monitored dev metric (options.monitor; an improvement is value <
/// best − min_delta when minimizing, value > best + min_delta when maximizing). observe() is
/// called after every epoch with the metric's value; it records the best epoch (and its θ when
/// restore_best) in the trainer state and returns true when `patience` epochs in a row brought
/// no improvement.
class EarlyStopping {
 public:
  EarlyStopping(const EarlyStoppingOptions& options, TrainerState& state)
      : options_(options), state_(state) {}
  bool observe(std::uint64_t epoch, double value, const Vector<float>& theta);

 private:
  const EarlyStoppingOptions& options_;
  TrainerState& state_;
};

class Trainer {
 public:
  Trainer(Network<float>& net, TrainOptions options);
  ~Trainer();

  /// Trains on `train`, evaluating on `dev` (may be null) after each epoch. Continues from the
  /// state given to restore(), if any. `targets` un-standardizes regression metrics.
  TrainResult fit(const data::Dataset& train, const data::Dataset* dev,
                  const std::vector<Callback*>& callbacks = {},
                  const data::Standardizer* targets = nullptr);

  /// The state after the last completed batch (for checkpoints).
  [[nodiscard]] TrainerState state() const;
  /// Continue from `state` at the next fit() (the network's weights are the caller's to load).
  void restore(TrainerState state);

  [[nodiscard]] const TrainOptions& options() const { return options_; }
  [[nodiscard]] optim::Optimizer<float>& optimizer() { return *optimizer_; }

 private:
  struct FitRun;  // one fit() call as named steps (trainer.cpp)
  Network<float>& net_;
  TrainOptions options_;
  std::unique_ptr<optim::Optimizer<float>> optimizer_;
  std::optional<TrainerState> pending_;
  TrainerState current_;
  std::unique_ptr<data::Batcher> batcher_;
};

}  // namespace mlp
