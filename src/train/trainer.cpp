#include "mlp/train/trainer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <optional>

#include "mlp/core/error.hpp"
#include "mlp/optim/line_search.hpp"
#include "mlp/optim/regularization.hpp"
#include "mlp/train/fine_tune.hpp"
#include "mlp/train/monitor.hpp"
#include "mlp/train/distributed.hpp"

namespace mlp {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The layer or tensor that first turned non-finite, for the divergence message.
std::string first_non_finite(Network<float>& net, bool loss_fallback = true) {
  // In the order the forward pass computes them, then the gradients from the output down.
  Parameters<float>& p = net.params();
  for (std::size_t k = 0; k < net.layer_count(); ++k) {
    if (!p.value(2 * k).allFinite()) return fmt::format("{} (weights)", p.slice(2 * k).name);
    if (!p.value(2 * k + 1).allFinite()) return fmt::format("{} (weights)", p.slice(2 * k + 1).name);
    if (!net.Z(k).allFinite()) return fmt::format("{} (Z)", net.layer_name(k));
    if (!net.A(k).allFinite()) return fmt::format("{} (A)", net.layer_name(k));
  }
  for (std::size_t s = p.slot_count(); s-- > 0;) {
    if (!p.grad(s).allFinite()) return fmt::format("{} (gradient)", p.slice(s).name);
  }
  return loss_fallback ? "the loss" : "";
}

/// A divergence inside a step under OnDivergence::recover: thrown by the checks of the step,
/// caught by train_batch, which rolls the step back (never leaves the trainer).
struct Diverged {
  std::string message;  ///< the NumericError's text under OnDivergence::stop
  std::string tensor;   ///< the first non-finite tensor
};

/// What fit() needs of its data: shapes that fit the model, examples, and for the line search a
/// batch that holds the whole training set.
void check_fit(const Network<float>& net, const TrainOptions& options, const data::Dataset& train,
               const data::Dataset* dev) {
  check_data_fits(net, train, "training");
  if (dev) check_data_fits(net, *dev, "dev");
  if (dev) check_monitor_fits(options.early_stopping.monitor, train.task);
  if (train.size() == 0) throw DataError(fmt::format("{}: no training examples", train.source));
  if (options.line_search && options.batch_size < train.size()) {
    throw ConfigError(fmt::format(
        "train.line_search needs full-batch gradient descent: set train.batch_size >= {} (the "
        "training-set size; got {})", train.size(), options.batch_size));
  }
}

}  // namespace

std::string_view to_string(TrainCost c) {
  return c == TrainCost::exact ? "exact" : "running_mean";
}

std::vector<std::string_view> train_cost_names() { return {"running_mean", "exact"}; }

TrainCost parse_train_cost(std::string_view name) {
  for (const TrainCost c : {TrainCost::running_mean, TrainCost::exact}) {
    if (to_string(c) == name) return c;
  }
  throw ConfigError(fmt::format("unknown training-cost measure \"{}\" — use \"running_mean\" or \"exact\"", name));
}

std::string_view to_string(OnDivergence d) { return d == OnDivergence::recover ? "recover" : "stop"; }

std::vector<std::string_view> on_divergence_names() { return {"stop", "recover"}; }

OnDivergence parse_on_divergence(std::string_view name) {
  for (const OnDivergence d : {OnDivergence::stop, OnDivergence::recover}) {
    if (to_string(d) == name) return d;
  }
  throw ConfigError(fmt::format("unknown divergence policy \"{}\" — use \"stop\" or \"recover\"", name));
}

bool EarlyStopping::observe(std::uint64_t epoch, double value, const Vector<float>& theta) {
  const MonitorMetric& metric = find_monitor(options_.monitor);
  state_.monitor = options_.monitor;
  if (!state_.best_dev || improves(metric, value, *state_.best_dev, options_.min_delta)) {
    state_.best_dev = value;
    state_.best_epoch = epoch;
    state_.bad_epochs = 0;
    if (options_.enabled && options_.restore_best) state_.best_theta = theta;
    return false;
  }
  state_.bad_epochs += 1;
  return options_.enabled && state_.bad_epochs >= options_.patience;
}

