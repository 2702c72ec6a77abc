#include "mlp/io/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "mlp/core/error.hpp"
#include "mlp/core/json.hpp"
#include "mlp/data/idx.hpp"
#include "mlp/data/load.hpp"

namespace mlp {

namespace {

constexpr const char* kModelKey = "mlp.model";
constexpr const char* kPreKey = "mlp.preprocessing";
constexpr const char* kInfoKey = "mlp.info";

io::TensorData vector_tensor(std::string name, const std::vector<float>& v) {
  const ConstMatrixMap<float> m(v.data(), static_cast<Index>(v.size()), 1);
  auto t = io::tensor_from_matrix<float>(std::move(name), m);
  t.shape = {static_cast<std::int64_t>(v.size())};
  return t;
}

std::vector<float> tensor_vector(const io::Container& c, const std::string& name, Index expected,
                                 std::string_view source) {
  const io::TensorData* t = c.find(name);
  if (!t) throw DataError(fmt::format("{}: tensor {} is missing", source, name));
  if (t->shape.size() != 1 || t->shape[0] != expected) {
    throw DataError(fmt::format("{}: tensor {} has shape [{}], expected [{}]", source, name,
                                fmt::join(t->shape, ", "), expected));
  }
  const MatrixF m = io::matrix_from_tensor<float>(*t, source);
  return std::vector<float>(m.data(), m.data() + m.size());
}

data::Standardizer read_standardizer(const io::Container& c, const std::string& prefix, Index n,
                                     std::string_view source) {
  auto mean = tensor_vector(c, prefix + ".mean", n, source);
  auto sd = tensor_vector(c, prefix + ".std", n, source);
  for (std::size_t i = 0; i < sd.size(); ++i) {
    // σ = 0 is a constant feature: it is centred and divided by 1 (docs/data.md).
    if (!std::isfinite(mean[i]) || !std::isfinite(sd[i]) || !(sd[i] >= 0)) {
      throw DataError(fmt::format("{}: {}.mean/std[{}] must be finite with std >= 0 (got {}, {})",
                                  source, prefix, i, mean[i], sd[i]));
    }
  }
  return data::Standardizer(std::move(mean), std::move(sd));
}

/// Parameters an architecture may declare beyond twice what the file's tensors hold before it
/// is refused without building the network.
constexpr std::uint64_t kParameterSlack = 4096;

/// The number of parameters `spec` declares (W and b of every layer); nullopt beyond 2^64.
std::optional<std::uint64_t> declared_parameters(const ModelSpec& spec) {
  std::uint64_t total = 0;
  auto fan_in = static_cast<std::uint64_t>(spec.inputs);
  for (const LayerSpec& l : spec.layers) {
    const auto units = static_cast<std::uint64_t>(l.units);
    std::uint64_t layer = 0;
    if (__builtin_mul_overflow(units, fan_in + 1, &layer) || __builtin_add_overflow(total, layer, &total)) {
      return std::nullopt;
    }
    fan_in = units;
  }
  return total;
}

/// The text stored under metadata `key`.
const std::string& meta_text(const io::Container& c, const char* key, std::string_view source) {
  const auto it = c.metadata.find(key);
  if (it == c.metadata.end()) {
    throw DataError(fmt::format("{}: not an mlp model file (metadata {} is missing)", source, key));
  }
  return it->second;
}

/// The JSON object stored under metadata `key` (depth-limited, duplicate keys refused).
nlohmann::json parse_meta(const io::Container& c, const char* key, std::string_view source) {
  const std::string where = fmt::format("{}: metadata {}", source, key);
  nlohmann::json j = parse_json(meta_text(c, key, source), where);
  if (!j.is_object()) {
    throw DataError(fmt::format("{}: expected a JSON object, found {}", where, j.type_name()));
  }
  return j;
}

data::Task read_task(const nlohmann::json& pre, std::string_view where) {
  const std::string task = pre.at("task").get<std::string>();
  if (task == "classification") return data::Task::classification;
  if (task == "regression") return data::Task::regression;
  throw DataError(fmt::format("{}: task is \"{}\", expected \"classification\" or \"regression\"",
                              where, task));
}

/// `names` (feature_names, target_names or class_names) must be unique.
void check_unique(const std::vector<std::string>& names, std::string_view field) {
  std::map<std::string_view, std::size_t> first;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto [it, fresh] = first.emplace(names[i], i);
    if (!fresh) {
      throw DataError(fmt::format("model: {} lists '{}' twice (entries {} and {}); names must be "
                                  "unique", field, names[i], it->second + 1, i + 1));
    }
  }
}

/// `names` must be empty (unnamed) or have exactly `count` entries.
void check_count(const std::vector<std::string>& names, std::string_view field, Index count,
                 std::string_view what) {
  if (!names.empty() && static_cast<Index>(names.size()) != count) {
    throw ShapeError(fmt::format("model: {} has {} names for {} {}; give one name each, or none",
                                 field, names.size(), count, what));
  }
}

}  // namespace

