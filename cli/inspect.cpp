// `mlp inspect MODEL [--json]` — what a model file holds (docs/cli.md): the architecture (each
// layer with its units, activation, keep_prob and parameter shapes), the parameter count, loss,
// initializer, normalization statistics, feature/target/class names, the training provenance
// (the info map) and the file's format version. The file is fully verified first (checksum,
// every tensor against the architecture), exactly as when a model is loaded for prediction.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/json.hpp"
#include "mlp/io/model.hpp"

namespace mlp::cli {
namespace {

struct InspectArgs {
  std::string model;
  bool json = false;
};

/// Features listed in the text output before "…".
constexpr std::size_t kShownFeatures = 10;

struct ParamShape {
  std::string name;
  std::vector<Index> shape;  ///< as stored in the file: W [n_out, n_in], b [n_out]
};

/// The parameter slices of layer k with their file shapes.
std::vector<ParamShape> layer_params(const Parameters<float>& p, const std::string& layer) {
  std::vector<ParamShape> out;
  for (std::size_t s = 0; s < p.slot_count(); ++s) {
    const ParamSlice& sl = p.slice(s);
    if (sl.name.rfind(layer + ".", 0) != 0) continue;
    const bool is_vector = sl.cols == 1 && !sl.penalized;
    out.push_back({sl.name, is_vector ? std::vector<Index>{sl.rows} : std::vector<Index>{sl.rows, sl.cols}});
  }
  return out;
}

/// An info value: JSON objects/arrays stored as text come back as JSON, the rest (and text
/// that parse_json refuses: invalid, nested too deeply) as strings.
nlohmann::json info_value(const std::string& v) {
  if (!v.empty() && (v.front() == '{' || v.front() == '[')) {
    try {
      return parse_json(v, "info");
    } catch (const DataError&) {
    }
  }
  return v;
}

nlohmann::json standardizer_json(const data::Standardizer& s, const std::vector<std::string>& names) {
  nlohmann::json rows = nlohmann::json::array();
  for (Index j = 0; j < s.size(); ++j) {
    const auto k = static_cast<std::size_t>(j);
    rows.push_back({{"name", k < names.size() ? names[k] : fmt::format("#{}", k)},
                    {"mean", std::stod(fmt::format("{}", s.mean()[k]))},
                    {"std", std::stod(fmt::format("{}", s.stddev()[k]))}});
  }
  return rows;
}

std::string standardizer_text(const data::Standardizer& s, const std::vector<std::string>& names) {
  std::size_t width = 4;
  const std::size_t shown = std::min<std::size_t>(static_cast<std::size_t>(s.size()), kShownFeatures);
  for (std::size_t k = 0; k < shown && k < names.size(); ++k) width = std::max(width, names[k].size());
  std::string out = fmt::format("    {:<{}}  {:>12}  {:>12}\n", "name", width, "mean", "std");
  for (std::size_t k = 0; k < shown; ++k) {
    const std::string name = k < names.size() ? names[k] : fmt::format("#{}", k);
    out += fmt::format("    {:<{}}  {:>12.6g}  {:>12.6g}\n", name, width, s.mean()[k], s.stddev()[k]);
  }
  if (static_cast<std::size_t>(s.size()) > shown) {
    out += fmt::format("    … ({} more; mlp inspect --json lists all)\n",
                       static_cast<std::size_t>(s.size()) - shown);
  }
  return out;
}

std::string names_text(const std::vector<std::string>& names) {
  if (names.empty()) return "(none)";
  const std::size_t shown = std::min(names.size(), kShownFeatures);
  std::string out = fmt::format("{}", fmt::join(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(shown), ", "));
  if (names.size() > shown) out += fmt::format(", … ({} in all)", names.size());
  return out;
}

/// "  key: value", or for a multi-line value (the run configuration) "  key:" and the value's
/// lines indented below it.
std::string info_text(const std::string& key, const std::string& value) {
  if (value.find('\n') == std::string::npos) return fmt::format("  {}: {}\n", key, value);
  std::string out = fmt::format("  {}:\n", key);
  std::size_t end = value.size();
  while (end > 0 && value[end - 1] == '\n') --end;  // no trailing blank lines
  std::size_t begin = 0;
  while (begin <= end) {
    std::size_t nl = value.find('\n', begin);
    if (nl == std::string::npos || nl > end) nl = end;
    const std::string_view line(value.data() + begin, nl - begin);
    out += line.empty() ? std::string("\n") : fmt::format("    {}\n", line);
    begin = nl + 1;
  }
  return out;
}

std::string shape_text(const std::vector<Index>& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

bool uses_leaky_relu(const ModelSpec& spec) {
  return std::any_of(spec.layers.begin(), spec.layers.end(),
                     [](const LayerSpec& l) { return l.activation == Activation::leaky_relu; });
}

nlohmann::json layers_json(const Network<float>& net) {
  const ModelSpec& spec = net.spec();
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t k = 0; k < spec.layers.size(); ++k) {
    const LayerSpec& l = spec.layers[k];
    nlohmann::json layer{{"name", net.layer_name(k)},
                         {"units", l.units},
                         {"activation", std::string(to_string(l.activation))},
                         {"keep_prob", l.keep_prob}};
    nlohmann::json params = nlohmann::json::object();
    for (const auto& p : layer_params(net.params(), net.layer_name(k))) params[p.name] = p.shape;
    layer["parameters"] = params;
    layers.push_back(layer);
  }
  return layers;
}

nlohmann::json imputer_json(const Preprocessing& pre) {
  if (!pre.imputer) return nullptr;
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t k = 0; k < pre.imputer->means().size(); ++k) {
    rows.push_back({{"name", k < pre.feature_names.size() ? pre.feature_names[k] : fmt::format("#{}", k)},
                    {"mean", std::stod(fmt::format("{}", pre.imputer->means()[k]))}});
  }
  return rows;
}

void print_inspect_json(const InspectArgs& args, const Model& model) {
  const Network<float>& net = model.network();
  const ModelSpec& spec = net.spec();
  const Preprocessing& pre = model.preprocessing();
  nlohmann::json j;
  j["model"] = args.model;
  j["format_version"] = model.format_version();
  j["task"] = pre.task == data::Task::classification ? "classification" : "regression";
  j["inputs"] = spec.inputs;
  j["layers"] = layers_json(net);
  j["parameters"] = net.params().size();
  j["loss"] = std::string(to_string(spec.loss));
  j["initializer"] = std::string(to_string(spec.init));
  if (spec.init == Init::normal) j["init_scale"] = spec.init_scale;
  if (spec.init_gain != 1.0) j["init_gain"] = spec.init_gain;
  if (uses_leaky_relu(spec)) j["leaky_slope"] = spec.leaky_slope;
  j["seed"] = spec.seed;
  j["normalization"] = pre.features ? standardizer_json(*pre.features, pre.feature_names) : nullptr;
  j["target_normalization"] = pre.targets ? standardizer_json(*pre.targets, pre.target_names) : nullptr;
  j["missing_values"] = imputer_json(pre);
  j["feature_names"] = pre.feature_names;
  j["target_names"] = pre.target_names;
  j["classes"] = pre.class_names;
  nlohmann::json info = nlohmann::json::object();
  for (const auto& [key, value] : model.info()) info[key] = info_value(value);
  j["info"] = info;
  print_json(j);
}

/// The layer table: one row per layer, columns aligned.
std::string layers_text(const Network<float>& net) {
  const ModelSpec& spec = net.spec();
  std::vector<std::vector<std::string>> rows{{"layer", "units", "activation", "keep_prob", "parameters"}};
  for (std::size_t k = 0; k < spec.layers.size(); ++k) {
    const LayerSpec& l = spec.layers[k];
    std::vector<std::string> params;
    for (const auto& p : layer_params(net.params(), net.layer_name(k))) {
      params.push_back(fmt::format("{} {}", p.name, shape_text(p.shape)));
    }
    rows.push_back({net.layer_name(k), std::to_string(l.units), std::string(to_string(l.activation)),
                    fmt::format("{}", l.keep_prob), fmt::format("{}", fmt::join(params, ", "))});
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  std::string out = "layers:\n";
  for (const auto& r : rows) {
    out += fmt::format("  {:<{}}  {:>{}}  {:<{}}  {:>{}}  {}\n", r[0], width[0], r[1], width[1], r[2],
                       width[2], r[3], width[3], r[4]);
  }
  return out;
}

/// Normalization, missing values, names and provenance.
std::string preprocessing_text(const Model& model) {
  const Preprocessing& pre = model.preprocessing();
  std::string out;
  if (pre.features) {
    out += fmt::format("normalization: standard (x - mean) / std, {} features\n", pre.features->size());
    out += standardizer_text(*pre.features, pre.feature_names);
  } else {
    out += "normalization: none\n";
  }
  if (pre.imputer) {
    out += fmt::format("missing values: filled with the training mean ({} features; mlp inspect "
                       "--json lists them)\n", pre.imputer->size());
  }
  if (pre.targets) {
    out += fmt::format("target normalization: standard, {} target{}\n", pre.targets->size(),
                       pre.targets->size() == 1 ? "" : "s");
    out += standardizer_text(*pre.targets, pre.target_names);
  }
  out += fmt::format("features ({}): {}\n", pre.feature_names.size(), names_text(pre.feature_names));
  out += fmt::format("targets: {}\n", names_text(pre.target_names));
  if (pre.task == data::Task::classification) {
    out += fmt::format("classes ({}): {}\n", pre.class_names.size(), fmt::join(pre.class_names, ", "));
  }
  if (model.info().empty()) {
    out += "provenance: (none)\n";
  } else {
    out += "provenance:\n";
    for (const auto& [key, value] : model.info()) out += info_text(key, value);
  }
  return out;
}

void print_inspect_text(const InspectArgs& args, const Model& model) {
  const Network<float>& net = model.network();
  const ModelSpec& spec = net.spec();
  const Preprocessing& pre = model.preprocessing();
  std::string out;
  out += fmt::format("model: {} (format version {})\n", args.model, model.format_version());
  out += fmt::format("task: {}\n", pre.task == data::Task::classification
                                       ? fmt::format("classification, {} classes", pre.class_names.size())
                                       : fmt::format("regression, {} target{}", pre.target_names.size(),
                                                     pre.target_names.size() == 1 ? "" : "s"));
  std::string arch = fmt::format("{} inputs", spec.inputs);
  for (const LayerSpec& l : spec.layers) arch += fmt::format(" -> {} {}", l.units, to_string(l.activation));
  out += fmt::format("architecture: {}\n", arch);
  out += layers_text(net);
  out += fmt::format("parameters: {}\n", net.params().size());
  out += fmt::format("loss: {}\n", to_string(spec.loss));
  std::string init = std::string(to_string(spec.init));
  if (spec.init == Init::normal) init += fmt::format(" (scale {})", spec.init_scale);
  if (spec.init_gain != 1.0) init += fmt::format(" × gain {}", spec.init_gain);
  out += fmt::format("initializer: {}, seed {}\n", init, spec.seed);
  if (uses_leaky_relu(spec)) out += fmt::format("leaky_relu slope: {}\n", spec.leaky_slope);
  out += preprocessing_text(model);
  write_stdout(out);
}

int run_inspect(const InspectArgs& args) {
  // Model::load verifies the whole file (checksum, every tensor against the architecture).
  const Model model = Model::load(args.model);
  if (args.json) {
    print_inspect_json(args, model);
  } else {
    print_inspect_text(args, model);
  }
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* sub = app.add_subcommand(
      "inspect", "Show what a model file holds: architecture, parameter shapes and count, "
                 "normalization, feature/target/class names, provenance, format version");
  sub->add_option("MODEL", args->model, "model file written by mlp train")->required();
  sub->add_flag("--json", args->json, "print the same as one JSON object");
  sub->callback([args, &action] { action = [args] { return run_inspect(*args); }; });
}

const Registrar registrar{70, setup};

}  // namespace
}  // namespace mlp::cli