void TrainOptions::validate() const {
  auto bad = [](const std::string& msg) { throw ConfigError(msg); };
  if (epochs == 0) bad("train.epochs must be >= 1");
  if (batch_size <= 0) bad(fmt::format("train.batch_size must be >= 1 (got {})", batch_size));
  if (!(learning_rate > 0) || !std::isfinite(learning_rate)) {
    bad(fmt::format("train.learning_rate must be > 0 and finite (got {})", learning_rate));
  }
  if (!(l1 >= 0) || !std::isfinite(l1)) bad(fmt::format("train.l1 must be >= 0 (got {})", l1));
  if (!(l2 >= 0) || !std::isfinite(l2)) bad(fmt::format("train.l2 must be >= 0 (got {})", l2));
  if (!(clip_norm >= 0) || !std::isfinite(clip_norm)) {
    bad(fmt::format("train.clip_norm must be >= 0 (got {})", clip_norm));
  }
  if (line_search && comm && comm->size() > 1) {
    bad(fmt::format("train.line_search runs on one process only, not on {} ranks (its trial costs "
                    "are not reduced over the ranks): start it without mpirun", comm->size()));
  }
  if (line_search && optimizer.name != "gd") {
    bad(fmt::format("train.line_search needs optimizer \"gd\" (got \"{}\")", optimizer.name));
  }
  if (!(early_stopping.min_delta >= 0)) bad("train.early_stopping.min_delta must be >= 0");
  (void)find_monitor(early_stopping.monitor);  // ConfigError listing the metrics
}

Trainer::Trainer(Network<float>& net, TrainOptions options)
    : net_(net), options_(std::move(options)) {
  options_.validate();
  (void)frozen_slots(net_.params(), options_.freeze);  // ConfigError listing the slice names
  optimizer_ = optim::make_optimizer<float>(options_.optimizer);
}

Trainer::~Trainer() = default;

TrainerState Trainer::state() const {
  TrainerState s = current_;
  s.optimizer = optimizer_->state();
  if (batcher_) s.batcher = batcher_->state();
  return s;
}

void Trainer::restore(TrainerState state) { pending_ = std::move(state); }

// ---- Trainer::fit as named steps ----------------------------------------------------------------
//
// One fit() call is a FitRun: the trainer's state, the data, the hooks and the buffers that every
// step reuses (so a step allocates nothing after the first). fit() is the loop
//
//   begin                        resume the state given to restore(), or start afresh
//   per epoch e (from 0):
//     begin_epoch                α_e from the schedule; reshuffle when the epoch starts
//     train_batch  (each batch)  forward_backward → watch_gradients → update → end_batch
//     save_progress              the generator and plateau state into TrainerState
//     end_epoch                  train/dev metrics, gradient and weight norms of the epoch
//     observe                    schedule, early stopping, history, on_epoch_end: stop or go on
//   finish                       the best θ back when early stopping keeps one; the result
//
// A callback that stops mid-epoch leaves the epoch incomplete (its state resumes that epoch).
struct Trainer::FitRun {
  FitRun(Trainer& trainer, const data::Dataset& train, const data::Dataset* dev,
         const std::vector<Callback*>& callbacks, const data::Standardizer* targets);

  void begin();
  double begin_epoch();
  bool train_batch(double lr);  ///< false when the epoch has no batch left
  void save_progress();
  [[nodiscard]] bool stopped_mid_epoch() const {
    return stop && st.batch < batches_per_epoch_;
  }
  EpochMetrics end_epoch(double lr);
  std::optional<StopReason> observe(const EpochMetrics& em);
  TrainResult finish(StopReason reason);

  TrainerState& st;
  bool stop = false;  ///< a callback asked to stop