data::CsvOptions Preprocessing::csv_options() const {
  data::CsvOptions o;
  if (imputer) o.missing = data::CsvOptions::Missing::keep_nan;
  return o;
}

data::CsvSchema Preprocessing::csv_schema() const {
  data::CsvSchema schema;
  schema.task = task;
  const auto numeric = feature_names.size() - std::min<std::size_t>(
                                                  feature_names.size(),
                                                  static_cast<std::size_t>(categorical.width()));
  schema.feature_names.assign(feature_names.begin(), feature_names.begin() + static_cast<std::ptrdiff_t>(numeric));
  if (task == data::Task::classification) schema.target_names = target_names;
  schema.class_names = class_names;
  for (const auto& f : categorical.features()) schema.categorical_names.push_back(f.column);
  return schema;
}

std::vector<data::UnseenCategories> Preprocessing::encode(data::Dataset& data) const {
  if (categorical.empty()) return {};
  return categorical.transform(data);
}

void Preprocessing::apply(MatrixF& X) const {
  if (imputer) imputer->transform(X);
  if (features) features->transform(X);
}

Model::Model(Network<float> network, Preprocessing preprocessing,
             std::map<std::string, std::string> info)
    : network_(std::move(network)), pre_(std::move(preprocessing)), info_(std::move(info)) {
  // Everything below holds for every model, built in memory or read from a file (where
  // from_container() reports it with the file name): predict() and the CLI index the names by
  // input and output number.
  const Index n_in = network_.inputs();
  check_count(pre_.feature_names, "feature_names", n_in, "inputs");
  check_unique(pre_.feature_names, "feature_names");
  if (!pre_.categorical.empty()) {
    // The one-hot inputs are the network's last inputs, named "column=value".
    const std::vector<std::string> onehot = pre_.categorical.feature_names();
    if (static_cast<Index>(onehot.size()) > n_in || pre_.feature_names.empty() ||
        !std::equal(onehot.begin(), onehot.end(), pre_.feature_names.end() - static_cast<std::ptrdiff_t>(onehot.size()))) {
      throw ShapeError(fmt::format("model: the {} one-hot inputs of the categorical columns must be "
                                   "the last of the {} named inputs (feature_names ending in {})",
                                   onehot.size(), n_in, onehot.empty() ? "" : onehot.front()));
    }
  }
  if (pre_.imputer && pre_.imputer->size() != n_in) {
    throw ShapeError(fmt::format("model: imputation has {} features, the network {} inputs",
                                 pre_.imputer->size(), n_in));
  }
  if (pre_.features && pre_.features->size() != n_in) {
    throw ShapeError(fmt::format("model: normalization has {} features, the network {} inputs",
                                 pre_.features->size(), n_in));
  }
  const Index out = network_.outputs();
  if (pre_.task == data::Task::classification) {
    // A single sigmoid unit gives P(class 1): two classes. Otherwise one unit per class.
    const auto k = static_cast<Index>(pre_.class_names.size());
    if (!(out == 1 ? k == 2 : k == out)) {
      throw ShapeError(fmt::format("model: {} class labels for an output layer of {} units (class_names "
                                   "needs {})", k, out, out == 1 ? 2 : out));
    }
    check_unique(pre_.class_names, "class_names");
    if (pre_.target_names.size() > 1) {
      throw ShapeError(fmt::format("model: a classifier has one target column, but target_names has {}",
                                   pre_.target_names.size()));
    }
  } else {
    check_count(pre_.target_names, "target_names", out, "outputs");
    check_unique(pre_.target_names, "target_names");
    if (pre_.targets && pre_.targets->size() != out) {
      throw ShapeError(fmt::format("model: target normalization has {} targets, the network {} outputs",
                                   pre_.targets->size(), out));
    }
  }
}

MatrixF Model::predict(const MatrixF& X) {
  MatrixF Xs = X;
  pre_.apply(Xs);
  MatrixF A = network_.predict(Xs);
  if (pre_.task == data::Task::classification && A.rows() == 1) {
    MatrixF P(2, A.cols());
    P.row(0) = (1.0f - A.row(0).array()).matrix();
    P.row(1) = A.row(0);
    return P;
  }
  if (pre_.task == data::Task::regression && pre_.targets) pre_.targets->inverse_transform(A);
  return A;
}

