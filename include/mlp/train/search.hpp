// Hyper-parameter search (docs/cli.md, `mlp search`): a search space of named dimensions, each a
// `choice` list, a `uniform` or a `log_uniform` interval; trials drawn at random or enumerated on
// a grid; successive halving; a scorer (k-fold cross-validation for `mlp search`) run for each
// trial on a pool of threads. What a dimension's name means is the caller's (config::search_run
// maps them to configuration keys); here a point is one JSON value per dimension.
//
// Determinism: trial i's values are drawn by an Rng seeded with trial_seed(seed, i) alone, so
// they do not depend on the other trials, on the order trials finish, or on the thread count;
// the results are stored by trial index and ranked by (mean, index). With a scorer whose result
// depends only on its arguments, the whole SearchResult (timings apart) is the same for every
// thread count.
//
// Over the ranks of a Communicator (Options::comm; `mpirun -np N mlp search`, docs/distributed.md)
// the k-th trial of each rung (trial k of the first) is scored on rank k mod N alone, on that
// rank's threads; at the end of the rung the ranks agree on failures and exchange the scores,
// before the next rung is chosen: every rank holds the Result of one process (timings apart).
//
// Successive halving (method halving, η = `eta`, E = max_epochs, n = trials): with
// s = ⌊log_η n⌋, rung r = 0..s scores ⌊n/η^r⌋ trials (at least 1) with a budget of
// max(1, ⌊E/η^(s−r)⌋) epochs; after each rung but the last the best ⌊n_r/η⌋ (at least 1) go on.
// Each rung trains from scratch with its budget. n = 27, E = 81, η = 3: 27×3, 9×9, 3×27, 1×81.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mlp {
class Communicator;  // mlp/train/distributed.hpp
}  // namespace mlp