 private:
  double forward_backward(std::uint64_t batch_no);
  void watch_gradients(std::uint64_t batch_no);
  void update(double J, double lr, std::uint64_t batch_no);
  void end_batch(double J, double lr, std::uint64_t batch_no, double seconds);
  double penalties(bool gradient);
  double trial_cost();
  void add_running_metrics(double loss, MetricsSums& into);
  double shard_forward_backward();  // data parallel (docs/distributed.md)
  // Divergence: stop (NumericError) or, with OnDivergence::recover, roll the step back.
  [[noreturn]] void diverged(std::string message, std::string tensor) const;
  struct Snapshot;
  void keep(Snapshot& s);
  void put_back(const Snapshot& s);
  void recover(const Diverged& d, std::uint64_t batch_no, double lr);
  [[nodiscard]] bool exploded(double cost) const;
  void undo_epoch(double watched, double lr);

  Network<float>& net_;
  Parameters<float>& params_;
  const TrainOptions& options_;
  optim::Optimizer<float>& optimizer_;
  std::optional<TrainerState>& pending_;
  data::Batcher& batcher_;
  const data::Dataset& train_;
  const data::Dataset* dev_;
  const std::vector<Callback*>& callbacks_;
  const data::Standardizer* targets_;
  optim::Schedule schedule_;
  Rng dropout_rng_;
  optim::BacktrackingLineSearch<float> line_search_;
  std::function<double()> trial_cost_;  // J at the trial θ, with the gradient's dropout masks
  const std::size_t m_;                 // training-set size (the penalties' m)
  const float l1_, l2_;
  const std::uint64_t batches_per_epoch_;
  // Reused by every batch: targets Y [n_out x b], the batch, per-slice gradient norms.
  Matrix<float> Y_;
  data::Batch batch_;
  std::vector<double> norms_;
  // TrainCost::running_mean: regression outputs and targets in original units; R²'s Σ (y − ȳ)².
  Matrix<float> pred_, truth_;
  double ss_tot_ = 0;
  std::uint64_t samples_total_ = 0;
  double seconds_total_ = 0;
  // OnDivergence::recover: what a step may change (θ, the optimizer state, the epoch's sums and
  // position), copied before every step and at the start of every epoch into buffers allocated
  // once (begin()).
  const bool recover_;
  // Data parallel (TrainOptions::comm with > 1 rank): sums the shards' gradients.
  std::optional<GradientReducer> reducer_;
  struct Snapshot {
    Vector<float> theta;
    optim::OptimizerState<float> optimizer;
    MetricsSums sums;
    std::vector<double> norm_sums;
    double objective_sum = 0;
    std::uint64_t batch = 0;    ///< batches done in the epoch when it was taken
    std::uint64_t skipped = 0;  ///< of which not in the epoch's sums
  };
  Snapshot before_step_;  // before the current step
  Snapshot epoch_start_;  // at the start of the epoch (or where this fit() resumed it)
  bool have_epoch_start_ = false;
  // TrainOptions::freeze: the frozen slots and their values (which never change).
  std::vector<std::size_t> frozen_;
  std::vector<Matrix<float>> frozen_values_;
  void freeze_gradients() { zero_gradients(params_, frozen_); }
};

Trainer::FitRun::FitRun(Trainer& trainer, const data::Dataset& train, const data::Dataset* dev,
                        const std::vector<Callback*>& callbacks, const data::Standardizer* targets)
    : st(trainer.current_),
      net_(trainer.net_),
      params_(trainer.net_.params()),
      options_(trainer.options_),
      optimizer_(*trainer.optimizer_),
      pending_(trainer.pending_),
      batcher_(*trainer.batcher_),
      train_(train),
      dev_(dev),
      callbacks_(callbacks),
      targets_(targets),
      schedule_(options_.schedule, options_.learning_rate),
      dropout_rng_(options_.seed ^ 0xd50f0a11c0ffeeULL),
      trial_cost_([this] { return trial_cost(); }),
      m_(static_cast<std::size_t>(train.size())),
      l1_(static_cast<float>(options_.l1)),
      l2_(static_cast<float>(options_.l2)),
      batches_per_epoch_(static_cast<std::uint64_t>(batcher_.batches_per_epoch())),
      norms_(params_.slot_count()),
      recover_(options_.on_divergence == OnDivergence::recover) {
  if (options_.comm && options_.comm->size() > 1) reducer_.emplace(*options_.comm);
  frozen_ = frozen_slots(params_, options_.freeze);
  for (const std::size_t s : frozen_) frozen_values_.emplace_back(params_.value(s));
  if (options_.train_cost == TrainCost::running_mean && train_.task != data::Task::classification) {
    ss_tot_ = total_sum_of_squares(train_, targets_);
  }
}

