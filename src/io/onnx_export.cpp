// mlp::io::export_onnx: the prediction path of a Model as one ONNX graph (include/mlp/io/onnx.hpp,
// docs/deployment.md).
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/io/onnx.hpp"
#include "onnx_common.hpp"

#ifdef MLP_HAS_ONNX
#include <onnx/onnx_pb.h>
#endif

namespace mlp::io {

#ifndef MLP_HAS_ONNX

bool onnx_supported() { return false; }

std::string export_onnx_bytes(const Model&, const OnnxExportOptions&) {
  throw ConfigError("mlp export: this build of mlp has no ONNX support (configure with libonnx-dev "
                    "and libprotobuf-dev installed, MLP_ONNX=ON); `--format c` needs no library");
}

void export_onnx(const Model& model, const std::filesystem::path&, const OnnxExportOptions& options) {
  (void)export_onnx_bytes(model, options);
}

#else

namespace {

using namespace onnx_detail;

/// Builds the graph node by node; every intermediate tensor gets a fresh name.
class GraphBuilder {
 public:
  explicit GraphBuilder(onnx::GraphProto& g) : g_(g) {}

  /// A float initializer of shape `dims` (row-major values).
  std::string constant(const std::string& name, const std::vector<std::int64_t>& dims,
                       const std::vector<float>& values) {
    onnx::TensorProto* t = g_.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
    return name;
  }
  std::string constant_int64(const std::string& name, const std::vector<std::int64_t>& dims,
                             const std::vector<std::int64_t>& values) {
    onnx::TensorProto* t = g_.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (auto d : dims) t->add_dims(d);
    for (auto v : values) t->add_int64_data(v);
    return name;
  }
  std::string constant_strings(const std::string& name, const std::vector<std::string>& values) {
    onnx::TensorProto* t = g_.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::STRING);
    t->add_dims(static_cast<std::int64_t>(values.size()));
    for (const auto& v : values) t->add_string_data(v);
    return name;
  }

  /// Adds node `op` named `name` reading `inputs`; its output is `output` (or name + ":0").
  onnx::NodeProto* node(const std::string& op, const std::string& name,
                        const std::vector<std::string>& inputs, const std::string& output = {}) {
    onnx::NodeProto* n = g_.add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output.empty() ? name + "_out" : output);
    return n;
  }

  static void attr_int(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr_float(onnx::NodeProto* n, const std::string& name, float v) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }

 private:
  onnx::GraphProto& g_;
};

void tensor_type(onnx::ValueInfoProto* v, const std::string& name, int elem,
                 const std::vector<std::int64_t>& dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem);
  auto* shape = tt->mutable_shape();
  for (auto d : dims) {
    auto* dim = shape->add_dim();
    if (d < 0) dim->set_dim_param("N");
    else dim->set_dim_value(d);
  }
}

std::vector<float> divisors(const std::vector<float>& stddev) {
  std::vector<float> s(stddev.size());
  for (std::size_t j = 0; j < s.size(); ++j) s[j] = stddev[j] > 0.0f ? stddev[j] : 1.0f;  // as data::Standardizer
  return s;
}

