#include "mlp/train/trainer.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "mlp/core/error.hpp"
#include "mlp/optim/regularization.hpp"

namespace mlp {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Y [n_out x m] for a batch given its labels (classification) or target columns (regression).
void targets_from(const ModelSpec& spec, data::Task task, std::span<const std::int32_t> labels,
                  const ConstMatrixMap<float>* Yreg, Index m, Matrix<float>& Y) {
  const Index n = spec.layers.back().units;
  Y.resize(n, m);
  if (task == data::Task::classification) {
    if (n == 1) {
      for (Index j = 0; j < m; ++j) Y(0, j) = labels[static_cast<std::size_t>(j)] != 0 ? 1.0f : 0.0f;
    } else {
      Y.setZero();
      for (Index j = 0; j < m; ++j) Y(labels[static_cast<std::size_t>(j)], j) = 1.0f;
    }
  } else {
    Y = *Yreg;
  }
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

void check_shapes(const Network<float>& net, const data::Dataset& d, const char* role) {
  const ModelSpec& spec = net.spec();
  if (d.n_features() != spec.inputs) {
    throw ShapeError(fmt::format("{} data {}: {} features, but the model expects {}", role,
                                 d.source, d.n_features(), spec.inputs));
  }
  const Index out = spec.layers.back().units;
  if (d.task == data::Task::classification) {
    const bool ok = out == d.n_classes() || (out == 1 && d.n_classes() <= 2);
    if (!ok) {
      throw ShapeError(fmt::format(
          "{} data {}: {} classes, but the output layer {} has {} units — set the output width to "
          "the number of classes", role, d.source, d.n_classes(),
          net.layer_name(net.layer_count() - 1), out));
    }
  } else if (d.has_targets() && d.Y.rows() != out) {
    throw ShapeError(fmt::format("{} data {}: {} targets, but the output layer has {} units", role,
                                 d.source, d.Y.rows(), out));
  }
}

}  // namespace

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

void fill_targets(const ModelSpec& spec, const data::Dataset& d, std::span<const Index> indices,
                  Matrix<float>& Y) {
  const Index m = static_cast<Index>(indices.size());
  std::vector<std::int32_t> labels;
  Matrix<float> Yreg;
  if (d.task == data::Task::classification) {
    labels.reserve(indices.size());
    for (Index i : indices) labels.push_back(d.labels[static_cast<std::size_t>(i)]);
    targets_from(spec, d.task, labels, nullptr, m, Y);
  } else {
    Yreg.resize(d.Y.rows(), m);
    for (Index j = 0; j < m; ++j) Yreg.col(j) = d.Y.col(indices[static_cast<std::size_t>(j)]);
    const ConstMatrixMap<float> view(Yreg.data(), Yreg.rows(), Yreg.cols());
    targets_from(spec, d.task, {}, &view, m, Y);
  }
}

Metrics evaluate(Network<float>& net, const data::Dataset& d, const data::Standardizer* targets,
                 Index batch_size) {
  check_shapes(net, d, "evaluation");
  if (!d.has_targets()) throw DataError(fmt::format("{}: no target values to evaluate against", d.source));
  const ModelSpec& spec = net.spec();
  const Index m = d.size();
  if (m == 0) throw DataError(fmt::format("{}: no examples to evaluate", d.source));
  const bool classify = d.task == data::Task::classification;
  const Index n_classes = classify ? std::max<Index>(d.n_classes(), 2) : 0;
  Metrics out;
  if (classify) out.confusion.assign(static_cast<std::size_t>(n_classes), std::vector<std::int64_t>(static_cast<std::size_t>(n_classes), 0));
  double loss_sum = 0, sq = 0, ab = 0;
  std::int64_t correct = 0;
  Matrix<float> Y, pred, truth;
  std::vector<Index> idx;
  // For R²: Σ (y − ȳ)² over all targets, in original units.
  Matrix<float> all_truth;
  if (!classify) {
    all_truth = d.Y;
    if (targets) targets->inverse_transform(all_truth);
  }
  for (Index start = 0; start < m; start += batch_size) {
    const Index b = std::min(batch_size, m - start);
    idx.resize(static_cast<std::size_t>(b));
    for (Index j = 0; j < b; ++j) idx[static_cast<std::size_t>(j)] = start + j;
    fill_targets(spec, d, idx, Y);
    net.predict(d.X.middleCols(start, b));
    loss_sum += static_cast<double>(net.loss(Y, false)) * static_cast<double>(b);
    const Matrix<float>& A = net.A(net.layer_count() - 1);
    if (classify) {
      for (Index j = 0; j < b; ++j) {
        Index p = 0;
        if (A.rows() == 1) {
          p = A(0, j) >= 0.5f ? 1 : 0;
        } else {
          A.col(j).maxCoeff(&p);
        }
        const auto t = d.labels[static_cast<std::size_t>(start + j)];
        correct += (p == t);
        out.confusion[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)] += 1;
      }
    } else {
      pred = A;
      if (targets) targets->inverse_transform(pred);
      const auto diff = (pred - all_truth.middleCols(start, b)).array().cast<double>();
      sq += diff.square().sum();
      ab += diff.abs().sum();
    }
  }
  out.loss = loss_sum / static_cast<double>(m);
  if (classify) {
    out.accuracy = static_cast<double>(correct) / static_cast<double>(m);
  } else {
    const double count = static_cast<double>(all_truth.size());
    out.rmse = std::sqrt(sq / count);
    out.mae = ab / count;
    const auto t = all_truth.cast<double>();
    const Eigen::VectorXd mean = t.rowwise().mean();
    const double ss_tot = (t.colwise() - mean).squaredNorm();
    out.r2 = ss_tot > 0 ? 1.0 - sq / ss_tot : 0.0;
  }
  return out;
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

TrainResult Trainer::fit(const data::Dataset& train, const data::Dataset* dev,
                         const std::vector<Callback*>& callbacks,
                         const data::Standardizer* targets) {
  check_shapes(net_, train, "training");
  if (dev) check_shapes(net_, *dev, "dev");
  if (train.size() == 0) throw DataError(fmt::format("{}: no training examples", train.source));
  const auto m = static_cast<std::size_t>(train.size());
  if (options_.line_search && options_.batch_size < train.size()) {
    throw ConfigError(fmt::format(
        "train.line_search needs full-batch gradient descent: set train.batch_size >= {} (the "
        "training-set size; got {})", train.size(), options_.batch_size));
  }
  Parameters<float>& params = net_.params();
  batcher_ = std::make_unique<data::Batcher>(train, options_.batch_size, options_.drop_last, options_.seed);
  optim::Schedule schedule(options_.schedule, options_.learning_rate);
  Rng dropout_rng(options_.seed ^ 0xd50f0a11c0ffeeULL);

  TrainerState& st = current_;
  if (pending_) {
    st = std::move(*pending_);
    pending_.reset();
    batcher_->restore(st.batcher);
    optimizer_->load_state(st.optimizer);
    dropout_rng.set_state(st.dropout_rng);
    if (options_.schedule.kind == optim::ScheduleKind::plateau) schedule.load_plateau_state(st.plateau);
  } else {
    st = TrainerState{};
    st.plateau = schedule.plateau_state();
  }
  const std::size_t n_slices = params.slot_count();
  if (st.epoch_grad_norm_sums.size() != n_slices) st.epoch_grad_norm_sums.assign(n_slices, 0.0);

  TrainResult result;
  Matrix<float> Y;
  Vector<float> line_theta, line_grad;
  data::Batch batch;
  const float l1 = static_cast<float>(options_.l1), l2 = static_cast<float>(options_.l2);
  const auto batches_per_epoch = static_cast<std::uint64_t>(batcher_->batches_per_epoch());
  std::vector<double> norms(n_slices);  // per-slice gradient norms, reused by every batch
  std::uint64_t samples_total = 0;
  double seconds_total = 0;
  bool stop = false;

  // The L1/L2 penalties at the current θ, added to dtheta too when asked.
  auto penalties = [&](bool gradient) {
    double P = 0;
    if (l2 > 0) P += gradient ? optim::l2_penalty(params, l2, m) : optim::l2_cost(params, l2, m);
    if (l1 > 0) P += gradient ? optim::l1_penalty(params, l1, m) : optim::l1_cost(params, l1, m);
    return P;
  };

  while (st.epoch < options_.epochs && !stop) {
    const double lr = options_.schedule.kind == optim::ScheduleKind::plateau
                          ? schedule.plateau_state().lr
                          : schedule.lr(st.epoch);
    if (st.batch == 0) batcher_->start_epoch();
    while (true) {
      const auto t0 = std::chrono::steady_clock::now();
      if (!batcher_->next(batch)) break;
      const Index b = batch.size();
      const ConstMatrixMap<float> Yb = batch.Y();
      targets_from(net_.spec(), train.task, batch.labels(), &Yb, b, Y);
      // forward, loss and backward in one pass (the batch split over threads by columns)
      const double J = net_.forward_backward(batch.X(), Y, true, &dropout_rng) + penalties(true);
      const std::uint64_t batch_no = st.batch + 1;
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
      if (options_.monitor_gradients || options_.clip_norm > 0) {
        optim::slice_grad_norms(params, norms);  // into the reused vector
        double total = 0;
        for (std::size_t s = 0; s < n_slices; ++s) {
          st.epoch_grad_norm_sums[s] += norms[s];
          total += norms[s] * norms[s];
        }
        if (!std::isfinite(total)) {
          throw NumericError(fmt::format(
              "non-finite gradient at epoch {} batch {} (first non-finite: {}) — lower the "
              "learning rate or enable train.clip_norm", st.epoch + 1, batch_no, first_non_finite(net_)));
        }
        if (options_.clip_norm > 0) optim::clip_grad_norm(params, options_.clip_norm);
      }
      if (options_.line_search) {
        // Backtracking: largest t = lr·ρ^k with J(θ − t g) <= J(θ) − c·t·‖g‖².
        const double c = 1e-4, rho = 0.5;
        line_theta = params.theta();
        line_grad = params.dtheta();
        const double g2 = static_cast<double>(line_grad.squaredNorm());
        double t = lr;
        for (int tries = 0; tries < 60; ++tries) {
          params.theta() = line_theta - static_cast<float>(t) * line_grad;
          net_.forward(batch.X(), true, &dropout_rng);
          const double Jt = net_.loss(Y, false) + penalties(false);
          if (std::isfinite(Jt) && Jt <= J - c * t * g2) break;
          t *= rho;
          if (tries == 59) params.theta() = line_theta;  // no decrease found: stay
        }
      } else {
        optimizer_->step(params, static_cast<float>(lr));
      }
      if (options_.detect_anomaly && !params.theta().allFinite()) {
        throw NumericError(fmt::format("anomaly at epoch {} batch {}: the update made {} non-finite",
                                       st.epoch + 1, batch_no, first_non_finite(net_, false)));
      }
      const double dt = seconds_since(t0);
      st.epoch_seconds += dt;
      seconds_total += dt;
      samples_total += static_cast<std::uint64_t>(b);
      st.epoch_objective_sum += J;
      st.batch = batch_no;
      const BatchInfo info{st.epoch + 1, batch_no, batches_per_epoch, J, lr, b};
      for (Callback* cb : callbacks) {
        if (!cb->on_batch_end(info)) stop = true;
      }
      if (stop) break;
    }
    st.dropout_rng = dropout_rng.state();
    st.plateau = schedule.plateau_state();
    if (stop && st.batch < batches_per_epoch) {
      result.reason = StopReason::callback;  // mid-epoch: the state resumes this epoch
      break;
    }
    // ---- end of epoch: metrics, schedule, early stopping ----
    EpochMetrics em;
    em.epoch = st.epoch + 1;
    em.learning_rate = lr;
    em.objective = st.batch ? st.epoch_objective_sum / static_cast<double>(st.batch) : 0.0;
    em.seconds = st.epoch_seconds;
    em.samples_per_second = st.epoch_seconds > 0 ? static_cast<double>(train.size()) / st.epoch_seconds : 0.0;
    em.train = evaluate(net_, train, targets);
    if (dev) em.dev = evaluate(net_, *dev, targets);
    if (options_.monitor_gradients) {
      for (double s : st.epoch_grad_norm_sums) em.grad_norms.push_back(st.batch ? s / static_cast<double>(st.batch) : 0.0);
    }
    em.weight_norms = optim::slice_value_norms(params);
    const double watched = dev ? em.dev->loss : em.train.loss;
    schedule.end_epoch(watched);
    bool early_stop = false;
    if (dev) {
      EarlyStopping es(options_.early_stopping, st);
      early_stop = es.observe(em.epoch, watched, params.theta());
    }
    st.history.push_back(em);
    st.epoch += 1;
    st.batch = 0;
    st.epoch_objective_sum = 0;
    st.epoch_seconds = 0;
    std::fill(st.epoch_grad_norm_sums.begin(), st.epoch_grad_norm_sums.end(), 0.0);
    st.plateau = schedule.plateau_state();
    st.dropout_rng = dropout_rng.state();
    for (Callback* cb : callbacks) {
      if (!cb->on_epoch_end(em)) stop = true;
    }
    if (stop) {
      result.reason = StopReason::callback;
      break;
    }
    if (early_stop) {
      result.reason = StopReason::early_stopping;
      break;
    }
  }
  if (options_.early_stopping.enabled && options_.early_stopping.restore_best &&
      st.best_theta.size() == params.theta().size() && result.reason != StopReason::callback) {
    params.theta() = st.best_theta;  // the model of the best dev epoch
  }
  result.epochs_run = st.epoch;
  result.best_epoch = st.best_epoch;
  result.history = st.history;
  result.train_seconds = seconds_total;
  result.samples_per_second = seconds_total > 0 ? static_cast<double>(samples_total) / seconds_total : 0.0;
  return result;
}

}  // namespace mlp