void Trainer::FitRun::begin() {
  if (pending_) {
    st = std::move(*pending_);
    pending_.reset();
    batcher_.restore(st.batcher);
    optimizer_.load_state(st.optimizer);
    dropout_rng_.set_state(st.dropout_rng);
    if (options_.schedule.kind == optim::ScheduleKind::plateau) schedule_.load_plateau_state(st.plateau);
    if (st.best_dev && st.monitor != options_.early_stopping.monitor) {
      throw ConfigError(fmt::format(
          "train.early_stopping.monitor = \"{}\", but the state to resume kept the best {} — resume with "
          "monitor = \"{}\", or start a new run", options_.early_stopping.monitor, st.monitor, st.monitor));
    }
  } else {
    st = TrainerState{};
    st.plateau = schedule_.plateau_state();
  }
  const std::size_t n_slices = params_.slot_count();
  if (st.epoch_grad_norm_sums.size() != n_slices) st.epoch_grad_norm_sums.assign(n_slices, 0.0);
  if (recover_) {
    // The rollback buffers, allocated here once: θ's size for θ and for each optimizer buffer.
    for (Snapshot* snap : {&before_step_, &epoch_start_}) {
      snap->theta.resize(params_.theta().size());
      snap->norm_sums.assign(n_slices, 0.0);
      optimizer_.state_into(snap->optimizer);
      snap->optimizer.buffers.assign(snap->optimizer.buffer_names.size(), Vector<float>(params_.theta().size()));
    }
  }
}

double Trainer::FitRun::begin_epoch() {
  const double lr = options_.schedule.kind == optim::ScheduleKind::plateau
                        ? schedule_.plateau_state().lr
                        : schedule_.lr(st.epoch);
  if (st.batch == 0) batcher_.start_epoch();  // st.batch > 0: resuming inside this epoch
  return lr;
}

bool Trainer::FitRun::train_batch(double lr) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!batcher_.next(batch_)) return false;
  const std::uint64_t batch_no = st.batch + 1;
  const double alpha = lr * st.lr_multiplier;  // the schedule's rate, halved once per recovery
  if (recover_) {
    if (st.batch == 0 || !have_epoch_start_) keep(epoch_start_);
    have_epoch_start_ = true;
    keep(before_step_);
  }
  try {
    const double J = forward_backward(batch_no);
    watch_gradients(batch_no);
    update(J, alpha, batch_no);
    end_batch(J, alpha, batch_no, seconds_since(t0));
  } catch (const Diverged& d) {
    recover(d, batch_no, alpha);
  }
  return true;
}

// OnDivergence::stop: the NumericError. recover: a Diverged for train_batch to roll back.
void Trainer::FitRun::diverged(std::string message, std::string tensor) const {
  if (!recover_) throw NumericError(message);
  throw Diverged{std::move(message), std::move(tensor)};
}

// OnDivergence::recover: what a step may change, into the snapshot's reused buffers.
void Trainer::FitRun::keep(Snapshot& snap) {
  snap.theta = params_.theta();  // same size: a copy, no allocation
  optimizer_.state_into(snap.optimizer);
  snap.sums = st.epoch_train_sums;
  std::copy(st.epoch_grad_norm_sums.begin(), st.epoch_grad_norm_sums.end(), snap.norm_sums.begin());
  snap.objective_sum = st.epoch_objective_sum;
  snap.batch = st.batch;
  snap.skipped = st.epoch_skipped;
}

void Trainer::FitRun::put_back(const Snapshot& snap) {
  params_.theta() = snap.theta;
  optimizer_.rollback_to(snap.optimizer);
  st.epoch_train_sums = snap.sums;
  std::copy(snap.norm_sums.begin(), snap.norm_sums.end(), st.epoch_grad_norm_sums.begin());
  st.epoch_objective_sum = snap.objective_sum;
}

