// mlp lr-find CONFIG [--min-lr A] [--max-lr B] [--steps N] [--rule R] [--html PAGE]
//                    [--apply NEW.toml [--force]] [--set KEY=VALUE]... [--json]
// — the learning-rate range test: loss against an exponentially growing rate, and a suggestion.
#include "common.hpp"
#include "mlp/config/lr_find.hpp"
#include "mlp/report/lr_find.hpp"

namespace mlp::cli {
namespace {

struct Args : ConfigArgs {
  LrFinderOptions finder;
  std::string rule = "valley";
  std::string html;
  std::string apply;
  bool force = false;
};

int run(const Args& a) {
  LrFinderOptions o = a.finder;
  o.rule = parse_lr_suggestion_rule(a.rule);
  const config::LrFindReport r = config::lr_find(a.config, a.sets, o);
  const LrFinderResult& f = r.result;
  if (!a.html.empty()) report::write_lr_find_html(a.html, f, fmt::format("mlp lr-find — {}", a.config));
  if (!a.apply.empty()) config::apply_learning_rate(a.config, a.apply, f.suggestion.learning_rate, a.force);
  if (a.json) {
    nlohmann::json j;
    j["suggested_learning_rate"] = f.suggestion.learning_rate;
    j["rule"] = std::string(to_string(f.suggestion.rule));
    j["method"] = f.method;
    j["diverged"] = f.diverged;
    j["optimizer"] = r.optimizer;
    j["configured_learning_rate"] = r.configured_learning_rate;
    j["train_examples"] = r.train_examples;
    j["points"] = nlohmann::json::array();
    for (const LrPoint& p : f.points) {
      j["points"].push_back({{"learning_rate", p.learning_rate}, {"loss", p.loss}, {"batch_loss", p.raw_loss}});
    }
    j["html"] = a.html.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.html);
    j["applied"] = a.apply.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.apply);
    print_json(j);
    return 0;
  }
  print_out("learning-rate range test of {} ({} optimizer, {} training examples, {} steps{})\n", a.config,
            r.optimizer, r.train_examples, f.points.size(), f.diverged ? ", stopped at divergence" : "");
  print_out("suggested learning rate: {:.3g} ({} rule; the configuration has {:g})\n", f.suggestion.learning_rate,
            to_string(f.suggestion.rule), r.configured_learning_rate);
  if (!a.html.empty()) print_out("plot: {}\n", a.html);
  if (!a.apply.empty()) print_out("written: {} (train.learning_rate = {:.3g})\n", a.apply, f.suggestion.learning_rate);
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("lr-find", "Learning-rate range test: loss against a growing learning rate, and a suggestion");
  add_config_args(cmd, *a, "Print the suggestion and the curve as one JSON object on stdout");
  add_number(cmd, "--min-lr", a->finder.min_lr, "Learning rate of the first step", kPositiveReal)->capture_default_str();
  add_number(cmd, "--max-lr", a->finder.max_lr, "Learning rate of the last step (> --min-lr)", kPositiveReal)
      ->capture_default_str();
  add_number(cmd, "--steps", a->finder.steps, "Mini-batches of the test", Interval{2, false, 1e6, false})
      ->capture_default_str();
  add_number(cmd, "--smoothing", a->finder.smoothing, "beta of the loss's moving average", kUnitOpenRight)
      ->capture_default_str();
  add_number(cmd, "--divergence", a->finder.divergence, "Stop once the smoothed loss exceeds this times the best",
             Interval{1, true})
      ->capture_default_str();
  cmd->add_option("--rule", a->rule, "Suggestion rule: valley | minimum/10 | steepest")
      ->check(CLI::IsMember({"valley", "minimum/10", "steepest"}))
      ->capture_default_str();
  cmd->add_option("--html,--out", a->html, "Write the plot (an HTML page with an SVG chart) to this file")
      ->type_name("PAGE");
  cmd->add_option("--apply", a->apply, "Write a copy of CONFIG with the suggested train.learning_rate to this new file")
      ->type_name("NEW.toml");
  cmd->add_flag("--force", a->force, "With --apply: replace the file if it exists");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

const Registrar registrar(65, setup);

}  // namespace
}  // namespace mlp::cli
