// mlp cv CONFIG --folds K — k-fold cross-validation: each fold's dev cost, their mean and variance.
#include "common.hpp"
#include "mlp/config/commands.hpp"
#include "mlp/dist/mpi.hpp"

namespace mlp::cli {
namespace {

struct Args : ConfigArgs {
  int folds = 5;
  bool quiet = false;
};

void print_text(const Args& a, const CrossValidationResult& r) {
  print_out("{}-fold cross-validation of {} ({} examples)\n", r.folds.size(), a.config, r.examples);
  for (std::size_t k = 0; k < r.folds.size(); ++k) {
    print_out("  fold {:>2}: dev {}\n", k + 1, metrics_text(r.folds[k].dev));
  }
  print_out("  dev cost: mean {:.4f}, variance {:.4g} (std {:.4f}, over K−1){}\n", r.mean, r.variance, r.stddev(),
             r.mean_accuracy ? fmt::format("; mean accuracy {:.4f}", *r.mean_accuracy) : "");
}

void print_json_result(const CrossValidationResult& r) {
  nlohmann::json j;
  j["folds"] = nlohmann::json::array();
  for (std::size_t k = 0; k < r.folds.size(); ++k) {
    auto f = metrics_json(r.folds[k].dev);
    f["fold"] = k + 1;
    f["epochs"] = r.folds[k].epochs;
    f["train_examples"] = r.folds[k].train_examples;
    f["stopping_examples"] = r.folds[k].stopping_examples;
    f["dev_examples"] = r.folds[k].dev_examples;
    j["folds"].push_back(f);
  }
  j["mean"] = r.mean;
  j["variance"] = r.variance;
  j["std"] = r.stddev();
  if (r.mean_accuracy) j["mean_accuracy"] = *r.mean_accuracy;
  j["ranks"] = r.ranks;  // processes the folds were dealt over (docs/distributed.md)
  print_json(j);
}

int run(const Args& a) {
  // Started by mpirun/srun: the folds are dealt over the job's ranks, every rank gets every
  // fold's result, rank 0 alone prints (docs/distributed.md). Otherwise null: one process.
  Communicator* comm = dist::world();
  const bool printer = comm == nullptr || comm->rank() == 0;
  const FoldDone progress = [&](std::size_t k, std::size_t folds, const FoldResult& f) {
    if (a.quiet || !printer) return;
    const std::string stopping =
        f.stopping_examples ? fmt::format(" (+{} held back for early stopping)", f.stopping_examples) : "";
    fmt::print(stderr, "fold {}/{}: {} train{} / {} dev examples, {} epochs, dev {}\n", k + 1, folds,
               f.train_examples, stopping, f.dev_examples, f.epochs, metrics_text(f.dev));
  };
  CrossValidationResult r;
  try {
    r = config::cross_validate(a.config, a.sets, a.folds, progress, comm);
  } catch (const RankError& e) {
    if (printer) throw;
    return static_cast<int>(e.code());  // another rank's fold failed: rank 0 prints its error
  }
  if (!printer) return 0;
  if (a.json) {
    print_json_result(r);
  } else {
    print_text(a, r);
  }
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("cv", "K-fold cross-validation of a configuration");
  add_config_args(cmd, *a, "Print the result as one JSON object on stdout");
  add_number(cmd, "-k,--folds", a->folds, "Number of folds", config::parameter_range::folds)->capture_default_str();
  cmd->add_flag("-q,--quiet", a->quiet, "No per-fold progress on stderr");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

const Registrar registrar(60, setup);

}  // namespace
}  // namespace mlp::cli