// θ, the optimizer state and the epoch's sums back to before the offending step — or, when the
// step before it was already a rollback (the state it put back diverges again: θ itself went
// bad over the steps before), back to the start of the epoch; the learning-rate multiplier
// halves; the batch counts as done (skipped: the batcher and the dropout generator have moved
// past it, as they would have after the step) and the batches undone leave the epoch's means.
// Past max_recoveries, the NumericError of OnDivergence::stop, saying how many were tried.
void Trainer::FitRun::recover(const Diverged& d, std::uint64_t batch_no, double lr) {
  const std::size_t tried = st.recoveries.size();
  if (tried >= options_.max_recoveries) {
    throw NumericError(fmt::format("{} (after {} recover{} with the learning rate halved each time; "
                                   "train.max_recoveries = {})",
                                   d.message, tried, tried == 1 ? "y" : "ies", options_.max_recoveries));
  }
  const bool again = tried > 0 && st.recoveries.back().epoch == st.epoch + 1 &&
                     st.recoveries.back().batch + 1 == batch_no && epoch_start_.batch + 1 < batch_no;
  const Snapshot& to = again ? epoch_start_ : before_step_;
  put_back(to);
  st.epoch_skipped = to.skipped + (batch_no - to.batch);
  st.lr_multiplier *= 0.5;
  st.batch = batch_no;
  st.recoveries.push_back(Recovery{st.epoch + 1, batch_no, d.tensor, lr, lr * 0.5, batch_no - to.batch});
  for (Callback* cb : callbacks_) cb->on_recovery(st.recoveries.back());
}

// OnDivergence::recover: a finite cost above kExplosionFactor · J₀ (J₀ = the run's first batch cost).
bool Trainer::FitRun::exploded(double cost) const {
  return st.first_cost && *st.first_cost > 0 && cost > kExplosionFactor * *st.first_cost;
}

// OnDivergence::recover at the end of an epoch whose watched cost (dev, else the epoch's
// objective) is non-finite or exploded: the cost is measured before each update, so the last
// updates of the epoch are checked only here. θ, the optimizer state and the sums go back to
// the start of the epoch (which passed this check), every batch of the epoch counts as skipped
// and the multiplier halves — one recovery, named after the last batch.
void Trainer::FitRun::undo_epoch(double watched, double lr) {
  const std::string what = dev_ ? "dev cost" : "training objective";
  const std::string message =
      std::isfinite(watched)
          ? fmt::format("exploding {} at the end of epoch {}: {:g}, above {:g} × the run's first batch cost {:g}",
                        what, st.epoch + 1, watched, kExplosionFactor, *st.first_cost)
          : fmt::format("non-finite {} at the end of epoch {}", what, st.epoch + 1);
  const std::size_t tried = st.recoveries.size();
  if (tried >= options_.max_recoveries) {
    throw NumericError(fmt::format("{} (after {} recover{} with the learning rate halved each time; "
                                   "train.max_recoveries = {})",
                                   message, tried, tried == 1 ? "y" : "ies", options_.max_recoveries));
  }
  put_back(epoch_start_);
  st.epoch_skipped = epoch_start_.skipped + (st.batch - epoch_start_.batch);
  st.lr_multiplier *= 0.5;
  st.recoveries.push_back(Recovery{st.epoch + 1, st.batch, std::isfinite(watched) ? std::string(kExplodingCost) : what,
                                   lr, lr * 0.5, st.batch - epoch_start_.batch});
  for (Callback* cb : callbacks_) cb->on_recovery(st.recoveries.back());
}

// The L1/L2 penalties at the current θ, added to dtheta too when asked.
double Trainer::FitRun::penalties(bool gradient) {
  double P = 0;
  if (l2_ > 0) P += gradient ? optim::l2_penalty(params_, l2_, m_) : optim::l2_cost(params_, l2_, m_);
  if (l1_ > 0) P += gradient ? optim::l1_penalty(params_, l1_, m_) : optim::l1_cost(params_, l1_, m_);
  return P;
}

