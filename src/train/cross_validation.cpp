#include "mlp/train/cross_validation.hpp"

#include "mlp/data/split.hpp"

namespace mlp {

CrossValidationResult cross_validate(const data::Dataset& pool, int folds, std::uint64_t seed,
                                     const PrepareFold& prepare, const FoldDone& on_fold) {
  const std::vector<data::Fold> parts = data::kfold(pool, folds, seed);
  CrossValidationResult out;
  out.examples = pool.size();
  for (std::size_t k = 0; k < parts.size(); ++k) {
    CrossValidationFold fold = prepare(pool.select(parts[k].train), pool.select(parts[k].dev));
    const data::Standardizer* targets = fold.targets ? &*fold.targets : nullptr;
    Network<float> net(fold.spec);
    Trainer trainer(net, fold.options);
    const TrainResult r = trainer.fit(fold.train, &fold.dev, {}, targets);
    out.folds.push_back({evaluate(net, fold.dev, targets), r.epochs_run, fold.train.size(), fold.dev.size()});
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
