#include "mlp/train/cross_validation.hpp"

#include <fmt/format.h>

#include <optional>
#include <utility>

#include "mlp/core/error.hpp"
#include "mlp/data/split.hpp"

namespace mlp {

bool watches_dev_set(const TrainOptions& options) {
  return options.early_stopping.enabled || options.schedule.kind == optim::ScheduleKind::plateau;
}

CrossValidationResult cross_validate(const data::Dataset& pool, int folds, std::uint64_t seed,
                                     const PrepareFold& prepare, const FoldDone& on_fold) {
  const std::vector<data::Fold> parts = data::kfold(pool, folds, seed);
  CrossValidationResult out;
  out.examples = pool.size();
  for (std::size_t k = 0; k < parts.size(); ++k) {
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
    out.folds.push_back({evaluate(net, fold.dev, targets), r.epochs_run, fold.train.size(),
                         stopping ? stopping->size() : 0, fold.dev.size()});
    if (on_fold) on_fold(k, parts.size(), out.folds.back());
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