// J + penalties of the batch at θ, and its gradient in dtheta: forward, loss and backward in one
// pass (the batch split over threads by columns), dropout masks drawn from dropout_rng_.
double Trainer::FitRun::forward_backward(std::uint64_t batch_no) {
  double loss = 0;
  if (reducer_) {
    loss = shard_forward_backward();  // the whole batch's loss and gradient, on every rank
  } else {
    const ConstMatrixMap<float> Yb = batch_.Y();
    encode_targets(net_.spec(), train_.task, batch_.labels(), &Yb, batch_.size(), Y_);
    // Example weights (data.weight, train.class_weight): J = (1/m) Σ_j w_j·L_j (nn/loss.hpp).
    loss = net_.forward_backward(batch_.X(), Y_, true, &dropout_rng_, false, batch_.weights());
  }
  const double J = loss + penalties(true);  // after the all-reduce: once, identical on every rank
  if (options_.detect_anomaly) {
    const std::string bad = first_non_finite(net_, /*loss_fallback=*/false);
    if (!bad.empty()) {
      diverged(fmt::format("anomaly at epoch {} batch {}: first non-finite tensor: {} (cost {})",
                           st.epoch + 1, batch_no, bad, J), bad);
    }
  }
  if (!std::isfinite(J)) {
    const std::string bad = first_non_finite(net_);
    diverged(fmt::format(
        "non-finite cost at epoch {} batch {} (first non-finite: {}) — lower the learning "
        "rate, enable train.clip_norm or standardize the data; the weights are those before "
        "this batch", st.epoch + 1, batch_no, bad), bad);
  }
  if (recover_) {  // an exploding cost: J > kExplosionFactor · J₀ (J₀ = the run's first batch cost)
    if (!st.first_cost) {
      st.first_cost = J;
    } else if (exploded(J)) {
      diverged(fmt::format("exploding cost at epoch {} batch {}: {:g}, above {:g} × the run's first batch "
                           "cost {:g} — lower the learning rate or enable train.clip_norm",
                           st.epoch + 1, batch_no, J, kExplosionFactor, *st.first_cost),
               std::string(kExplodingCost));
    }
  }
  if (options_.train_cost == TrainCost::running_mean && !reducer_) add_running_metrics(loss, st.epoch_train_sums);
  return J;
}

// Data parallel (docs/distributed.md): the forward and backward pass of this rank's shard of the
// batch (the batcher hands out only those rows), with dropout masks from a stream of this rank's
// own seeded from the shared generator (which every rank advances alike, so checkpoints resume),
// then one all-reduce: dθ, the mean loss and the running metrics of the whole batch on every rank.
double Trainer::FitRun::shard_forward_backward() {
  Rng masks(shard_seed(dropout_rng_.next(), reducer_->comm().rank()));
  const Index b = batch_.size();  // this rank's rows (possibly none)
  double loss = 0;
  MetricsSums sums;
  if (b > 0) {
    const ConstMatrixMap<float> Yb = batch_.Y();
    encode_targets(net_.spec(), train_.task, batch_.labels(), &Yb, b, Y_);
    loss = net_.forward_backward(batch_.X(), Y_, true, &masks, false, batch_.weights());
    if (options_.train_cost == TrainCost::running_mean) add_running_metrics(loss, sums);
  }
  return reducer_->reduce(params_, loss, b, batch_.full_size(), sums, st.epoch_train_sums);
}

// The batch's training-mode outputs (before its update) into the epoch's running metrics.
void Trainer::FitRun::add_running_metrics(double loss, MetricsSums& into) {
  const Matrix<float>& A = net_.A(net_.layer_count() - 1);
  if (train_.task == data::Task::classification) {
    into.add_classification(A, batch_.labels(), loss);
    return;
  }
  pred_ = A;
  truth_ = batch_.Y();
  if (targets_) {
    targets_->inverse_transform(pred_);
    targets_->inverse_transform(truth_);
  }
  into.add_regression(pred_, truth_, loss);
}

