#include "mlp/train/cross_validation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

#include "mlp/core/error.hpp"
#include "mlp/data/split.hpp"

namespace mlp {

bool watches_dev_set(const TrainOptions& options) {
  return options.early_stopping.enabled || options.schedule.kind == optim::ScheduleKind::plateau;
}

namespace {

/// A fold's result as doubles, for the exchange between ranks: every field, in order; an
/// optional metric as (present, value); the confusion matrix as its rows, each with its length.
std::vector<double> to_record(const FoldResult& f) {
  std::vector<double> v{f.dev.loss};
  for (const auto* m : {&f.dev.accuracy, &f.dev.rmse, &f.dev.mae, &f.dev.r2}) {
    v.push_back(m->has_value() ? 1.0 : 0.0);
    v.push_back(m->value_or(0.0));
  }
  v.push_back(static_cast<double>(f.epochs));
  v.push_back(static_cast<double>(f.train_examples));
  v.push_back(static_cast<double>(f.stopping_examples));
  v.push_back(static_cast<double>(f.dev_examples));
  v.push_back(static_cast<double>(f.dev.confusion.size()));
  for (const auto& row : f.dev.confusion) {
    v.push_back(static_cast<double>(row.size()));
    for (const std::int64_t c : row) v.push_back(static_cast<double>(c));
  }
  return v;
}

FoldResult from_record(const std::vector<double>& v) {
  std::size_t i = 0;
  const auto next = [&] { return v.at(i++); };
  FoldResult f;
  f.dev.loss = next();
  for (auto* m : {&f.dev.accuracy, &f.dev.rmse, &f.dev.mae, &f.dev.r2}) {
    const bool present = next() != 0.0;
    const double value = next();
    if (present) *m = value;
  }
  f.epochs = static_cast<std::uint64_t>(next());
  f.train_examples = static_cast<Index>(next());
  f.stopping_examples = static_cast<Index>(next());
  f.dev_examples = static_cast<Index>(next());
  f.dev.confusion.resize(static_cast<std::size_t>(next()));
  for (auto& row : f.dev.confusion) {
    row.resize(static_cast<std::size_t>(next()));
    for (auto& c : row) c = static_cast<std::int64_t>(next());
  }
  return f;
}

}  // namespace

CrossValidationResult cross_validate(const data::Dataset& pool, int folds, std::uint64_t seed,
                                     const PrepareFold& prepare, const FoldDone& on_fold,
                                     Communicator* comm) {
  const std::vector<data::Fold> parts = data::kfold(pool, folds, seed);
  CrossValidationResult out;
  out.examples = pool.size();
  out.ranks = comm ? comm->size() : 1;
  const auto train_fold = [&](std::size_t k) {
    CrossValidationFold fold = prepare(pool.select(parts[k].train), pool.select(parts[k].dev));
    const data::Standardizer* targets = fold.targets ? &*fold.targets : nullptr;
    std::optional<data::Dataset> stopping;
    if (watches_dev_set(fold.options)) {
      const double f = fold.stopping_fraction;
      if (!(f > 0.0 && f < 1.0)) {
        throw ConfigError(fmt::format(
            "cross-validation: the stopping set's fraction of a fold's training part must lie "
            "in (0, 1) (got {})", f));
      }
      data::Split carved = data::split(fold.train, {1.0 - f, f, 0.0}, seed + k + 1);
      if (carved.dev.size() == 0 || carved.train.size() == 0) {
        throw ConfigError(fmt::format(
            "cross-validation: fold {} has {} training examples, too few to hold back a "
            "stopping set for early stopping / the plateau schedule", k + 1, fold.train.size()));
      }
      fold.train = std::move(carved.train);
      stopping = std::move(carved.dev);
    }
    Network<float> net(fold.spec);
    Trainer trainer(net, fold.options);
    const TrainResult r = trainer.fit(fold.train, stopping ? &*stopping : nullptr, {}, targets);
    return FoldResult{evaluate(net, fold.dev, targets), r.epochs_run, fold.train.size(),
                      stopping ? stopping->size() : 0, fold.dev.size()};
  };
  // Rounds of one fold per rank: fold first + j on rank j.
  const auto ranks = static_cast<std::size_t>(out.ranks);
  const std::size_t mine = comm ? static_cast<std::size_t>(comm->rank()) : 0;
  for (std::size_t first = 0; first < parts.size(); first += ranks) {
    std::vector<FoldResult> round(std::min(ranks, parts.size() - first));
    std::exception_ptr error;
    if (mine < round.size()) {
      try {
        round[mine] = train_fold(first + mine);
      } catch (...) {
        error = std::current_exception();
      }
    }
    agree_on_failure(comm, first + mine, error);
    if (comm) {
      std::vector<std::vector<double>> records(round.size());
      if (mine < round.size()) records[mine] = to_record(round[mine]);
      gather_dealt(*comm, records);
      for (std::size_t j = 0; j < round.size(); ++j) round[j] = from_record(records[j]);
    }
    for (std::size_t j = 0; j < round.size(); ++j) {
      out.folds.push_back(std::move(round[j]));
      if (on_fold) on_fold(first + j, parts.size(), out.folds.back());
    }
  }
  summarize_folds(out);
  return out;
}

void summarize_folds(CrossValidationResult& result) {
  const auto& folds = result.folds;
  result.mean = 0.0;
  result.variance = 0.0;
  result.mean_accuracy.reset();
  if (folds.empty()) return;
  const double K = static_cast<double>(folds.size());
  for (const auto& f : folds) result.mean += f.dev.loss;
  result.mean /= K;
  for (const auto& f : folds) result.variance += (f.dev.loss - result.mean) * (f.dev.loss - result.mean);
  result.variance = folds.size() > 1 ? result.variance / (K - 1) : 0.0;
  if (folds.front().dev.accuracy) {
    double acc = 0.0;
    for (const auto& f : folds) acc += *f.dev.accuracy / K;
    result.mean_accuracy = acc;
  }
}

}  // namespace mlp
