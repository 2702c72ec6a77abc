// Data-parallel training (docs/distributed.md): N processes ("ranks") train one model. Every rank
// loads the data itself, shuffles it with the same seed, takes its shard of every mini-batch,
// computes the gradient of its shard and sums the ranks' gradients with one all-reduce per step,
// so that every rank applies the same update and holds the same weights.
//
// The transport is behind Communicator, so that this area (and the trainer) need no MPI:
// mlp::dist::world() (include/mlp/dist/mpi.hpp, built with MLP_MPI) is the Open MPI one; tests
// may plug in their own.
#pragma once

#include <cstdint>
#include <span>
#include <utility>

#include "mlp/core/parameters.hpp"
#include "mlp/core/tensor.hpp"
#include "mlp/train/metrics.hpp"

namespace mlp {

/// A group of ranks that can sum and take the maximum of vectors of doubles. Collective calls:
/// every rank must make the same calls in the same order with vectors of the same length.
class Communicator {
 public:
  virtual ~Communicator() = default;
  [[nodiscard]] virtual int rank() const = 0;  ///< 0 .. size() − 1
  [[nodiscard]] virtual int size() const = 0;  ///< the number of ranks

  /// Element-wise sum over all ranks, in place; every rank receives the same result.
  void sum(std::span<double> values);
  /// Element-wise maximum over all ranks, in place.
  void max(std::span<double> values);
  /// True on every rank when `flag` is true on at least one.
  bool any(bool flag);
  /// Wall time spent in the collective calls above so far.
  [[nodiscard]] double seconds() const { return seconds_; }

 protected:
  /// The transport: sum (max = false) or maximum (max = true) over all ranks, in place.
  virtual void allreduce(std::span<double> values, bool max) = 0;

 private:
  double seconds_ = 0;
};

/// Rank `rank` of `ranks` takes rows [rank·b/ranks, (rank+1)·b/ranks) of a batch of b examples
/// (integer division): shards differ by at most one example; with b < ranks some are empty.
/// Returns {first row, rows}.
[[nodiscard]] std::pair<Index, Index> shard_range(Index b, int rank, int ranks);

/// The seed of rank `rank`'s dropout masks for one batch, from a value every rank draws from the
/// shared dropout generator: distinct ranks get independent streams.
[[nodiscard]] std::uint64_t shard_seed(std::uint64_t shared, int rank);

/// The trainer's side of one data-parallel step.
class GradientReducer {
 public:
  explicit GradientReducer(Communicator& comm) : comm_(comm) {}

  /// Before: dθ is the gradient of the mean loss over this rank's `local` examples (any value
  /// when local = 0), `loss` that mean loss, `batch` the running metrics of those examples.
  /// After, on every rank: dθ is the gradient of the mean loss over the `global` examples of the
  /// whole batch (the shards' gradients weighted by local/global and summed: one all-reduce of
  /// dθ, the loss and the metrics, in double), `epoch` has the whole batch's metrics added, and
  /// the mean loss over the batch is returned.
  double reduce(Parameters<float>& params, double loss, Index local, Index global,
                const MetricsSums& batch, MetricsSums& epoch);

  /// Throws NumericError when the ranks' weights differ (a checksum of θ compared across ranks):
  /// they would train different models from here on.
  void check_same_weights(const Parameters<float>& params, std::uint64_t epoch);

  [[nodiscard]] Communicator& comm() { return comm_; }

 private:
  Communicator& comm_;
  std::vector<double> buffer_;
};

}  // namespace mlp