std::vector<std::int32_t> Model::predict_labels(const MatrixF& X) {
  if (pre_.task != data::Task::classification) {
    throw ConfigError("predict_labels: this model is a regression model");
  }
  const MatrixF P = predict(X);
  std::vector<std::int32_t> out(static_cast<std::size_t>(P.cols()));
  for (Index j = 0; j < P.cols(); ++j) {
    Index best = 0;
    P.col(j).maxCoeff(&best);
    out[static_cast<std::size_t>(j)] = static_cast<std::int32_t>(best);
  }
  return out;
}

namespace {

/// The model's schema for a prediction input: its feature columns; for a classifier, the
/// target column is read when present and its labels checked against the known classes.
data::CsvSchema prediction_schema(const Preprocessing& pre) { return pre.csv_schema(); }

/// Unseen categories counted over every block of an input, one warning per column at the end.
class UnseenTally {
 public:
  void add(const std::vector<data::UnseenCategories>& block) {
    for (const auto& u : block) {
      auto it = std::find_if(total_.begin(), total_.end(),
                             [&](const auto& t) { return t.column == u.column; });
      if (it == total_.end()) {
        total_.push_back(u);
      } else {
        it->rows += u.rows;
      }
    }
  }
  void report(const Model::WarningSink& sink) const {
    if (!sink) return;
    for (const auto& t : total_) sink(t.message());
  }

 private:
  std::vector<data::UnseenCategories> total_;
};

}  // namespace

void Model::predict_csv(const std::filesystem::path& input, std::size_t block_rows,
                        const PredictionSink& sink, const WarningSink& on_warning) {
  UnseenTally unseen;
  data::stream_csv(input, prediction_schema(pre_), pre_.csv_options(), block_rows,
                   [&](const data::Dataset& raw, std::size_t first_row) {
                     data::Dataset block = raw;
                     unseen.add(pre_.encode(block));
                     const MatrixF P = predict(block.X);
                     check_finite_outputs(P, block.source, first_row);
                     sink(P, first_row);
                   });
  unseen.report(on_warning);
}

void Model::predict_file(const std::filesystem::path& input, std::size_t block_rows,
                         const PredictionSink& sink, const WarningSink& on_warning) {
  if (data::detect_format(input) != data::Format::idx) {
    predict_csv(input, block_rows, sink, on_warning);
    return;
  }
  const data::IdxImages images = data::load_idx_images(input);
  const std::string source = input.string();
  if (images.X.rows() != network_.inputs()) {
    throw DataError(fmt::format("{}: the images have {} pixels ({} x {}), but the model expects {} "
                                "inputs; predict with the images the model was trained on",
                                source, images.X.rows(), images.rows, images.cols,
                                network_.inputs()));
  }
  const auto step = static_cast<Index>(std::max<std::size_t>(block_rows, 1));
  for (Index first = 0; first < images.count; first += step) {
    const Index b = std::min(step, images.count - first);
    const MatrixF P = predict(images.X.middleCols(first, b));
    check_finite_outputs(P, source, static_cast<std::size_t>(first), "image");
    sink(P, static_cast<std::size_t>(first));
  }
}

void Model::predict_csv_text(std::string_view text, std::string_view source_name,
                             std::size_t block_rows, const PredictionSink& sink,
                             const WarningSink& on_warning) {
  UnseenTally unseen;
  data::stream_csv(text, source_name, prediction_schema(pre_), pre_.csv_options(), block_rows,
                   [&](const data::Dataset& raw, std::size_t first_row) {
                     data::Dataset block = raw;
                     unseen.add(pre_.encode(block));
                     const MatrixF P = predict(block.X);
                     check_finite_outputs(P, block.source, first_row);
                     sink(P, first_row);
                   });
  unseen.report(on_warning);
}

void Model::check_finite_outputs(const MatrixF& P, const std::string& source,
                                 std::size_t first_row, std::string_view unit) {
  // Finite inputs can still overflow: standardization of a value far outside the training
  // range, or a layer's sum, exceeds FLT_MAX, and inf - inf makes NaN. Such a row has no
  // meaningful prediction; naming it beats printing nan.
  for (Index j = 0; j < P.cols(); ++j) {
    bool finite = true;
    for (Index k = 0; k < P.rows(); ++k) finite = finite && std::isfinite(P(k, j));
    if (!finite) {
      throw DataError(fmt::format("{}: {} {}: the model's output is not finite (inputs too "
                                  "large?); check the {}'s values against the training data's "
                                  "range",
                                  source, unit, first_row + static_cast<std::size_t>(j) + 1, unit));
    }
  }
}

