#include "mlp/data/split.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"

namespace mlp::data {
namespace {

/// The examples grouped by class (one group for regression), each group shuffled.
std::vector<std::vector<Index>> shuffled_groups(const Dataset& data, Rng& rng) {
  std::vector<std::vector<Index>> groups;
  const bool stratify = data.task == Task::classification && data.has_targets();
  if (stratify) {
    groups.resize(static_cast<std::size_t>(data.n_classes()));
    for (Index i = 0; i < data.size(); ++i) {
      const auto c = data.labels[static_cast<std::size_t>(i)];
      if (c < 0 || c >= data.n_classes()) {
        throw DataError(fmt::format("{}: error: label {} of example {} is outside [0, {})",
                                    data.source, c, i, data.n_classes()));
      }
      groups[static_cast<std::size_t>(c)].push_back(i);
    }
  } else {
    groups.emplace_back(static_cast<std::size_t>(data.size()));
    for (Index i = 0; i < data.size(); ++i) groups[0][static_cast<std::size_t>(i)] = i;
  }
  for (auto& g : groups) rng.shuffle(g);
  return groups;
}

Index round_count(double f, Index n) { return static_cast<Index>(std::llround(f * static_cast<double>(n))); }

}  // namespace

SplitFractions default_split(Index m) {
  double f;
  if (m <= 10'000) {
    f = 0.20;
  } else if (m >= 1'000'000) {
    f = 0.02;
  } else {
    const double t = (std::log10(static_cast<double>(m)) - 4.0) / 2.0;  // 0 .. 1
    f = 0.20 + t * (0.02 - 0.20);
  }
  return {1.0 - 2.0 * f, f, f};
}

void validate(const SplitFractions& f) {
  const auto bad = [](double x) { return !std::isfinite(x) || x < 0.0; };
  if (bad(f.train) || bad(f.dev) || bad(f.test) || !(f.train > 0.0)) {
    throw ConfigError(fmt::format("split fractions must be finite and >= 0 with train > 0 (got "
                                  "train {}, dev {}, test {})",
                                  f.train, f.dev, f.test));
  }
  if (f.train + f.dev + f.test > 1.0 + 1e-9) {
    throw ConfigError(fmt::format("split fractions sum to {} (train {} + dev {} + test {}); the "
                                  "sum must be <= 1",
                                  f.train + f.dev + f.test, f.train, f.dev, f.test));
  }
}

SplitIndices split_indices(const Dataset& data, const SplitFractions& f, std::uint64_t seed) {
  validate(f);
  Rng rng(seed);
  const auto groups = shuffled_groups(data, rng);
  const bool all = f.train + f.dev + f.test >= 1.0 - 1e-9;
  SplitIndices out;
  // Cumulative rounding over the classes: the part of class c gets
  // round(C_c f) - round(C_{c-1} f) examples, C_c = examples in classes 0..c, so the totals
  // are round(m f) and every class is within one example of its share.
  Index before = 0;
  for (const auto& g : groups) {
    const auto n = static_cast<Index>(g.size());
    const Index after = before + n;
    Index n_test = round_count(f.test, after) - round_count(f.test, before);
    Index n_dev = round_count(f.dev, after) - round_count(f.dev, before);
    n_test = std::clamp<Index>(n_test, 0, n);
    n_dev = std::clamp<Index>(n_dev, 0, n - n_test);
    Index n_train = all ? n - n_test - n_dev
                        : std::clamp<Index>(round_count(f.train, after) -
                                                round_count(f.train, before),
                                            0, n - n_test - n_dev);
    auto it = g.begin();
    out.test.insert(out.test.end(), it, it + n_test);
    it += n_test;
    out.dev.insert(out.dev.end(), it, it + n_dev);
    it += n_dev;
    out.train.insert(out.train.end(), it, it + n_train);
    before = after;
  }
  std::sort(out.train.begin(), out.train.end());
  std::sort(out.dev.begin(), out.dev.end());
  std::sort(out.test.begin(), out.test.end());
  if (out.train.empty()) {
    throw ConfigError(fmt::format("{}: error: the training part is empty ({} examples, train "
                                  "fraction {})",
                                  data.source, data.size(), f.train));
  }
  return out;
}

Split split(const Dataset& data, const SplitFractions& fractions, std::uint64_t seed) {
  const auto idx = split_indices(data, fractions, seed);
  return {data.select(idx.train), data.select(idx.dev), data.select(idx.test)};
}

Split split(Dataset&& data, const SplitFractions& fractions, std::uint64_t seed) {
  const auto idx = split_indices(data, fractions, seed);
  Split out;
  out.dev = data.select(idx.dev);
  out.test = data.select(idx.test);
  data.retain(idx.train);
  out.train = std::move(data);
  return out;
}

namespace {

/// split_with_files for a `train` given as const& (copied where it is kept) or && (moved).
template <class Train>
Split split_with_files_impl(Train&& train, std::optional<Dataset> dev, Dataset test, std::uint64_t seed) {
  check_compatible(train, test);
  if (dev) {
    check_compatible(train, *dev);
    return {std::forward<Train>(train), std::move(*dev), std::move(test)};
  }
  const SplitFractions d = default_split(train.size() + test.size());
  const double dev_share = d.dev / (d.train + d.dev);
  auto parts = split(std::forward<Train>(train), {1.0 - dev_share, dev_share, 0.0}, seed);
  parts.test = std::move(test);
  return parts;
}

}  // namespace

Split split_with_files(const Dataset& train, std::optional<Dataset> dev, Dataset test,
                       std::uint64_t seed) {
  return split_with_files_impl(train, std::move(dev), std::move(test), seed);
}

Split split_with_files(Dataset&& train, std::optional<Dataset> dev, Dataset test, std::uint64_t seed) {
  return split_with_files_impl(std::move(train), std::move(dev), std::move(test), seed);
}

std::vector<Fold> kfold(const Dataset& data, int k, std::uint64_t seed) {
  if (k < 2 || k > data.size()) {
    throw ConfigError(fmt::format("k-fold needs 2 <= k <= m (got k = {}, m = {})", k, data.size()));
  }
  Rng rng(seed);
  const auto groups = shuffled_groups(data, rng);
  // Deal the class-grouped, shuffled examples round-robin into the folds.
  std::vector<int> fold_of(static_cast<std::size_t>(data.size()));
  std::size_t position = 0;
  for (const auto& g : groups) {
    for (const Index i : g) fold_of[static_cast<std::size_t>(i)] = static_cast<int>(position++ % static_cast<std::size_t>(k));
  }
  std::vector<Fold> folds(static_cast<std::size_t>(k));
  for (Index i = 0; i < data.size(); ++i) {
    const int f = fold_of[static_cast<std::size_t>(i)];
    for (int j = 0; j < k; ++j) {
      auto& fold = folds[static_cast<std::size_t>(j)];
      (j == f ? fold.dev : fold.train).push_back(i);
    }
  }
  return folds;
}

}  // namespace mlp::data
