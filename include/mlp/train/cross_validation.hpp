// K-fold cross-validation (docs/cli.md, `mlp cv`): the pooled labelled data is dealt into K
// folds (data::kfold: stratified for classification, sizes differing by at most one); for each
// fold a fresh network is trained on the other K−1 folds and evaluated on that fold. The
// result is each fold's dev metrics, the mean dev cost, its variance over K−1, and the mean
// accuracy for classifiers.
//
// What a fold's data and network look like is the caller's: `prepare` receives the raw train
// and dev parts of a fold and returns them prepared (imputed, standardized with statistics of
// the train part only) with the network description and the training options.
//
// Over the ranks of a Communicator (docs/distributed.md, `mpirun -np N mlp cv`), fold k is
// prepared and trained on rank k mod N alone, in rounds of N folds; after each round the ranks
// agree on failures and exchange the round's fold results, so that every rank returns the result
// one process returns, bit for bit.
//
// The scored fold is never seen before it is scored. When training watches a dev set (early
// stopping, the plateau schedule), that dev set is a stopping set carved from the fold's
// training part (stopping_fraction of it, stratified, seeded); otherwise training sees no dev
// set at all.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "mlp/data/dataset.hpp"
#include "mlp/data/standardizer.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/train/distributed.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp {

/// One fold, ready to train.
struct CrossValidationFold {
  data::Dataset train, dev;  ///< prepared (e.g. standardized)
  /// Un-standardizes regression outputs and targets for the dev metrics; none: the targets are
  /// in their original units.
  std::optional<data::Standardizer> targets;
  ModelSpec spec;
  TrainOptions options;
  /// Fraction of `train` held back as the stopping set when options watch a dev set.
  double stopping_fraction = 0.1;
};

/// Whether training with `options` reads the dev cost: early stopping or the plateau schedule.
[[nodiscard]] bool watches_dev_set(const TrainOptions& options);

/// Prepares a fold from its raw train and dev parts.
using PrepareFold = std::function<CrossValidationFold(data::Dataset train, data::Dataset dev)>;

/// Exchanged between ranks field by field (to_record in src/train/cross_validation.cpp): a field
/// added here or to Metrics must be added there.
struct FoldResult {
  Metrics dev;               ///< of the trained network on the fold's dev part
  std::uint64_t epochs = 0;  ///< epochs run (early stopping may end a fold early)
  Index train_examples = 0;     ///< examples the network was trained on
  Index stopping_examples = 0;  ///< carved from the training part for early stopping; 0: none
  Index dev_examples = 0;
};

struct CrossValidationResult {
  std::vector<FoldResult> folds;  ///< in fold order
  Index examples = 0;             ///< size of the pooled data
  double mean = 0.0;              ///< mean dev cost over the folds
  double variance = 0.0;          ///< of the dev cost, over K−1 (0 for a single fold)
  std::optional<double> mean_accuracy;  ///< classifiers: mean dev accuracy
  int ranks = 1;                  ///< processes the folds were dealt over
  [[nodiscard]] double stddev() const { return std::sqrt(variance); }
};

/// Called after each fold (from 0) with the number of folds, e.g. for progress output. Over
/// several ranks: on every rank, for every fold in fold order, once its round's results are
/// exchanged.
using FoldDone = std::function<void(std::size_t fold, std::size_t folds, const FoldResult&)>;

/// K-fold cross-validation of `pool` with `folds` folds dealt with `seed`. Throws ConfigError
/// unless 2 <= folds <= pool.size(), and whatever `prepare` or training throws. With `comm`
/// (collective: every rank calls it with the same arguments), the folds are dealt over its ranks
/// as the header comment says; a fold that throws ends every rank after its round
/// (agree_on_failure: the lowest failed fold's error; a RankError on the other ranks).
CrossValidationResult cross_validate(const data::Dataset& pool, int folds, std::uint64_t seed,
                                     const PrepareFold& prepare, const FoldDone& on_fold = {},
                                     Communicator* comm = nullptr);

/// The mean and variance (over K−1) of the fold results, as cross_validate() fills them in.
void summarize_folds(CrossValidationResult& result);

}  // namespace mlp
