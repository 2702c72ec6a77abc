#include "mlp/train/progress.hpp"

namespace mlp {

void ProgressMeter::on_batch(const BatchInfo& b, double now) {
  if (b.epoch != epoch_ || b.batch <= batch_ || batches_seen_ == 0) {
    epoch_ = b.epoch;
    start_ = now - b.seconds;
    batches_seen_ = 0;
    samples_ = 0;
    cost_sum_ = 0;
  }
  batch_ = b.batch;
  batches_per_epoch_ = b.batches_per_epoch;
  batches_seen_ += 1;
  now_ = now;
  samples_ += static_cast<double>(b.samples);
  cost_sum_ += b.cost * static_cast<double>(b.samples);
}

double ProgressMeter::samples_per_second() const {
  const double elapsed = now_ - start_;
  return elapsed > 0 ? samples_ / elapsed : 0.0;
}

double ProgressMeter::mean_cost() const { return samples_ > 0 ? cost_sum_ / samples_ : 0.0; }

double ProgressMeter::eta_seconds(std::uint64_t epochs) const {
  if (batches_seen_ == 0) return 0.0;
  const double per_batch = (now_ - start_) / static_cast<double>(batches_seen_);
  const double left_here = static_cast<double>(batches_per_epoch_ - batch_);
  const double later = epochs > epoch_ ? static_cast<double>(epochs - epoch_) * static_cast<double>(batches_per_epoch_) : 0.0;
  return per_batch * (left_here + later);
}

}  // namespace mlp
