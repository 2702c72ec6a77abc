// N ranks on N threads of one process, joined by an in-process Communicator: the tests of
// data-parallel training and of work dealt over ranks run without MPI.
#pragma once

#include <algorithm>
#include <barrier>
#include <exception>
#include <functional>
#include <span>
#include <thread>
#include <vector>

#include "mlp/train/distributed.hpp"

namespace mlp {

/// N ranks on N threads: every allreduce waits for all, combines in rank order (so the result
/// is the same whatever order the threads arrive in) and hands every rank the same vector.
class Group {
 public:
  explicit Group(int n) : n_(n), inputs_(static_cast<std::size_t>(n)), sync_(n) {}
  int size() const { return n_; }
  void allreduce(int rank, std::span<double> v, bool max) {
    inputs_[static_cast<std::size_t>(rank)].assign(v.begin(), v.end());
    sync_.arrive_and_wait();
    if (rank == 0) {
      result_ = inputs_[0];
      for (int r = 1; r < n_; ++r) {
        const auto& in = inputs_[static_cast<std::size_t>(r)];
        for (std::size_t i = 0; i < result_.size(); ++i) {
          result_[i] = max ? std::max(result_[i], in[i]) : result_[i] + in[i];
        }
      }
    }
    sync_.arrive_and_wait();
    std::copy(result_.begin(), result_.end(), v.begin());
    sync_.arrive_and_wait();  // nobody overwrites inputs_ before everyone has read result_
  }

 private:
  int n_;
  std::vector<std::vector<double>> inputs_;
  std::vector<double> result_;
  std::barrier<> sync_;
};

class ThreadComm final : public Communicator {
 public:
  ThreadComm(Group& g, int rank) : g_(g), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return g_.size(); }

 protected:
  void allreduce(std::span<double> v, bool max) override { g_.allreduce(rank_, v, max); }

 private:
  Group& g_;
  int rank_;
};

/// Runs f(comm) for ranks 0 .. ranks − 1, each on its own thread; returns what each rank threw
/// (null: nothing).
inline std::vector<std::exception_ptr> on_ranks(int ranks, const std::function<void(Communicator&)>& f) {
  Group g(ranks);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(ranks));
  {
    std::vector<std::jthread> threads;
    for (int r = 0; r < ranks; ++r) {
      threads.emplace_back([&, r] {
        ThreadComm comm(g, r);
        try {
          f(comm);
        } catch (...) {
          errors[static_cast<std::size_t>(r)] = std::current_exception();
        }
      });
    }
  }
  return errors;
}

}  // namespace mlp
