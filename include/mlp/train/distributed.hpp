// Data-parallel training (docs/distributed.md): N processes ("ranks") train one model. Every rank
// loads the data itself, shuffles it with the same seed, takes its shard of every mini-batch,
// computes the gradient of its shard and sums the ranks' gradients with one all-reduce per step,
// so that every rank applies the same update and holds the same weights.
//
// The transport is behind Communicator, so that this area (and the trainer) need no MPI:
// mlp::dist::world() (include/mlp/dist/mpi.hpp, built with MLP_MPI) is the Open MPI one; tests
// may plug in their own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mlp/core/error.hpp"
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

// ---- Independent work dealt over the ranks (`mlp cv`'s folds, `mlp search`'s trials) ----------
//
// Item k of a list of work items runs on rank k mod N alone; after each round the ranks agree on
// failures (agree_on_failure) and then exchange their results (gather_dealt), so that every rank
// holds every item's result, bit for bit what one process computes.

/// Whether item `k` of work dealt over the ranks is this rank's (k mod size = rank); every item
/// is when `comm` is null.
[[nodiscard]] bool owns(const Communicator* comm, std::size_t k);

/// Gives every rank every item's record: on entry records[k] holds this rank's result for each
/// item k it owns (owns()), the other entries are ignored; on return every entry holds its
/// owner's record. Two sums: the lengths, then the values, each rank adding −0.0 where it owns
/// nothing (x + (−0.0) = x for every x, −0.0 and infinities included, so the values arrive
/// exactly; a NaN stays a NaN).
void gather_dealt(Communicator& comm, std::vector<std::vector<double>>& records);

/// The error of a work item as agree_on_failure throws it on the ranks other than 0: its message,
/// its exit code and the rank that caught it. Rank 0 reports the error (it throws the original
/// or a RankError of its own), so a command line on another rank exits with the code quietly.
class RankError : public Error {
 public:
  RankError(const std::string& what, ExitCode code, int rank) : Error(what, code), rank_(rank) {}
  [[nodiscard]] int rank() const noexcept { return rank_; }  ///< the rank that caught it

 private:
  int rank_;
};

/// Collective, after each round of dealt work: `error` is the exception this rank caught for its
/// item `k` of the round (null: none). Returns on every rank when no rank caught one (one
/// `any`); otherwise every rank throws the error of the lowest failed item: rank 0 rethrows it
/// when it caught it itself; otherwise, and on every other rank (the one that caught it
/// included), a RankError with its message and exit code. Without a communicator: rethrows
/// `error` when set.
void agree_on_failure(Communicator* comm, std::size_t k, const std::exception_ptr& error);

}  // namespace mlp