/// A JSON array of the names (bytes that are not UTF-8 replaced by U+FFFD instead of throwing).
std::string names_json(const std::vector<std::string>& names) {
  return nlohmann::json(names).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void add_meta(onnx::ModelProto& m, const std::string& key, const std::string& value) {
  auto* p = m.add_metadata_props();
  p->set_key(key);
  p->set_value(value);
}

/// Imputation (IsNaN + Where) and standardization (Sub, Div) of the input `cur`.
std::string add_preprocessing(GraphBuilder& b, const Preprocessing& pre, Index d, std::string cur) {
  if (pre.imputer) {
    const std::string mean = b.constant("imputation.mean", {d}, pre.imputer->means());
    const std::string nan = b.node("IsNaN", "imputation.isnan", {cur})->output(0);
    cur = b.node("Where", "imputation.where", {nan, mean, cur})->output(0);
  }
  if (pre.features) {
    const std::string mean = b.constant("normalization.mean", {d}, pre.features->mean());
    const std::string sd = b.constant("normalization.std", {d}, divisors(pre.features->stddev()));
    cur = b.node("Sub", "normalization.sub", {cur, mean})->output(0);
    cur = b.node("Div", "normalization.div", {cur, sd})->output(0);
  }
  return cur;
}

/// The activation of layer `p` (name prefix) applied to `cur`.
std::string add_activation(GraphBuilder& b, const ModelSpec& spec, const LayerSpec& l,
                           const std::string& p, std::string cur) {
  switch (l.activation) {
    case Activation::identity:
      break;
    case Activation::relu:
      cur = b.node("Relu", p + ".relu", {cur})->output(0);
      break;
    case Activation::leaky_relu: {
      onnx::NodeProto* n = b.node("LeakyRelu", p + ".leaky_relu", {cur});
      GraphBuilder::attr_float(n, "alpha", static_cast<float>(spec.leaky_slope));
      cur = n->output(0);
      break;
    }
    case Activation::sigmoid:
      cur = b.node("Sigmoid", p + ".sigmoid", {cur})->output(0);
      break;
    case Activation::tanh:
      cur = b.node("Tanh", p + ".tanh", {cur})->output(0);
      break;
    case Activation::softmax: {
      onnx::NodeProto* n = b.node("Softmax", p + ".softmax", {cur});
      GraphBuilder::attr_int(n, "axis", 1);
      cur = n->output(0);
      break;
    }
    case Activation::gelu: {
      // ½·x·(1 + erf(x/√2)): the form PyTorch exports for nn.GELU() (opset 17 has no Gelu).
      const std::string sqrt2 = fmt::format("{}.gelu.sqrt2", p);
      b.constant(sqrt2, {}, {std::numbers::sqrt2_v<float>});
      const std::string one = b.constant(p + ".gelu.one", {}, {1.0f});
      const std::string half = b.constant(p + ".gelu.half", {}, {0.5f});
      const std::string x = cur;
      std::string t = b.node("Div", p + ".gelu.div", {x, sqrt2})->output(0);
      t = b.node("Erf", p + ".gelu.erf", {t})->output(0);
      t = b.node("Add", p + ".gelu.add", {t, one})->output(0);
      t = b.node("Mul", p + ".gelu.mul", {x, t})->output(0);
      cur = b.node("Mul", p + ".gelu.half_mul", {t, half})->output(0);
      break;
    }
  }
  return cur;
}

/// Layer k as Gemm (W [units x fan_in] with transB = 1, b) and its activation.
std::string add_layer(GraphBuilder& b, const Network<float>& net, std::size_t k, Index fan_in,
                      std::string cur) {
  const ModelSpec& spec = net.spec();
  const LayerSpec& l = spec.layers[k];
  const std::string p = fmt::format("layers.{}", k);
  const ConstMatrixMap<float> W(net.params().value(2 * k).data(), l.units, fan_in);
  const ConstMatrixMap<float> bias(net.params().value(2 * k + 1).data(), l.units, 1);
  std::vector<float> w(static_cast<std::size_t>(l.units * fan_in));
  for (Index i = 0; i < l.units; ++i) {
    for (Index j = 0; j < fan_in; ++j) w[static_cast<std::size_t>(i * fan_in + j)] = W(i, j);
  }
  const std::string wn = b.constant(p + ".W", {l.units, fan_in}, w);
  const std::string bn = b.constant(p + ".b", {l.units}, std::vector<float>(bias.data(), bias.data() + l.units));
  onnx::NodeProto* gemm = b.node("Gemm", p + ".gemm", {cur, wn, bn});
  GraphBuilder::attr_int(gemm, "transB", 1);
  return add_activation(b, spec, l, p, gemm->output(0));
}

/// The class index of each row from the output `cur`: p >= 0.5 for one sigmoid unit (with the
/// probabilities [1 − p, p]), the ArgMax otherwise; writes the `probabilities` output.
std::string add_class_index(GraphBuilder& b, Index out, const std::string& cur) {
  if (out == 1) {
    // P(class 1) = p: probabilities [1 − p, p]; class 1 when p >= 0.5 (as mlp predict).
    const std::string one = b.constant("head.one", {}, {1.0f});
    const std::string half = b.constant("head.half", {}, {0.5f});
    const std::string q = b.node("Sub", "head.complement", {one, cur})->output(0);
    onnx::NodeProto* cat = b.node("Concat", "head.probabilities", {q, cur}, kProbabilities);
    GraphBuilder::attr_int(cat, "axis", 1);
    const std::string ge = b.node("GreaterOrEqual", "head.threshold", {cur, half})->output(0);
    onnx::NodeProto* cast = b.node("Cast", "head.cast", {ge});
    GraphBuilder::attr_int(cast, "to", onnx::TensorProto::INT64);
    const std::string axes = b.constant_int64("head.axes", {1}, {1});
    return b.node("Squeeze", "head.squeeze", {cast->output(0), axes})->output(0);
  }
  b.node("Identity", "head.probabilities", {cur}, kProbabilities);
  onnx::NodeProto* am = b.node("ArgMax", "head.argmax", {kProbabilities});
  GraphBuilder::attr_int(am, "axis", 1);
  GraphBuilder::attr_int(am, "keepdims", 0);
  return am->output(0);
}

/// Classifier outputs: `probabilities` [N, k] and `label` [N] (int64 when every class name is
/// an integer, else strings).
void add_classifier_head(onnx::GraphProto& g, GraphBuilder& b, const Preprocessing& pre, Index out,
                         const std::string& cur) {
  const auto k = static_cast<std::int64_t>(pre.class_names.size());
  const std::string index = add_class_index(b, out, cur);
  std::string labels;
  int label_type = onnx::TensorProto::STRING;
  if (integer_labels(pre.class_names)) {
    std::vector<std::int64_t> v;
    for (const auto& c : pre.class_names) {
      std::int64_t x = 0;
      parse_int64(c, x);
      v.push_back(x);
    }
    labels = b.constant_int64("head.labels", {k}, v);
    label_type = onnx::TensorProto::INT64;
  } else {
    labels = b.constant_strings("head.labels", pre.class_names);
  }
  onnx::NodeProto* gather = b.node("Gather", "head.label", {labels, index}, kLabel);
  GraphBuilder::attr_int(gather, "axis", 0);
  tensor_type(g.add_output(), kProbabilities, onnx::TensorProto::FLOAT, {-1, k});
  tensor_type(g.add_output(), kLabel, label_type, {-1});
}

/// Regression output `prediction` [N, out], de-standardized when the targets were.
void add_regression_head(onnx::GraphProto& g, GraphBuilder& b, const Preprocessing& pre, Index out,
                         std::string cur) {
  if (pre.targets) {
    const std::string sd = b.constant("target_normalization.std", {out}, divisors(pre.targets->stddev()));
    const std::string mean = b.constant("target_normalization.mean", {out}, pre.targets->mean());
    cur = b.node("Mul", "target_normalization.mul", {cur, sd})->output(0);
    b.node("Add", "target_normalization.add", {cur, mean}, kPrediction);
  } else {
    b.node("Identity", "head.prediction", {cur}, kPrediction);
  }
  tensor_type(g.add_output(), kPrediction, onnx::TensorProto::FLOAT, {-1, out});
}

/// The model's header: IR version, producer, opset and the names in metadata_props.
void set_model_info(onnx::ModelProto& m, const Preprocessing& pre, int opset_version) {
  const bool classify = pre.task == data::Task::classification;
  m.set_ir_version(kIrVersion);
  m.set_producer_name("mlp");
  m.set_producer_version(MLP_VERSION);
  m.set_model_version(1);
  m.set_doc_string("multi-layer perceptron exported by mlp (docs/deployment.md)");
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(opset_version);
  add_meta(m, kMetaTask, classify ? "classification" : "regression");
  add_meta(m, kMetaFeatures, names_json(pre.feature_names));
  add_meta(m, kMetaTargets, names_json(pre.target_names));
  if (classify) add_meta(m, kMetaClasses, names_json(pre.class_names));
}

}  // namespace