io::Container Model::to_container() const {
  io::Container c;
  c.metadata[kModelKey] = network_.spec().to_json();
  nlohmann::json pre;
  pre["task"] = pre_.task == data::Task::classification ? "classification" : "regression";
  pre["feature_names"] = pre_.feature_names;
  pre["target_names"] = pre_.target_names;
  pre["class_names"] = pre_.class_names;
  pre["standardize_features"] = pre_.features.has_value();
  pre["standardize_targets"] = pre_.targets.has_value();
  if (pre_.imputer) pre["impute_missing"] = true;  // absent in files without (older readers)
  if (!pre_.categorical.empty()) {  // absent in files without categorical inputs
    nlohmann::json cats = nlohmann::json::array();
    for (const auto& f : pre_.categorical.features()) {
      cats.push_back({{"column", f.column}, {"categories", f.categories}});
    }
    pre["categorical"] = std::move(cats);
    pre["unknown_category"] =
        pre_.categorical.unknown() == data::UnknownCategory::error ? "error" : "ignore";
  }
  c.metadata[kPreKey] = pre.dump();
  c.metadata[kInfoKey] = nlohmann::json(info_).dump();
  const Parameters<float>& p = network_.params();
  for (std::size_t s = 0; s < p.slot_count(); ++s) {
    const ParamSlice& sl = p.slice(s);
    auto t = io::tensor_from_matrix<float>(sl.name, p.value(s));
    if (sl.cols == 1 && !sl.penalized) t.shape = {sl.rows};  // biases are vectors
    c.tensors.push_back(std::move(t));
  }
  if (pre_.features) {
    c.tensors.push_back(vector_tensor("normalization.mean", pre_.features->mean()));
    c.tensors.push_back(vector_tensor("normalization.std", pre_.features->stddev()));
  }
  if (pre_.imputer) c.tensors.push_back(vector_tensor("imputation.mean", pre_.imputer->means()));
  if (!pre_.categorical.empty()) {
    // The number of categories of each categorical column: a check of the metadata, and a
    // tensor that a reader predating categorical inputs refuses ("unexpected tensor").
    std::vector<float> sizes;
    for (const auto& f : pre_.categorical.features()) sizes.push_back(static_cast<float>(f.categories.size()));
    c.tensors.push_back(vector_tensor("categorical.sizes", sizes));
  }
  if (pre_.targets) {
    c.tensors.push_back(vector_tensor("target_normalization.mean", pre_.targets->mean()));
    c.tensors.push_back(vector_tensor("target_normalization.std", pre_.targets->stddev()));
  }
  return c;
}

