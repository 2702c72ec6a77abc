#include "mlp/train/distributed.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "mlp/core/error.hpp"

namespace mlp {

namespace {

// The reduced buffer carries the batch's running metrics after dθ, field by field: a field added
// to MetricsSums must be added here too (the assertion says so at compile time).
static_assert(sizeof(MetricsSums) == 5 * sizeof(double),
              "MetricsSums changed: update to_doubles/add_doubles in src/train/distributed.cpp");
constexpr std::size_t kSumsFields = 5;

void to_doubles(const MetricsSums& s, double* out) {
  out[0] = s.examples;
  out[1] = s.loss;
  out[2] = s.correct;
  out[3] = s.squared;
  out[4] = s.absolute;
}

void add_doubles(const double* in, MetricsSums& s) {
  s.examples += in[0];
  s.loss += in[1];
  s.correct += in[2];
  s.squared += in[3];
  s.absolute += in[4];
}

}  // namespace

void Communicator::sum(std::span<double> values) {
  const auto t0 = std::chrono::steady_clock::now();
  allreduce(values, false);
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void Communicator::max(std::span<double> values) {
  const auto t0 = std::chrono::steady_clock::now();
  allreduce(values, true);
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool Communicator::any(bool flag) {
  double v = flag ? 1.0 : 0.0;
  max(std::span<double>(&v, 1));
  return v > 0;
}

std::pair<Index, Index> shard_range(Index b, int rank, int ranks) {
  const Index first = b * rank / ranks;
  const Index end = b * (rank + 1) / ranks;
  return {first, end - first};
}

std::uint64_t shard_seed(std::uint64_t shared, int rank) {
  // splitmix64's increment spreads the ranks apart; Rng's seeding mixes the value further.
  return shared + 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(rank + 1);
}

double GradientReducer::reduce(Parameters<float>& params, double loss, Index local, Index global,
                               const MetricsSums& batch, MetricsSums& epoch) {
  Vector<float>& g = params.dtheta();
  const auto n = static_cast<std::size_t>(g.size());
  buffer_.resize(n + 1 + kSumsFields);
  // This rank's share of the batch mean: (1/local)·Σ_shard → (1/global)·Σ_shard, in double so
  // that the only float rounding is the final one.
  const double w = global > 0 ? static_cast<double>(local) / static_cast<double>(global) : 0.0;
  if (local > 0) {
    for (std::size_t i = 0; i < n; ++i) buffer_[i] = static_cast<double>(g[static_cast<Index>(i)]) * w;
    buffer_[n] = loss * w;
  } else {
    std::fill(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(n + 1), 0.0);
  }
  to_doubles(batch, buffer_.data() + n + 1);
  comm_.sum(buffer_);
  for (std::size_t i = 0; i < n; ++i) g[static_cast<Index>(i)] = static_cast<float>(buffer_[i]);
  add_doubles(buffer_.data() + n + 1, epoch);
  return buffer_[n];
}

void GradientReducer::check_same_weights(const Parameters<float>& params, std::uint64_t epoch) {
  // FNV-1a over θ's bytes, 52 bits of it as an exact double; equal everywhere iff max = −max(−h).
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto* bytes = reinterpret_cast<const unsigned char*>(params.theta().data());
  const std::size_t len = params.size() * sizeof(float);
  for (std::size_t i = 0; i < len; ++i) h = (h ^ bytes[i]) * 0x100000001b3ULL;
  const double mine = static_cast<double>(h >> 12);
  double v[2] = {mine, -mine};
  comm_.max(v);
  if (v[0] != mine || -v[1] != mine) {
    throw NumericError(fmt::format(
        "data-parallel training: the {} ranks hold different weights after epoch {} (the "
        "all-reduce did not give every rank the same sums); the run cannot continue — run it "
        "on one rank, or report this with the MPI library and its settings",
        comm_.size(), epoch));
  }
}

bool owns(const Communicator* comm, std::size_t k) {
  return comm == nullptr || k % static_cast<std::size_t>(comm->size()) == static_cast<std::size_t>(comm->rank());
}

void gather_dealt(Communicator& comm, std::vector<std::vector<double>>& records) {
  const std::size_t n = records.size();
  std::vector<double> lengths(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    if (owns(&comm, k)) lengths[k] = static_cast<double>(records[k].size());
  }
  comm.sum(lengths);
  std::vector<std::size_t> offset(n + 1, 0);
  for (std::size_t k = 0; k < n; ++k) offset[k + 1] = offset[k] + static_cast<std::size_t>(lengths[k]);
  std::vector<double> values(offset[n], -0.0);
  for (std::size_t k = 0; k < n; ++k) {
    if (owns(&comm, k)) std::copy(records[k].begin(), records[k].end(), values.begin() + static_cast<std::ptrdiff_t>(offset[k]));
  }
  comm.sum(values);
  for (std::size_t k = 0; k < n; ++k) {
    records[k].assign(values.begin() + static_cast<std::ptrdiff_t>(offset[k]),
                      values.begin() + static_cast<std::ptrdiff_t>(offset[k + 1]));
  }
}

void agree_on_failure(Communicator* comm, std::size_t k, const std::exception_ptr& error) {
  if (comm == nullptr) {
    if (error) std::rethrow_exception(error);
    return;
  }
  if (!comm->any(error != nullptr)) return;
  // Every rank learns each rank's failed item, exit code and message length ...
  std::string message;
  ExitCode code = ExitCode::runtime;
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const Error& e) {
      message = e.what();
      code = e.code();
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
      message = "unknown error";
    }
  }
  const auto ranks = static_cast<std::size_t>(comm->size());
  const auto me = static_cast<std::size_t>(comm->rank());
  std::vector<double> head(3 * ranks, 0.0);
  if (error) {
    head[3 * me] = static_cast<double>(k) + 1.0;  // 0: no failure
    head[3 * me + 1] = static_cast<double>(static_cast<int>(code));
    head[3 * me + 2] = static_cast<double>(message.size());
  }
  comm->sum(head);
  std::size_t owner = ranks;
  for (std::size_t r = 0; r < ranks; ++r) {
    if (head[3 * r] > 0 && (owner == ranks || head[3 * r] < head[3 * owner])) owner = r;
  }
  // ... then the message of the lowest failed item, one byte per value.
  std::vector<double> text(static_cast<std::size_t>(head[3 * owner + 2]), 0.0);
  if (owner == me) {
    for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<unsigned char>(message[i]);
  }
  comm->sum(text);
  if (owner == me && me == 0) std::rethrow_exception(error);
  std::string received(text.size(), ' ');
  for (std::size_t i = 0; i < text.size(); ++i) received[i] = static_cast<char>(static_cast<unsigned char>(text[i]));
  throw RankError(received, static_cast<ExitCode>(static_cast<int>(head[3 * owner + 1])), static_cast<int>(owner));
}

}  // namespace mlp
