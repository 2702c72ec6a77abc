// mlp search CONFIG --trials N [--folds K] [--method random|grid|halving] — hyper-parameter
// search over the configuration's [search] table, each trial scored by k-fold cross-validation.
#include <cmath>

#include "common.hpp"
#include "mlp/config/commands.hpp"
#include "mlp/config/search.hpp"
#include "mlp/dist/mpi.hpp"

namespace mlp::cli {
namespace {

struct Args : ConfigArgs {
  std::string out;
  bool force = false;
  std::string method = "random";
  std::size_t trials = 0;
  int folds = 5;
  int eta = 3;
  int threads = 0;
  std::optional<std::uint64_t> seed;
  bool quiet = false;
};

std::string params_text(const search::Result& r, const search::Trial& t) {
  std::string out;
  for (std::size_t i = 0; i < r.names.size(); ++i) {
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", r.names[i], t.params[i].dump());
  }
  return out;
}

std::string score_text(const search::Trial& t) {
  if (!t.score.error.empty() || !std::isfinite(t.score.mean)) return "failed";
  return fmt::format("mean {:.4f}, variance {:.4g}", t.score.mean, t.score.variance);
}

void print_text(const config::SearchRunResult& r) {
  const auto& s = r.search;
  const auto& best = s.trials[*s.best];
  print_out("{} search, {} trials: best trial {} — {}\n  {}\n", search::to_string(s.method), s.trials.size(),
            best.index, score_text(best), params_text(s, best));
  print_out("best configuration: {}\ntrials: {}\nreport: {}\n", r.config.string(), r.json.string(),
            r.report.string());
}

int run(const Args& a) {
  // Started by mpirun/srun: the trials are dealt over the job's ranks, rank 0 alone prints and
  // writes the output directory (docs/distributed.md). Otherwise null: one process.
  Communicator* comm = dist::world();
  const bool printer = comm == nullptr || comm->rank() == 0;
  config::SearchRunOptions o;
  o.comm = comm;
  o.config = a.config;
  o.overrides = a.sets;
  o.out = a.out;
  o.force = a.force;
  o.method = a.method == "grid" ? search::Method::grid
             : a.method == "halving" ? search::Method::halving : search::Method::random;
  o.trials = a.trials;
  o.folds = a.folds;
  o.eta = a.eta;
  o.threads = a.threads;
  o.seed = a.seed;
  o.on_trial = [&](const search::Trial& t, const search::Result& partial) {
    if (a.quiet || !printer) return;
    fmt::print(stderr, "trial {:>3} ({} epochs{}): {} — {}\n", t.index, t.epochs,
               partial.method == search::Method::halving ? fmt::format(", rung {}", t.rung) : "",
               score_text(t), params_text(partial, t));
  };
  config::SearchRunResult r;
  try {
    r = config::search_run(o);
  } catch (const RankError& e) {
    if (printer) throw;
    return static_cast<int>(e.code());  // another rank's error: rank 0 prints it
  }
  if (!printer) return 0;
  if (a.json) {
    write_stdout(r.json_text);
  } else {
    print_text(r);
  }
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("search", "Hyper-parameter search over the [search] table, by k-fold cross-validation");
  add_config_args(cmd, *a, "Print search.json on stdout");
  add_number(cmd, "-n,--trials", a->trials,
             "Trials (random, halving: required; grid: default every grid point)", Interval{1, false, 1e6, false});
  cmd->add_option("-m,--method", a->method, "random, grid or halving (successive halving)")
      ->check(CLI::IsMember({"random", "grid", "halving"}))->capture_default_str();
  add_number(cmd, "-k,--folds", a->folds, "Folds of each trial's cross-validation", config::parameter_range::folds)
      ->capture_default_str();
  add_number(cmd, "--eta", a->eta, "halving: keep the best 1/eta of each rung, multiply the epochs by eta",
             Interval{2, false, 100, false})->capture_default_str();
  add_number(cmd, "-j,--threads", a->threads, "Trials trained at once, each on one thread (0 = every core)",
             Interval{0, false, 4096, false})->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the values drawn (default: train.seed)");
  cmd->add_option("-o,--out", a->out, "Output directory (default: runs/<config name>-search)")->type_name("DIR");
  cmd->add_flag("--force", a->force, "Replace a previous search's files in DIR");
  cmd->add_flag("-q,--quiet", a->quiet, "No per-trial progress on stderr");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

const Registrar registrar(65, setup);

}  // namespace
}  // namespace mlp::cli