bool onnx_supported() { return true; }

std::string export_onnx_bytes(const Model& model, const OnnxExportOptions& options) {
  if (options.opset < kMinOpset || options.opset > kMaxOpset) {
    throw ConfigError(fmt::format("mlp export: --opset must be between {} and {} (got {})", kMinOpset,
                                  kMaxOpset, options.opset));
  }
  const Network<float>& net = model.network();
  const Preprocessing& pre = model.preprocessing();
  const Index d = net.inputs();
  if (!pre.categorical.empty()) {
    // The graph would start after the one-hot encoding (its input the encoded features), so
    // it could not be fed the CSV's text columns: refused rather than half of the path.
    std::vector<std::string> columns;
    for (const auto& f : pre.categorical.features()) columns.push_back(f.column);
    throw ConfigError(fmt::format(
        "mlp export: the model has categorical input columns ({}), one-hot encoded by mlp "
        "before the network; an ONNX graph of it would take the {} encoded inputs, not the "
        "text columns, so it is not exported. To export, encode those columns as numeric 0/1 "
        "columns in the data (data.categorical = \"error\" checks that none is left) and train "
        "again",
        fmt::join(columns, ", "), d));
  }

  onnx::ModelProto m;
  set_model_info(m, pre, options.opset);
  onnx::GraphProto& g = *m.mutable_graph();
  g.set_name("mlp");
  GraphBuilder b(g);
  tensor_type(g.add_input(), kInputName, onnx::TensorProto::FLOAT, {-1, d});
  std::string cur = add_preprocessing(b, pre, d, kInputName);
  Index fan_in = d;
  for (std::size_t k = 0; k < net.layer_count(); ++k) {
    cur = add_layer(b, net, k, fan_in, cur);
    fan_in = net.spec().layers[k].units;
  }
  if (pre.task == data::Task::classification) {
    add_classifier_head(g, b, pre, net.outputs(), cur);
  } else {
    add_regression_head(g, b, pre, net.outputs(), cur);
  }

  std::string bytes;
  if (!m.SerializeToString(&bytes)) throw Error("mlp export: the ONNX model could not be serialized");
  return bytes;
}

void export_onnx(const Model& model, const std::filesystem::path& path, const OnnxExportOptions& options) {
  const std::string bytes = export_onnx_bytes(model, options);
  write_file_atomic(path, bytes);
}

#endif

}  // namespace mlp::io
