// `mlp eval MODEL DATA [LABELS] [--labels LABELS] [--json]` — the cost and metrics of a trained model on
// labelled data (docs/cli.md): accuracy and a confusion matrix for classifiers, RMSE, MAE and R²
// in the original units for regression.
//
// DATA is a CSV file with the model's feature columns (by name, any order, other columns
// ignored) and its target column(s), or IDX images with their labels file (the third argument
// or --labels). The data goes through the
// same preprocessing as the training data (the model's standardization statistics).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common.hpp"
#include "mlp/data/load.hpp"
#include "mlp/core/error.hpp"
#include "mlp/io/model.hpp"
#include "mlp/train/scores_json.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp::cli {
namespace {

struct EvalArgs {
  std::string model;
  std::string data;
  std::string labels;
  bool json = false;
};

/// How to read DATA for `model`: IDX images with --labels (or when DATA looks like IDX), the
/// model's class numbering; otherwise a CSV with the model's feature and target columns.
data::LoadOptions load_options(const EvalArgs& args, const Model& model) {
  const Preprocessing& pre = model.preprocessing();
  data::LoadOptions o;
  o.labels = args.labels;
  o.idx.class_names = pre.class_names;
  // The model's numeric feature columns and categorical columns, by name.
  data::CsvSchema schema = pre.csv_schema();
  schema.target_names = pre.target_names;
  o.schema = schema;
  // A model trained with data.missing = "mean" fills in missing features with its training means.
  o.csv = pre.csv_options();
  return o;
}

/// The labelled data set, raw (not yet standardized), with the model's class numbering.
data::Dataset load_eval_data(const EvalArgs& args, const Model& model) {
  const data::LoadOptions options = load_options(args, model);
  const bool idx = data::resolve_format(args.data, options) == data::Format::idx;
  if (idx && args.labels.empty()) {
    const std::filesystem::path beside = data::idx_labels_beside(args.data);
    throw ConfigError(fmt::format(
        "{}: IDX images need their labels: mlp eval MODEL IMAGES LABELS{}", args.data,
        beside.empty() ? std::string()
                       : fmt::format(" (here probably: mlp eval {} {} {})", args.model, args.data,
                                     beside.string())));
  }
  if (idx && model.preprocessing().task != data::Task::classification) {
    throw ConfigError(fmt::format(
        "{}: IDX data is for classifiers, but {} is a regression model", args.data, args.model));
  }
  data::Dataset ds = data::load(args.data, options);
  if (idx && ds.n_features() != model.network().inputs()) {
    throw DataError(fmt::format("{}: the images have {} pixels, but {} expects {} inputs",
                                args.data, ds.n_features(), args.model, model.network().inputs()));
  }
  if (!idx && !ds.has_targets()) {
    throw DataError(fmt::format(
        "{}: no target column ({}): mlp eval compares predictions with the true values; use "
        "mlp predict for data without targets",
        ds.source, fmt::join(model.preprocessing().target_names, ", ")));
  }
  return ds;
}

/// The confusion matrix as aligned text: rows = true class, columns = predicted class.
std::string confusion_text(const Metrics& m, const std::vector<std::string>& classes) {
  const std::size_t k = m.confusion.size();
  auto name = [&](std::size_t c) { return c < classes.size() ? classes[c] : std::to_string(c); };
  const std::string corner = "true \\ predicted";
  std::size_t first = corner.size();
  for (std::size_t c = 0; c < k; ++c) first = std::max(first, name(c).size());
  std::vector<std::size_t> width(k);
  for (std::size_t c = 0; c < k; ++c) {
    width[c] = name(c).size();
    for (std::size_t r = 0; r < k; ++r) {
      width[c] = std::max(width[c], std::to_string(m.confusion[r][c]).size());
    }
  }
  std::string out = "confusion matrix (rows: true class, columns: predicted class)\n";
  out += fmt::format("{:<{}}", corner, first);
  for (std::size_t c = 0; c < k; ++c) out += fmt::format("  {:>{}}", name(c), width[c]);
  out += '\n';
  for (std::size_t r = 0; r < k; ++r) {
    out += fmt::format("{:<{}}", name(r), first);
    for (std::size_t c = 0; c < k; ++c) out += fmt::format("  {:>{}}", m.confusion[r][c], width[c]);
    out += '\n';
  }
  return out;
}

int run_eval(const EvalArgs& args) {
  Model model = Model::load(args.model);
  const Preprocessing& pre = model.preprocessing();
  data::Dataset ds = load_eval_data(args, model);
  // Categorical columns one-hot encoded with the training categories; unseen ones are zeros,
  // with one warning per column (or an error, with data.unknown_category = "error").
  for (const auto& unseen : pre.encode(ds)) fmt::print(stderr, "warning: {}\n", unseen.message());

  // The same preprocessing as the training data: x' = (x − μ)/σ with the training statistics;
  // regression targets too when the model was trained on standardized targets, so that the
  // cost is the training cost and evaluate() turns RMSE/MAE/R² back into original units.
  pre.apply(ds.X);
  const data::Standardizer* target_scaler = nullptr;
  if (pre.task == data::Task::regression && pre.targets) {
    pre.targets->transform(ds.Y);
    target_scaler = &*pre.targets;
  }
  const Metrics m = evaluate(model.network(), ds, target_scaler);
  const Scores scores = evaluate_scores(model.network(), ds, target_scaler);

  const bool classify = pre.task == data::Task::classification;
  const std::vector<std::string>& names = classify ? pre.class_names : pre.target_names;
  if (args.json) {
    nlohmann::json j = metrics_json(m);
    j["examples"] = ds.size();
    if (classify) {
      j["classes"] = pre.class_names;
      j["confusion"] = m.confusion;
    }
    j["scores"] = scores_json(scores, names);
    print_json(j);
    return 0;
  }
  std::string out;
  out += fmt::format("model: {} ({})\n", args.model,
                     classify ? fmt::format("classification, {} classes", pre.class_names.size())
                              : fmt::format("regression, {} target{}", pre.target_names.size(),
                                            pre.target_names.size() == 1 ? "" : "s"));
  out += fmt::format("data: {} ({} examples)\n", ds.source, ds.size());
  out += metrics_text(m) + "\n";
  out += scores_text(scores, names);
  if (classify) out += confusion_text(m, pre.class_names);
  write_stdout(out);
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* sub = app.add_subcommand(
      "eval", "Evaluate a trained model on labelled data: cost and accuracy with a confusion "
              "matrix (classifiers) or RMSE, MAE and R² (regression)");
  sub->add_option("MODEL", args->model, "model file written by mlp train")->required();
  sub->add_option("DATA", args->data,
                  "CSV file with the model's feature and target columns ('-' = stdin), or IDX "
                  "images (with --labels)")
      ->required();
  // The labels of IDX images: positional (mlp eval m.mlp images labels) or --labels, not both.
  auto* labels_arg = sub->add_option("LABELS", args->labels, "IDX labels file for IDX images in DATA");
  sub->add_option("--labels", args->labels, "IDX labels file for IDX images in DATA (the same as LABELS)")
      ->excludes(labels_arg);
  sub->add_flag("--json", args->json,
                "print one JSON object: {\"loss\", \"accuracy\", \"classes\", \"confusion\", "
                "\"examples\", \"scores\"} or {\"loss\", \"rmse\", \"mae\", \"r2\", \"examples\", "
                "\"scores\"} (docs/cli.md)");
  sub->callback([args, &action] { action = [args] { return run_eval(*args); }; });
}

const Registrar registrar{20, setup};

}  // namespace
}  // namespace mlp::cli