// Per-slice ‖dW‖ summed over the epoch (monitoring), then global-norm clipping.
void Trainer::FitRun::watch_gradients(std::uint64_t batch_no) {
  if (!options_.monitor_gradients && !(options_.clip_norm > 0)) return freeze_gradients();
  optim::slice_grad_norms(params_, norms_);  // into the reused vector
  double total = 0;
  for (std::size_t s = 0; s < norms_.size(); ++s) {
    st.epoch_grad_norm_sums[s] += norms_[s];
    total += norms_[s] * norms_[s];
  }
  if (!std::isfinite(total)) {
    const std::string bad = first_non_finite(net_);
    diverged(fmt::format(
        "non-finite gradient at epoch {} batch {} (first non-finite: {}) — lower the "
        "learning rate or enable train.clip_norm", st.epoch + 1, batch_no, bad), bad);
  }
  freeze_gradients();  // frozen slices: their norms are recorded, then no step (nor clipping share)
  if (options_.clip_norm > 0) optim::clip_grad_norm(params_, options_.clip_norm);
}

// J + penalties at the trial θ of a line search, on the batch and dropout masks of the gradient.
double Trainer::FitRun::trial_cost() {
  net_.forward_with_masks(batch_.X());
  return net_.loss(Y_, false, false, batch_.weights()) + penalties(false);
}

// θ := the optimizer's step with α = lr, or the Armijo line search along −∇J starting at t = lr.
void Trainer::FitRun::update(double J, double lr, std::uint64_t batch_no) {
  if (options_.line_search) {
    line_search_.search(params_, J, lr, trial_cost_);
  } else {
    optimizer_.step(params_, static_cast<float>(lr));
  }
  // Decoupled weight decay (adamw) shrinks θ itself, not through dθ: frozen slices go back.
  for (std::size_t i = 0; i < frozen_.size(); ++i) params_.value(frozen_[i]) = frozen_values_[i];
  // Under recover every update is checked (a pass over θ): a non-finite θ is rolled back here
  // rather than found as a non-finite cost one batch later, when the good θ is gone.
  if ((options_.detect_anomaly || recover_) && !params_.theta().allFinite()) {
    const std::string bad = first_non_finite(net_, false);
    diverged(fmt::format("{} at epoch {} batch {}: the update made {} non-finite",
                         options_.detect_anomaly ? "anomaly" : "non-finite update", st.epoch + 1, batch_no, bad),
             bad);
  }
}

// The batch's time, samples and cost into the epoch's sums; on_batch_end of every callback.
void Trainer::FitRun::end_batch(double J, double lr, std::uint64_t batch_no, double seconds) {
  const Index b = batch_.full_size();  // the whole batch, over all ranks
  st.epoch_seconds += seconds;
  seconds_total_ += seconds;
  samples_total_ += static_cast<std::uint64_t>(b);
  st.epoch_objective_sum += J;
  st.batch = batch_no;
  const BatchInfo info{st.epoch + 1, batch_no, batches_per_epoch_, J, lr, b, seconds};
  for (Callback* cb : callbacks_) {
    if (!cb->on_batch_end(info)) stop = true;
  }
  if (reducer_) stop = reducer_->comm().any(stop);  // one rank's stop (a signal) stops all, here
}

void Trainer::FitRun::save_progress() {
  st.dropout_rng = dropout_rng_.state();
  st.plateau = schedule_.plateau_state();
}

EpochMetrics Trainer::FitRun::end_epoch(double lr) {
  const std::uint64_t trained = st.batch - st.epoch_skipped;  // batches in the epoch's sums
  const auto batches = static_cast<double>(trained);
  EpochMetrics em;
  em.epoch = st.epoch + 1;
  em.learning_rate = lr * st.lr_multiplier;  // the rate the epoch ended with
  em.objective = trained ? st.epoch_objective_sum / batches : 0.0;
  em.seconds = st.epoch_seconds;
  em.samples_per_second = st.epoch_seconds > 0 ? static_cast<double>(train_.size()) / st.epoch_seconds : 0.0;
  em.train_cost = options_.train_cost;
  // Every batch of the epoch undone by recoveries: no running means, the training set at θ.
  if (options_.train_cost == TrainCost::exact || trained == 0) {
    em.train_cost = TrainCost::exact;
    em.train = evaluate(net_, train_, targets_);
  } else {
    const bool classify = train_.task == data::Task::classification;
    em.train = st.epoch_train_sums.metrics(classify, classify ? 0 : train_.Y.rows(), ss_tot_);
  }
  if (dev_) em.dev = evaluate(net_, *dev_, targets_);
  if (recover_ && have_epoch_start_ && st.batch > epoch_start_.batch) {
    const double watched = dev_ ? em.dev->loss : em.objective;
    if (!std::isfinite(watched) || exploded(watched)) {
      undo_epoch(watched, lr * st.lr_multiplier);
      return end_epoch(lr);  // at the epoch's starting θ
    }
  }
  if (options_.monitor_gradients) {
    for (double s : st.epoch_grad_norm_sums) em.grad_norms.push_back(trained ? s / batches : 0.0);
  }
  em.weight_norms = optim::slice_value_norms(params_);
  return em;
}

