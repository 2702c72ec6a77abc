// Mini-batches (SPEC §3): a fresh seeded shuffle every epoch, contiguous batch buffers
// (features x batch) that are reused — after the first batch no allocation happens — and the
// last partial batch kept unless drop_last. A batch size larger than m is clamped to m (one
// batch per epoch: full-batch gradient descent). The state (epoch, the generator state at the
// start of the epoch, position in the permutation) can be saved and restored, so a resumed run
// sees exactly the batches an uninterrupted run would have seen.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mlp/data/dataset.hpp"
#include "mlp/core/random.hpp"

namespace mlp::data {

/// One mini-batch. The views stay valid until the next call of Batcher::next on this Batch.
class Batch {
 public:
  [[nodiscard]] Index size() const { return size_; }
  /// The size of the whole batch of which this is a shard (Batcher::set_shard); size() unsharded.
  [[nodiscard]] Index full_size() const { return full_size_; }
  /// n_features x size.
  [[nodiscard]] ConstMatrixMap<float> X() const { return {x_.data(), x_.rows(), size_}; }
  /// Regression: n_targets x size. Classification: one-hot, n_classes x size.
  /// Empty (0 rows) when the data set has no targets.
  [[nodiscard]] ConstMatrixMap<float> Y() const { return {y_.data(), y_.rows(), size_}; }
  /// Classification: class index per example (empty otherwise).
  [[nodiscard]] std::span<const std::int32_t> labels() const {
    return {labels_.data(), labels_.empty() ? 0 : static_cast<std::size_t>(size_)};
  }
  /// The examples' weights (Dataset::weights), or empty when the data set has none.
  [[nodiscard]] std::span<const float> weights() const {
    return {weights_.data(), weights_.empty() ? 0 : static_cast<std::size_t>(size_)};
  }
  /// Which examples of the data set are in the batch, in batch order.
  [[nodiscard]] std::span<const Index> indices() const {
    return {indices_.data(), static_cast<std::size_t>(size_)};
  }

 private:
  friend class Batcher;
  MatrixF x_, y_;
  std::vector<std::int32_t> labels_;
  std::vector<float> weights_;
  std::vector<Index> indices_;
  Index size_ = 0;
  Index full_size_ = 0;
};

class Batcher {
 public:
  /// `data` must outlive the Batcher. Throws ConfigError if batch_size < 1 or data is empty.
  Batcher(const Dataset& data, Index batch_size, bool drop_last, std::uint64_t seed);

  /// Data-parallel training (docs/distributed.md): next() hands out only rows
  /// [rank·b/ranks, (rank+1)·b/ranks) of each batch of b examples (possibly none); the
  /// shuffle, the batches and the state are those of the unsharded batcher.
  void set_shard(int rank, int ranks);

  /// Shuffles afresh and rewinds; the first call starts epoch 1.
  void start_epoch();
  /// Fills `batch` with the next batch of the current epoch; false when the epoch is over.
  bool next(Batch& batch);

  [[nodiscard]] Index batch_size() const { return batch_size_; }  ///< after clamping to m
  [[nodiscard]] Index batches_per_epoch() const;
  [[nodiscard]] std::uint64_t epoch() const { return epoch_; }    ///< epochs started
  [[nodiscard]] const std::vector<Index>& permutation() const { return perm_; }

  struct State {
    std::uint64_t epoch = 0;
    Rng::State rng_at_epoch_start{};  ///< regenerates this epoch's permutation
    Rng::State rng{};                 ///< the generator now (for the next epoch)
    Index position = 0;               ///< examples of this epoch already handed out
    Index size = 0;                   ///< m, checked on restore
    Index batch_size = 0;             ///< checked on restore
  };
  [[nodiscard]] State state() const;
  /// Resumes from a saved state; throws ConfigError if it belongs to another data size or
  /// batch size.
  void restore(const State& s);

 private:
  void shuffle_from(const Rng::State& st);

  const Dataset& data_;
  Index batch_size_;
  bool drop_last_;
  Rng rng_;
  Rng::State rng_at_epoch_start_{};
  std::vector<Index> perm_;
  std::uint64_t epoch_ = 0;
  Index position_ = 0;
  Index shard_rank_ = 0, shard_count_ = 1;
};

}  // namespace mlp::data
