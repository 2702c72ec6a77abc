// Hyper-parameter search: sampling, grids, successive halving, the trial pool (search.hpp).
#include "mlp/train/search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <thread>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/core/tensor.hpp"
#include "mlp/train/distributed.hpp"

namespace mlp::search {
namespace {

constexpr std::size_t kMaxGrid = 1'000'000'000;

std::uint64_t splitmix(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// A number of an interval dimension as JSON: an integer (rounded) or a double.
nlohmann::json number(const Dimension& d, double x) {
  x = std::clamp(x, d.lo, d.hi);  // exp/log may round just outside
  if (d.integer) return static_cast<std::int64_t>(std::llround(x));
  return x;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool failed(const Trial& t) { return !t.score.error.empty() || !std::isfinite(t.score.mean); }

/// A score and the seconds it took as doubles, for the exchange between ranks: mean, variance,
/// (has accuracy, accuracy), epochs_run, seconds, then the error's bytes.
std::vector<double> to_record(const Score& s, double seconds) {
  std::vector<double> v{s.mean, s.variance, s.mean_accuracy ? 1.0 : 0.0, s.mean_accuracy.value_or(0.0),
                        s.epochs_run, seconds};
  for (const char c : s.error) v.push_back(static_cast<unsigned char>(c));
  return v;
}

Score from_record(const std::vector<double>& v, double& seconds) {
  Score s;
  s.mean = v.at(0);
  s.variance = v.at(1);
  if (v.at(2) != 0.0) s.mean_accuracy = v.at(3);
  s.epochs_run = v.at(4);
  seconds = v.at(5);
  for (std::size_t i = 6; i < v.size(); ++i) s.error.push_back(static_cast<char>(static_cast<unsigned char>(v[i])));
  return s;
}

/// After a rung over several ranks: every rank receives the scores of the others' trials (the
/// k-th of `alive` scored on rank k mod N) and reports them, in order.
void gather_rung(Communicator& comm, Result& r, const std::vector<std::size_t>& alive,
                 std::uint64_t epochs, std::size_t rung, const std::vector<double>& seconds,
                 const TrialDone& on_trial) {
  std::vector<std::vector<double>> records(alive.size());
  for (std::size_t k = 0; k < alive.size(); ++k) {
    if (owns(&comm, k)) records[k] = to_record(r.trials[alive[k]].score, seconds[k]);
  }
  gather_dealt(comm, records);
  for (std::size_t k = 0; k < alive.size(); ++k) {
    if (owns(&comm, k)) continue;
    Trial& t = r.trials[alive[k]];
    double s = 0.0;
    t.score = from_record(records[k], s);
    t.epochs = epochs;
    t.rung = rung;
    t.seconds += s;
    if (on_trial) on_trial(t, r);
  }
}

}  // namespace

const char* to_string(Method m) {
  switch (m) {
    case Method::random: return "random";
    case Method::grid: return "grid";
    case Method::halving: return "halving";
  }
  return "?";
}

std::uint64_t trial_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t x = seed;
  const std::uint64_t a = splitmix(x);
  x = a ^ index;
  return splitmix(x);
}

Point sample(const Space& space, std::uint64_t seed) {
  Rng rng(seed);
  Point p;
  p.reserve(space.dimensions.size());
  for (const Dimension& d : space.dimensions) {
    switch (d.distribution) {
      case Distribution::choice:
        p.push_back(d.choices.at(static_cast<std::size_t>(rng.below(d.choices.size()))));
        break;
      case Distribution::uniform:
        p.push_back(number(d, d.lo + (d.hi - d.lo) * rng.uniform()));
        break;
      case Distribution::log_uniform: {
        const double a = std::log(d.lo), b = std::log(d.hi);
        p.push_back(number(d, std::exp(a + (b - a) * rng.uniform())));
        break;
      }
    }
  }
  return p;
}

std::vector<nlohmann::json> grid_values(const Dimension& d) {
  if (d.distribution == Distribution::choice) return d.choices;
  if (d.steps == 0) {
    throw ConfigError(fmt::format(
        "search.{}: a grid search needs `steps` with {} (e.g. {{{} = [{}, {}], steps = 4}}), or "
        "write it as a choice list",
        d.name, d.distribution == Distribution::uniform ? "uniform" : "log_uniform",
        d.distribution == Distribution::uniform ? "uniform" : "log_uniform", d.lo, d.hi));
  }
  std::vector<nlohmann::json> v;
  const bool log = d.distribution == Distribution::log_uniform;
  const double a = log ? std::log(d.lo) : d.lo, b = log ? std::log(d.hi) : d.hi;
  for (std::size_t i = 0; i < d.steps; ++i) {
    const double t = d.steps == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(d.steps - 1);
    // The ends exactly: lo and hi as written, not exp(log(hi)).
    const double x = i == 0 ? d.lo : i + 1 == d.steps ? d.hi : log ? std::exp(a + (b - a) * t) : a + (b - a) * t;
    v.push_back(number(d, x));
  }
  return v;
}

std::size_t grid_size(const Space& space) {
  std::size_t n = 1;
  for (const Dimension& d : space.dimensions) {
    const std::size_t k = grid_values(d).size();
    if (k != 0 && n > kMaxGrid / k) {
      throw ConfigError(fmt::format("search: the grid has more than {} points; use fewer values "
                                    "or --method random", kMaxGrid));
    }
    n *= k;
  }
  return n;
}

Point grid_point(const Space& space, std::size_t index) {
  Point p(space.dimensions.size());
  for (std::size_t i = space.dimensions.size(); i-- > 0;) {
    const auto values = grid_values(space.dimensions[i]);
    p[i] = values.at(index % values.size());
    index /= values.size();
  }
  return p;
}

std::vector<Rung> halving_schedule(std::size_t trials, std::uint64_t max_epochs, int eta) {
  if (trials < 1) throw ConfigError("search: successive halving needs at least 1 trial");
  if (max_epochs < 1) throw ConfigError("search: successive halving needs train.epochs >= 1");
  if (eta < 2) throw ConfigError(fmt::format("search: --eta must be >= 2 (got {})", eta));
  const auto e = static_cast<std::size_t>(eta);
  std::size_t s = 0;
  for (std::size_t p = e; p <= trials; p *= e) {
    ++s;
    if (p > std::numeric_limits<std::size_t>::max() / e) break;
  }
  std::vector<Rung> rungs;
  std::size_t n = trials;
  for (std::size_t r = 0; r <= s; ++r) {
    std::uint64_t div = 1;
    for (std::size_t k = r; k < s; ++k) div *= e;
    rungs.push_back({std::max<std::size_t>(1, n), std::max<std::uint64_t>(1, max_epochs / div)});
    n /= e;
  }
  return rungs;
}

std::vector<std::size_t> Result::ranking() const {
  std::vector<std::size_t> order(trials.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
    const Trial& a = trials[i];
    const Trial& b = trials[j];
    if (a.rung != b.rung) return a.rung > b.rung;
    if (failed(a) != failed(b)) return failed(b);
    if (!failed(a) && a.score.mean != b.score.mean) return a.score.mean < b.score.mean;
    return a.index < b.index;
  });
  return order;
}

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& f) {
  if (n == 0) return;
  if (threads < 0) throw ConfigError(fmt::format("search: threads must be >= 0 (got {})", threads));
  const std::size_t t = std::min<std::size_t>(n, threads == 0 ? available_cores() : threads);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr error;
  std::mutex m;
  const auto work = [&] {
    for (std::size_t i; !stop.load() && (i = next.fetch_add(1)) < n;) {
      try {
        f(i);
      } catch (...) {
        std::lock_guard lock(m);
        if (!error) error = std::current_exception();
        stop = true;
      }
    }
  };
  if (t <= 1) {
    work();
  } else {
    std::vector<std::jthread> pool;
    pool.reserve(t);
    for (std::size_t k = 0; k < t; ++k) pool.emplace_back(work);
  }
  if (error) std::rethrow_exception(error);
}