Model Model::from_container(const io::Container& c, std::string_view source) {
  ModelSpec spec;
  try {
    spec = ModelSpec::from_json(meta_text(c, kModelKey, source));
  } catch (const Error& e) {
    throw DataError(fmt::format("{}: metadata {}: {}", source, kModelKey, e.what()));
  }
  // The network allocates its parameters (and initializes them) as soon as it is built, from
  // the sizes in mlp.model alone: refuse an architecture far larger than the file's tensors
  // before that, so that a 2 KB file cannot make mlp allocate gigabytes. Smaller mismatches are
  // reported tensor by tensor below.
  std::uint64_t held = 0;
  for (const auto& t : c.tensors) held += t.bytes.size() / sizeof(float);
  const std::optional<std::uint64_t> declared = declared_parameters(spec);
  if (!declared || *declared > 2 * held + kParameterSlack) {
    throw DataError(fmt::format("{}: metadata {} declares {} parameters, but the file's tensors hold "
                                "{} values", source, kModelKey,
                                declared ? std::to_string(*declared) : std::string("more than 2^64"), held));
  }
  Network<float> net(spec);
  Parameters<float>& p = net.params();
  std::size_t expected_tensors = p.slot_count();
  for (std::size_t s = 0; s < p.slot_count(); ++s) {
    const ParamSlice& sl = p.slice(s);
    const io::TensorData* t = c.find(sl.name);
    if (!t) throw DataError(fmt::format("{}: tensor {} is missing (the architecture has {} layers)", source, sl.name, spec.layers.size()));
    const bool is_vector = sl.cols == 1 && !sl.penalized;
    const std::vector<std::int64_t> want = is_vector ? std::vector<std::int64_t>{sl.rows}
                                                     : std::vector<std::int64_t>{sl.rows, sl.cols};
    if (t->shape != want) {
      throw DataError(fmt::format("{}: tensor {} has shape [{}], but the architecture needs [{}]",
                                  source, sl.name, fmt::join(t->shape, ", "), fmt::join(want, ", ")));
    }
    MatrixF m = io::matrix_from_tensor<float>(*t, source);
    if (!m.allFinite()) throw DataError(fmt::format("{}: tensor {} holds non-finite values", source, sl.name));
    p.value(s) = m.reshaped(sl.rows, sl.cols);
  }
  const nlohmann::json pre_json = parse_meta(c, kPreKey, source);
  const std::string pre_where = fmt::format("{}: metadata {}", source, kPreKey);
  Preprocessing pre;
  try {
    pre.task = read_task(pre_json, pre_where);
    pre.feature_names = pre_json.at("feature_names").get<std::vector<std::string>>();
    pre.target_names = pre_json.at("target_names").get<std::vector<std::string>>();
    pre.class_names = pre_json.at("class_names").get<std::vector<std::string>>();
    if (pre_json.at("standardize_features").get<bool>()) {
      pre.features = read_standardizer(c, "normalization", spec.inputs, source);
      expected_tensors += 2;
    }
    if (pre_json.contains("impute_missing") && pre_json.at("impute_missing").get<bool>()) {
      auto means = tensor_vector(c, "imputation.mean", spec.inputs, source);
      try {
        pre.imputer = data::Imputer(std::move(means));
      } catch (const DataError& e) {
        throw DataError(fmt::format("{}: {}", source, e.what()));
      }
      expected_tensors += 1;
    }
    if (pre_json.contains("categorical")) {
      std::vector<data::CategoricalFeature> features;
      for (const auto& f : pre_json.at("categorical")) {
        features.push_back({f.at("column").get<std::string>(),
                            f.at("categories").get<std::vector<std::string>>()});
      }
      const std::string unknown = pre_json.value("unknown_category", std::string("ignore"));
      if (unknown != "ignore" && unknown != "error") {
        throw DataError(fmt::format("{}: unknown_category is \"{}\", expected \"ignore\" or "
                                    "\"error\"", pre_where, unknown));
      }
      try {
        pre.categorical = data::OneHotEncoder(
            std::move(features),
            unknown == "error" ? data::UnknownCategory::error : data::UnknownCategory::ignore);
      } catch (const DataError& e) {
        throw DataError(fmt::format("{}: {}", pre_where, e.what()));
      }
      const auto sizes = tensor_vector(c, "categorical.sizes",
                                       static_cast<Index>(pre.categorical.features().size()), source);
      for (std::size_t k = 0; k < sizes.size(); ++k) {
        if (sizes[k] != static_cast<float>(pre.categorical.features()[k].categories.size())) {
          throw DataError(fmt::format("{}: tensor categorical.sizes[{}] is {}, but column '{}' has "
                                      "{} categories", source, k, sizes[k],
                                      pre.categorical.features()[k].column,
                                      pre.categorical.features()[k].categories.size()));
        }
      }
      expected_tensors += 1;
    }
    if (pre_json.at("standardize_targets").get<bool>()) {
      pre.targets = read_standardizer(c, "target_normalization", spec.layers.back().units, source);
      expected_tensors += 2;
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(fmt::format("{}: {}", pre_where, e.what()));
  }
  if (c.tensors.size() != expected_tensors) {
    for (const auto& t : c.tensors) {
      const bool known = p.find(t.name) || t.name.rfind("normalization.", 0) == 0 ||
                         t.name.rfind("target_normalization.", 0) == 0 || t.name == "imputation.mean" ||
                         t.name == "categorical.sizes";
      if (!known) throw DataError(fmt::format("{}: unexpected tensor {} (not part of the architecture)", source, t.name));
    }
    throw DataError(fmt::format("{}: {} tensors, expected {}", source, c.tensors.size(), expected_tensors));
  }
  std::map<std::string, std::string> info;
  const nlohmann::json info_json = parse_meta(c, kInfoKey, source);
  for (const auto& [k, v] : info_json.items()) info[k] = v.is_string() ? v.get<std::string>() : v.dump();
  try {
    Model model(std::move(net), std::move(pre), std::move(info));
    model.format_version_ = c.format_version;
    return model;
  } catch (const ShapeError& e) {
    throw DataError(fmt::format("{}: {}", source, e.what()));
  } catch (const DataError& e) {
    throw DataError(fmt::format("{}: {}", source, e.what()));
  }
}

void Model::save(const std::filesystem::path& path) const { io::save(path, to_container()); }

Model Model::load(const std::filesystem::path& path) {
  const io::Container c = io::load(path);
  return from_container(c, path.string());
}

}  // namespace mlp