namespace mlp::search {

enum class Distribution { choice, uniform, log_uniform };

/// One searched dimension.
struct Dimension {
  std::string name;  ///< e.g. the dotted configuration key "train.learning_rate"
  Distribution distribution = Distribution::choice;
  std::vector<nlohmann::json> choices;  ///< choice: the values, non-empty
  double lo = 0.0, hi = 0.0;            ///< uniform: lo <= hi; log_uniform: 0 < lo <= hi
  bool integer = false;                 ///< uniform/log_uniform: values rounded to integers
  /// uniform/log_uniform on a grid: this many evenly spaced points (log-spaced for
  /// log_uniform) from lo to hi inclusive; 0 = none given (a grid search refuses it).
  std::size_t steps = 0;
};

/// The searched dimensions, in the order they were written.
struct Space {
  std::vector<Dimension> dimensions;
};

/// One value per dimension, in the order of Space::dimensions.
using Point = std::vector<nlohmann::json>;

enum class Method { random, grid, halving };
/// "random", "grid", "halving".
[[nodiscard]] const char* to_string(Method m);

/// The seed of trial `index` of a search seeded with `seed` (splitmix64 of both): the Rng that
/// draws the trial's values.
[[nodiscard]] std::uint64_t trial_seed(std::uint64_t seed, std::uint64_t index);

/// A value of `d` drawn from `rng`-style bits: choice uniformly over the list; uniform
/// lo + (hi − lo)·u; log_uniform exp(ln lo + (ln hi − ln lo)·u); rounded when integer.
[[nodiscard]] Point sample(const Space& space, std::uint64_t seed);

/// The grid values of one dimension: its choices, or `steps` points from lo to hi (one point,
/// lo, when steps = 1). Throws ConfigError naming the dimension when it is an interval without
/// steps.
[[nodiscard]] std::vector<nlohmann::json> grid_values(const Dimension& d);

/// The number of points of the cartesian product of every dimension's grid values; ConfigError
/// when it exceeds 10⁹.
[[nodiscard]] std::size_t grid_size(const Space& space);

/// Point `index` (< grid_size) of the grid, the last dimension varying fastest.
[[nodiscard]] Point grid_point(const Space& space, std::size_t index);

/// A rung of successive halving: how many trials it scores and with how many epochs.
struct Rung {
  std::size_t trials = 0;
  std::uint64_t epochs = 0;
  bool operator==(const Rung&) const = default;
};

/// The successive-halving schedule of the header comment. ConfigError unless trials >= 1,
/// max_epochs >= 1 and eta >= 2.
[[nodiscard]] std::vector<Rung> halving_schedule(std::size_t trials, std::uint64_t max_epochs, int eta);

/// The score of one trial: the mean and variance of its dev cost (over the folds, for
/// cross-validation). `error` set: the trial failed (e.g. training diverged) and is ranked last.
struct Score {
  double mean = 0.0;
  double variance = 0.0;
  std::optional<double> mean_accuracy;
  double epochs_run = 0.0;  ///< epochs actually run, mean over the folds (early stopping)
  std::string error;
};

/// Scores `point` (trial `index`) when trained for `epochs` epochs. Called concurrently from
/// several threads: it must not share mutable state between calls.
using Scorer = std::function<Score(const Point& point, std::size_t index, std::uint64_t epochs)>;

struct Options {
  Method method = Method::random;
  /// random, halving: the trials drawn (halving: of the first rung); grid: how many grid points
  /// to score, at most grid_size (0 = all of them; fewer: a seeded subset, in grid order).
  std::size_t trials = 0;
  int eta = 3;                   ///< halving
  std::uint64_t max_epochs = 1;  ///< the full budget (halving's last rung; every trial otherwise)
  std::uint64_t seed = 0;
  int threads = 1;               ///< trials scored at once (on each rank); 0 = every core
  /// The ranks the trials are dealt over (collective: every rank calls run() alike); null: this
  /// process scores every trial.
  Communicator* comm = nullptr;
};

struct Trial {
  std::size_t index = 0;  ///< from 0, in drawing (grid) order
  Point params;
  Score score;            ///< at the last rung the trial reached
  std::uint64_t epochs = 0;  ///< the epoch budget of that rung
  std::size_t rung = 0;      ///< halving: the last rung reached (0 otherwise)
  double seconds = 0.0;      ///< wall time of all its scorings
};

struct Result {
  std::vector<std::string> names;  ///< the dimensions' names
  Method method = Method::random;
  int eta = 3;
  std::uint64_t seed = 0;
  std::vector<Rung> rungs;         ///< halving; one rung of every trial otherwise
  std::vector<Trial> trials;       ///< by index
  std::optional<std::size_t> best; ///< index of the best trial; none when every trial failed
  double seconds = 0.0;
  int ranks = 1;                   ///< processes the trials were dealt over
  /// The trial indices from best to worst: trials of a later rung first, then by mean (failed
  /// trials last), ties by index.
  [[nodiscard]] std::vector<std::size_t> ranking() const;
};

/// Called (from the thread that scored it, one call at a time) after each scoring. Over several
/// ranks: on every rank, for its own trials as they are scored, then for the other ranks' trials
/// of the rung (by position) once the rung's scores are exchanged.
using TrialDone = std::function<void(const Trial& trial, const Result& partial)>;

/// Runs the search. Throws ConfigError for bad options (trials 0, trials > grid size, an
/// interval without steps on a grid, eta < 2) before any scoring; the exception the scorer
/// throws for the lowest trial of the rung that threw one (after the running trials end; over
/// several ranks on every rank, agree_on_failure). The best trial is the one ranked first among those
/// of the last rung without error.
Result run(const Space& space, const Options& options, const Scorer& scorer,
           const TrialDone& on_trial = {});

/// Calls f(0), ..., f(n − 1) on `threads` threads (0 = every core; never more than n); each
/// index once. Rethrows the first exception after every started call has returned.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& f);

/// The result as the JSON of `mlp search --json` and search.json:
/// {"method", "seed", "eta", "ranks", "rungs": [{"trials", "epochs"}], "best": {"trial", "params",
///  "mean", "variance", ...} | null, "trials": [{"trial", "params", "mean", "variance",
///  "epochs", "epochs_run", "rung", "seconds", "error"?}], "seconds"}. Trials are in ranking
/// order; `timings` false leaves the "seconds" fields out.
[[nodiscard]] nlohmann::json to_json(const Result& result, bool timings = true);

}  // namespace mlp::search