Result run(const Space& space, const Options& o, const Scorer& scorer, const TrialDone& on_trial) {
  const auto t0 = std::chrono::steady_clock::now();
  Result r;
  for (const Dimension& d : space.dimensions) r.names.push_back(d.name);
  r.method = o.method;
  r.eta = o.eta;
  r.seed = o.seed;
  if (o.max_epochs < 1) throw ConfigError("search: the epoch budget must be >= 1");
  if (o.threads < 0) throw ConfigError(fmt::format("search: threads must be >= 0 (got {})", o.threads));

  // The trials' values, each a function of (seed, index) or of the grid index alone.
  std::vector<Point> points;
  if (o.method == Method::grid) {
    const std::size_t size = grid_size(space);
    if (o.trials > size) {
      throw ConfigError(fmt::format("search: --trials {} is more than the {} points of the grid "
                                    "(the product of the choice lists and steps); use --trials {} "
                                    "or fewer, or --method random", o.trials, size, size));
    }
    std::vector<std::size_t> chosen(size);
    std::iota(chosen.begin(), chosen.end(), std::size_t{0});
    if (o.trials != 0 && o.trials < size) {
      Rng rng(trial_seed(o.seed, std::numeric_limits<std::uint64_t>::max()));
      for (std::size_t i = 0; i < o.trials; ++i) {
        std::swap(chosen[i], chosen[i + static_cast<std::size_t>(rng.below(size - i))]);
      }
      chosen.resize(o.trials);
      std::sort(chosen.begin(), chosen.end());
    }
    for (std::size_t g : chosen) points.push_back(grid_point(space, g));
  } else {
    if (o.trials < 1) throw ConfigError("search: --trials must be >= 1");
    for (std::size_t i = 0; i < o.trials; ++i) points.push_back(sample(space, trial_seed(o.seed, i)));
  }
  r.rungs = o.method == Method::halving ? halving_schedule(points.size(), o.max_epochs, o.eta)
                                        : std::vector<Rung>{{points.size(), o.max_epochs}};
  r.trials.resize(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    r.trials[i].index = i;
    r.trials[i].params = points[i];
  }

  std::vector<std::size_t> alive(points.size());
  std::iota(alive.begin(), alive.end(), std::size_t{0});
  std::mutex report;
  r.ranks = o.comm ? o.comm->size() : 1;
  for (std::size_t rung = 0; rung < r.rungs.size(); ++rung) {
    const std::uint64_t epochs = r.rungs[rung].epochs;
    // This rank's share of the rung: the k-th trial on rank k mod N (every trial on one process).
    std::vector<std::size_t> mine;
    for (std::size_t k = 0; k < alive.size(); ++k) {
      if (owns(o.comm, k)) mine.push_back(k);
    }
    std::vector<double> seconds(alive.size(), 0.0);
    std::size_t failed_k = alive.size();
    std::exception_ptr error;
    try {
      parallel_for(mine.size(), o.threads, [&](std::size_t m) {
        const std::size_t k = mine[m];
        const auto start = std::chrono::steady_clock::now();
        Trial& t = r.trials[alive[k]];
        Score s;
        try {
          s = scorer(t.params, t.index, epochs);
        } catch (...) {
          std::lock_guard lock(report);
          failed_k = std::min(failed_k, k);
          throw;
        }
        std::lock_guard lock(report);
        t.score = std::move(s);
        t.epochs = epochs;
        t.rung = rung;
        seconds[k] = seconds_since(start);
        t.seconds += seconds[k];
        if (on_trial) on_trial(t, r);
      });
    } catch (...) {
      error = std::current_exception();
    }
    agree_on_failure(o.comm, failed_k, error);  // failed_k = alive.size(): not a scorer's
    if (o.comm) gather_rung(*o.comm, r, alive, epochs, rung, seconds, on_trial);
    if (rung + 1 == r.rungs.size()) break;
    // The best ⌊n/η⌋ (at least 1) of this rung go on; the ranking puts this rung's trials
    // first (the others stopped at earlier rungs).
    const std::size_t keep = r.rungs[rung + 1].trials;
    std::vector<std::size_t> order = r.ranking();
    order.resize(std::min(keep, alive.size()));
    std::sort(order.begin(), order.end());
    alive = order;
  }
  const std::vector<std::size_t> order = r.ranking();
  if (!order.empty() && !failed(r.trials[order.front()]) &&
      r.trials[order.front()].rung + 1 == r.rungs.size()) {
    r.best = order.front();
  }
  r.seconds = seconds_since(t0);
  return r;
}

