// Train / dev / test splits and k-fold cross-validation (docs/data.md).
//
// All splits are seeded (mlp::Rng, identical on every platform) and, for classification,
// stratified: every class is divided in the same proportions (up to rounding of one example).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "mlp/data/dataset.hpp"

namespace mlp::data {

struct SplitFractions {
  double train, dev, test;
};

/// SPEC §3 default by size m: 60/20/20 for m <= 10^4, 96/2/2 for m >= 10^6; in between the
/// dev and test fractions each fall linearly in log10(m) from 0.20 to 0.02:
///   f = 0.20 - 0.18 * (log10(m) - 4) / 2,   train = 1 - 2 f.
[[nodiscard]] SplitFractions default_split(Index m);

/// Throws ConfigError unless every fraction is finite and >= 0, train > 0 and the sum is <= 1
/// (a sum below 1 leaves the rest of the examples unused).
void validate(const SplitFractions& f);

/// Example indices of each part (each ascending).
struct SplitIndices {
  std::vector<Index> train, dev, test;
};

/// Counts per part: test = round(f.test m), dev = round(f.dev m) and train = round(f.train m)
/// (train takes the rounding remainder when the fractions sum to 1); per class for
/// classification with the totals kept by cumulative rounding over the classes.
[[nodiscard]] SplitIndices split_indices(const Dataset& data, const SplitFractions& fractions,
                                         std::uint64_t seed);

struct Split {
  Dataset train, dev, test;
};

[[nodiscard]] Split split(const Dataset& data, const SplitFractions& fractions,
                          std::uint64_t seed);
/// The same split, taking `data` over: dev and test are copied out of it, then the training
/// part keeps `data`'s memory (Dataset::retain), so the split needs little more memory than the
/// data set itself (not a second copy of it).
[[nodiscard]] Split split(Dataset&& data, const SplitFractions& fractions, std::uint64_t seed);

/// With a separate test file (and optionally a separate dev file): `test` (and `dev`) are
/// checked against `train` (same features, task and classes); without a dev file a dev part
/// is carved out of `train` with the default rule's dev share, dev / (train + dev), computed
/// from the total size of train + test.
[[nodiscard]] Split split_with_files(const Dataset& train, std::optional<Dataset> dev,
                                     Dataset test, std::uint64_t seed);
/// The same, taking `train` over (no copy of it: see split(Dataset&&, ...)).
[[nodiscard]] Split split_with_files(Dataset&& train, std::optional<Dataset> dev, Dataset test,
                                     std::uint64_t seed);

/// One fold of k-fold cross-validation: train on `train`, evaluate on `dev`.
struct Fold {
  std::vector<Index> train, dev;
};

/// k folds; every example is in exactly one dev part; fold sizes differ by at most one and,
/// for classification, so does each class's count in each fold. Throws ConfigError unless
/// 2 <= k <= m.
[[nodiscard]] std::vector<Fold> kfold(const Dataset& data, int k, std::uint64_t seed);

}  // namespace mlp::data
