#include "mlp/data/batcher.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "mlp/core/error.hpp"

namespace mlp::data {

Batcher::Batcher(const Dataset& data, Index batch_size, bool drop_last, std::uint64_t seed)
    : data_(data), batch_size_(batch_size), drop_last_(drop_last), rng_(seed) {
  if (batch_size < 1) {
    throw ConfigError(fmt::format("batch size must be >= 1 (got {})", batch_size));
  }
  if (data.size() == 0) throw ConfigError("cannot make batches of an empty data set");
  batch_size_ = std::min(batch_size, data.size());  // clamp: batch > m means full batch
  perm_.resize(static_cast<std::size_t>(data.size()));
  position_ = data.size();  // no epoch started yet
}

Index Batcher::batches_per_epoch() const {
  const Index m = data_.size();
  return drop_last_ ? m / batch_size_ : (m + batch_size_ - 1) / batch_size_;
}

void Batcher::shuffle_from(const Rng::State& st) {
  rng_.set_state(st);
  std::iota(perm_.begin(), perm_.end(), Index{0});
  rng_.shuffle(perm_);
}

void Batcher::set_shard(int rank, int ranks) {
  if (ranks < 1 || rank < 0 || rank >= ranks) {
    throw ConfigError(fmt::format("batch shard {} of {}: needs 0 <= rank < ranks", rank, ranks));
  }
  shard_rank_ = rank;
  shard_count_ = ranks;
}

void Batcher::start_epoch() {
  rng_at_epoch_start_ = rng_.state();
  shuffle_from(rng_at_epoch_start_);
  ++epoch_;
  position_ = 0;
}

bool Batcher::next(Batch& batch) {
  const Index m = data_.size();
  const Index remaining = m - position_;
  if (remaining <= 0 || (drop_last_ && remaining < batch_size_)) return false;
  const Index b = std::min(batch_size_, remaining);
  const bool classification = data_.task == Task::classification && data_.has_targets();
  const Index y_rows = classification ? data_.n_classes() : data_.Y.rows();
  // Buffers sized for a full batch once; a shorter last batch uses their leading columns.
  if (batch.x_.rows() != data_.n_features() || batch.x_.cols() != batch_size_) {
    batch.x_.resize(data_.n_features(), batch_size_);
  }
  if (batch.y_.rows() != y_rows || batch.y_.cols() != batch_size_) {
    batch.y_.resize(y_rows, batch_size_);
  }
  batch.indices_.resize(static_cast<std::size_t>(batch_size_));
  batch.labels_.resize(classification ? static_cast<std::size_t>(batch_size_) : 0);
  const bool weighted = data_.weights.size() == static_cast<std::size_t>(m);
  batch.weights_.resize(weighted ? static_cast<std::size_t>(batch_size_) : 0);
  // This shard's rows of the batch (all of them unsharded).
  const Index first = b * shard_rank_ / shard_count_;
  const Index rows = b * (shard_rank_ + 1) / shard_count_ - first;
  for (Index j = 0; j < rows; ++j) {
    const Index i = perm_[static_cast<std::size_t>(position_ + first + j)];
    batch.indices_[static_cast<std::size_t>(j)] = i;
    batch.x_.col(j) = data_.X.col(i);
    if (weighted) batch.weights_[static_cast<std::size_t>(j)] = data_.weights[static_cast<std::size_t>(i)];
    if (classification) {
      const auto c = data_.labels[static_cast<std::size_t>(i)];
      batch.labels_[static_cast<std::size_t>(j)] = c;
      batch.y_.col(j).setZero();
      batch.y_(c, j) = 1.0f;
    } else if (y_rows > 0) {
      batch.y_.col(j) = data_.Y.col(i);
    }
  }
  batch.size_ = rows;
  batch.full_size_ = b;
  position_ += b;
  return true;
}

Batcher::State Batcher::state() const {
  return {epoch_, rng_at_epoch_start_, rng_.state(), position_, data_.size(), batch_size_};
}

void Batcher::restore(const State& s) {
  if (s.size != data_.size() || s.batch_size != batch_size_) {
    throw ConfigError(fmt::format("cannot resume batches: saved for {} examples in batches of {}, "
                                  "now {} examples in batches of {}",
                                  s.size, s.batch_size, data_.size(), batch_size_));
  }
  if (s.position < 0 || s.position > s.size) {
    throw ConfigError(fmt::format("cannot resume batches: position {} outside [0, {}]",
                                  s.position, s.size));
  }
  epoch_ = s.epoch;
  rng_at_epoch_start_ = s.rng_at_epoch_start;
  if (epoch_ > 0) shuffle_from(rng_at_epoch_start_);
  rng_.set_state(s.rng);
  position_ = epoch_ > 0 ? s.position : data_.size();
}

}  // namespace mlp::data