nlohmann::json to_json(const Result& r, bool timings) {
  const auto trial_json = [&](const Trial& t) {
    nlohmann::json j;
    j["trial"] = t.index;
    nlohmann::json params = nlohmann::json::object();
    for (std::size_t i = 0; i < r.names.size(); ++i) params[r.names[i]] = t.params[i];
    j["params"] = params;
    const bool ok = !failed(t);
    j["mean"] = ok ? nlohmann::json(t.score.mean) : nlohmann::json();
    j["variance"] = ok ? nlohmann::json(t.score.variance) : nlohmann::json();
    j["std"] = ok ? nlohmann::json(std::sqrt(t.score.variance)) : nlohmann::json();
    if (ok && t.score.mean_accuracy) j["mean_accuracy"] = *t.score.mean_accuracy;
    j["epochs"] = t.epochs;
    j["epochs_run"] = t.score.epochs_run;
    j["rung"] = t.rung;
    if (!t.score.error.empty()) j["error"] = t.score.error;
    if (timings) j["seconds"] = t.seconds;
    return j;
  };
  nlohmann::json j;
  j["method"] = to_string(r.method);
  j["seed"] = r.seed;
  if (r.method == Method::halving) j["eta"] = r.eta;
  j["ranks"] = r.ranks;  // processes the trials were dealt over (docs/distributed.md)
  j["rungs"] = nlohmann::json::array();
  for (const Rung& g : r.rungs) j["rungs"].push_back({{"trials", g.trials}, {"epochs", g.epochs}});
  j["best"] = r.best ? trial_json(r.trials[*r.best]) : nlohmann::json();
  j["trials"] = nlohmann::json::array();
  for (std::size_t i : r.ranking()) j["trials"].push_back(trial_json(r.trials[i]));
  if (timings) j["seconds"] = r.seconds;
  return j;
}

}  // namespace mlp::search
