// What a progress display shows while an epoch trains: the examples of every batch so far over
// the wall time since the epoch started, the running mean of the batch costs, the time left.
// Time is passed in (seconds on any steady clock), so the computation is tested without a clock;
// the display may redraw as rarely as it likes: every batch is counted.
#pragma once

#include <cstdint>

#include "mlp/train/trainer.hpp"

namespace mlp {

class ProgressMeter {
 public:
  /// Records a batch that ended at `now`. The first batch of an epoch (or the first one seen
  /// after a resume) starts the epoch's clock at `now − info.seconds`.
  void on_batch(const BatchInfo& info, double now);

  [[nodiscard]] std::uint64_t epoch() const { return epoch_; }
  [[nodiscard]] std::uint64_t batch() const { return batch_; }
  [[nodiscard]] std::uint64_t batches_per_epoch() const { return batches_per_epoch_; }
  /// Examples of every batch of this epoch so far.
  [[nodiscard]] double samples() const { return samples_; }
  /// samples() / (now − epoch start), 0 before any time has passed.
  [[nodiscard]] double samples_per_second() const;
  /// Σ m_b·cost_b / Σ m_b over this epoch's batches (cost = J + penalties, training mode).
  [[nodiscard]] double mean_cost() const;
  /// Seconds until `epochs` epochs are done, at this epoch's time per batch (evaluation between
  /// epochs not counted).
  [[nodiscard]] double eta_seconds(std::uint64_t epochs) const;

 private:
  std::uint64_t epoch_ = 0, batch_ = 0, batches_per_epoch_ = 0;
  std::uint64_t batches_seen_ = 0;  ///< this epoch, since the clock started
  double start_ = 0, now_ = 0;
  double samples_ = 0, cost_sum_ = 0;
};

}  // namespace mlp
