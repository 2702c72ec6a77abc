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

/// What fit() needs of its data: shapes that fit the model, examples, and for the line search a
/// batch that holds the whole training set.
void check_fit(const Network<float>& net, const TrainOptions& options, const data::Dataset& train,
               const data::Dataset* dev) {
  check_data_fits(net, train, "training");
  if (dev) check_data_fits(net, *dev, "dev");
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

bool EarlyStopping::observe(std::uint64_t epoch, double dev_cost, const Vector<float>& theta) {
  if (!state_.best_dev || dev_cost < *state_.best_dev - options_.min_delta) {
    state_.best_dev = dev_cost;
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
  if (line_search && optimizer.name != "gd") {
    bad(fmt::format("train.line_search needs optimizer \"gd\" (got \"{}\")", optimizer.name));
  }
  if (!(early_stopping.min_delta >= 0)) bad("train.early_stopping.min_delta must be >= 0");
}

Trainer::Trainer(Network<float>& net, TrainOptions options)
    : net_(net), options_(std::move(options)) {
  options_.validate();
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
  void add_running_metrics(double loss);

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
      norms_(params_.slot_count()) {
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
  } else {
    st = TrainerState{};
    st.plateau = schedule_.plateau_state();
  }
  const std::size_t n_slices = params_.slot_count();
  if (st.epoch_grad_norm_sums.size() != n_slices) st.epoch_grad_norm_sums.assign(n_slices, 0.0);
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
  const double J = forward_backward(batch_no);
  watch_gradients(batch_no);
  update(J, lr, batch_no);
  end_batch(J, lr, batch_no, seconds_since(t0));
  return true;
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
  const ConstMatrixMap<float> Yb = batch_.Y();
  encode_targets(net_.spec(), train_.task, batch_.labels(), &Yb, batch_.size(), Y_);
  const double loss = net_.forward_backward(batch_.X(), Y_, true, &dropout_rng_);
  const double J = loss + penalties(true);
  if (options_.detect_anomaly) {
    const std::string bad = first_non_finite(net_, /*loss_fallback=*/false);
    if (!bad.empty()) {
      throw NumericError(fmt::format("anomaly at epoch {} batch {}: first non-finite tensor: {} "
                                     "(cost {})", st.epoch + 1, batch_no, bad, J));
    }
  }
  if (!std::isfinite(J)) {
    throw NumericError(fmt::format(
        "non-finite cost at epoch {} batch {} (first non-finite: {}) — lower the learning "
        "rate, enable train.clip_norm or standardize the data; the weights are those before "
        "this batch", st.epoch + 1, batch_no, first_non_finite(net_)));
  }
  if (options_.train_cost == TrainCost::running_mean) add_running_metrics(loss);
  return J;
}

// The batch's training-mode outputs (before its update) into the epoch's running metrics.
void Trainer::FitRun::add_running_metrics(double loss) {
  const Matrix<float>& A = net_.A(net_.layer_count() - 1);
  if (train_.task == data::Task::classification) {
    st.epoch_train_sums.add_classification(A, batch_.labels(), loss);
    return;
  }
  pred_ = A;
  truth_ = batch_.Y();
  if (targets_) {
    targets_->inverse_transform(pred_);
    targets_->inverse_transform(truth_);
  }
  st.epoch_train_sums.add_regression(pred_, truth_, loss);
}

// Per-slice ‖dW‖ summed over the epoch (monitoring), then global-norm clipping.
void Trainer::FitRun::watch_gradients(std::uint64_t batch_no) {
  if (!options_.monitor_gradients && !(options_.clip_norm > 0)) return;
  optim::slice_grad_norms(params_, norms_);  // into the reused vector
  double total = 0;
  for (std::size_t s = 0; s < norms_.size(); ++s) {
    st.epoch_grad_norm_sums[s] += norms_[s];
    total += norms_[s] * norms_[s];
  }
  if (!std::isfinite(total)) {
    throw NumericError(fmt::format(
        "non-finite gradient at epoch {} batch {} (first non-finite: {}) — lower the "
        "learning rate or enable train.clip_norm", st.epoch + 1, batch_no, first_non_finite(net_)));
  }
  if (options_.clip_norm > 0) optim::clip_grad_norm(params_, options_.clip_norm);
}

// J + penalties at the trial θ of a line search, on the batch and dropout masks of the gradient.
double Trainer::FitRun::trial_cost() {
  net_.forward_with_masks(batch_.X());
  return net_.loss(Y_, false) + penalties(false);
}

// θ := the optimizer's step with α = lr, or the Armijo line search along −∇J starting at t = lr.
void Trainer::FitRun::update(double J, double lr, std::uint64_t batch_no) {
  if (options_.line_search) {
    line_search_.search(params_, J, lr, trial_cost_);
  } else {
    optimizer_.step(params_, static_cast<float>(lr));
  }
  if (options_.detect_anomaly && !params_.theta().allFinite()) {
    throw NumericError(fmt::format("anomaly at epoch {} batch {}: the update made {} non-finite",
                                   st.epoch + 1, batch_no, first_non_finite(net_, false)));
  }
}

// The batch's time, samples and cost into the epoch's sums; on_batch_end of every callback.
void Trainer::FitRun::end_batch(double J, double lr, std::uint64_t batch_no, double seconds) {
  const Index b = batch_.size();
  st.epoch_seconds += seconds;
  seconds_total_ += seconds;
  samples_total_ += static_cast<std::uint64_t>(b);
  st.epoch_objective_sum += J;
  st.batch = batch_no;
  const BatchInfo info{st.epoch + 1, batch_no, batches_per_epoch_, J, lr, b, seconds};
  for (Callback* cb : callbacks_) {
    if (!cb->on_batch_end(info)) stop = true;
  }
}

void Trainer::FitRun::save_progress() {
  st.dropout_rng = dropout_rng_.state();
  st.plateau = schedule_.plateau_state();
}

EpochMetrics Trainer::FitRun::end_epoch(double lr) {
  const auto batches = static_cast<double>(st.batch);
  EpochMetrics em;
  em.epoch = st.epoch + 1;
  em.learning_rate = lr;
  em.objective = st.batch ? st.epoch_objective_sum / batches : 0.0;
  em.seconds = st.epoch_seconds;
  em.samples_per_second = st.epoch_seconds > 0 ? static_cast<double>(train_.size()) / st.epoch_seconds : 0.0;
  em.train_cost = options_.train_cost;
  if (options_.train_cost == TrainCost::exact) {
    em.train = evaluate(net_, train_, targets_);
  } else {
    const bool classify = train_.task == data::Task::classification;
    em.train = st.epoch_train_sums.metrics(classify, classify ? 0 : train_.Y.rows(), ss_tot_);
  }
  if (dev_) em.dev = evaluate(net_, *dev_, targets_);
  if (options_.monitor_gradients) {
    for (double s : st.epoch_grad_norm_sums) em.grad_norms.push_back(st.batch ? s / batches : 0.0);
  }
  em.weight_norms = optim::slice_value_norms(params_);
  return em;
}

// The schedule and early stopping watch the dev cost (the train cost without dev data); the
// epoch goes into the history and the state moves to the next epoch; then on_epoch_end.
std::optional<StopReason> Trainer::FitRun::observe(const EpochMetrics& em) {
  const double watched = dev_ ? em.dev->loss : em.train.loss;
  schedule_.end_epoch(watched);
  bool early_stop = false;
  if (dev_) {
    EarlyStopping es(options_.early_stopping, st);
    early_stop = es.observe(em.epoch, watched, params_.theta());
  }
  st.history.push_back(em);
  st.epoch += 1;
  st.batch = 0;
  st.epoch_objective_sum = 0;
  st.epoch_train_sums = MetricsSums{};
  st.epoch_seconds = 0;
  std::fill(st.epoch_grad_norm_sums.begin(), st.epoch_grad_norm_sums.end(), 0.0);
  save_progress();
  for (Callback* cb : callbacks_) {
    if (!cb->on_epoch_end(em)) stop = true;
  }
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
  result.samples_per_second = seconds_total_ > 0 ? static_cast<double>(samples_total_) / seconds_total_ : 0.0;
  return result;
}

TrainResult Trainer::fit(const data::Dataset& train, const data::Dataset* dev,
                         const std::vector<Callback*>& callbacks,
                         const data::Standardizer* targets) {
  check_fit(net_, options_, train, dev);
  batcher_ = std::make_unique<data::Batcher>(train, options_.batch_size, options_.drop_last, options_.seed);
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