// The schedule watches the dev cost (the train cost without dev data), early stopping its
// monitored dev metric; the epoch goes into the history and the state moves to the next epoch; then on_epoch_end.
std::optional<StopReason> Trainer::FitRun::observe(const EpochMetrics& em) {
  // Data parallel: every rank must hold the same θ (then the decisions below agree too).
  if (reducer_) reducer_->check_same_weights(params_, em.epoch);
  const double watched = dev_ ? em.dev->loss : em.train.loss;
  schedule_.end_epoch(watched);
  bool early_stop = false;
  if (dev_) {  // early stopping watches its own metric (train.early_stopping.monitor)
    EarlyStopping es(options_.early_stopping, st);
    early_stop = es.observe(em.epoch, monitored_value(options_.early_stopping.monitor, *em.dev), params_.theta());
  }
  st.history.push_back(em);
  st.epoch += 1;
  st.batch = 0;
  st.epoch_objective_sum = 0;
  st.epoch_skipped = 0;
  st.epoch_train_sums = MetricsSums{};
  st.epoch_seconds = 0;
  std::fill(st.epoch_grad_norm_sums.begin(), st.epoch_grad_norm_sums.end(), 0.0);
  save_progress();
  for (Callback* cb : callbacks_) {
    if (!cb->on_epoch_end(em)) stop = true;
  }
  if (reducer_) stop = reducer_->comm().any(stop);
  if (stop) return StopReason::callback;
  if (early_stop) return StopReason::early_stopping;
  return std::nullopt;
}

TrainResult Trainer::FitRun::finish(StopReason reason) {
  if (options_.early_stopping.enabled && options_.early_stopping.restore_best &&
      st.best_theta.size() == params_.theta().size() && reason != StopReason::callback) {
    params_.theta() = st.best_theta;  // the model of the best dev epoch
  }
  TrainResult result;
  result.reason = reason;
  result.epochs_run = st.epoch;
  result.best_epoch = st.best_epoch;
  result.history = st.history;
  result.train_seconds = seconds_total_;
  result.recoveries = st.recoveries;
  result.lr_multiplier = st.lr_multiplier;
  result.samples_per_second = seconds_total_ > 0 ? static_cast<double>(samples_total_) / seconds_total_ : 0.0;
  return result;
}

TrainResult Trainer::fit(const data::Dataset& train, const data::Dataset* dev,
                         const std::vector<Callback*>& callbacks,
                         const data::Standardizer* targets) {
  check_fit(net_, options_, train, dev);
  batcher_ = std::make_unique<data::Batcher>(train, options_.batch_size, options_.drop_last, options_.seed);
  if (options_.comm && options_.comm->size() > 1) batcher_->set_shard(options_.comm->rank(), options_.comm->size());
  FitRun run(*this, train, dev, callbacks, targets);
  run.begin();
  StopReason reason = StopReason::completed;
  while (run.st.epoch < options_.epochs) {
    const double lr = run.begin_epoch();
    while (!run.stop && run.train_batch(lr)) {
    }
    run.save_progress();
    if (run.stopped_mid_epoch()) {
      reason = StopReason::callback;  // the state resumes this epoch
      break;
    }
    if (const auto stopped = run.observe(run.end_epoch(lr))) {
      reason = *stopped;
      break;
    }
  }
  return run.finish(reason);
}

}  // namespace mlp
