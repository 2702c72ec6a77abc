// mlp::io::import_onnx: an ONNX graph that is a chain of dense layers as a Model
// (include/mlp/io/onnx.hpp, docs/deployment.md).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/core/json.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/io/onnx.hpp"
#include "onnx_common.hpp"

#ifdef MLP_HAS_ONNX
#include <onnx/onnx_pb.h>
#endif

namespace mlp::io {

#ifndef MLP_HAS_ONNX

Model import_onnx_bytes(std::span<const std::byte>, std::string_view) {
  throw ConfigError("mlp import: this build of mlp has no ONNX support (configure with libonnx-dev "
                    "and libprotobuf-dev installed, MLP_ONNX=ON)");
}

Model import_onnx(const std::filesystem::path& path) { return import_onnx_bytes({}, path.string()); }

#else

namespace {

using namespace onnx_detail;

/// Elements any one constant may hold (1 GiB of floats).
constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 28;

struct Constant {
  std::vector<std::int64_t> dims;
  int type = 0;
  std::vector<float> f;  ///< FLOAT / DOUBLE values
  std::vector<std::int64_t> i;  ///< INT64 / INT32 values
  std::vector<std::string> s;  ///< STRING values
  [[nodiscard]] std::size_t size() const { return std::max({f.size(), i.size(), s.size()}); }
};

class Importer {
 public:
  Importer(const onnx::ModelProto& m, std::string_view source) : m_(m), g_(m.graph()), src_(source) {}

  Model run();

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(fmt::format("{}: {}", src_, what));
  }
  std::string describe(const onnx::NodeProto& n) const {
    return fmt::format("node '{}' ({})", n.name().empty() ? n.output_size() ? n.output(0) : "?" : n.name(),
                       n.op_type());
  }
  [[noreturn]] void unsupported(const onnx::NodeProto& n, const std::string& why) const {
    fail(fmt::format("unsupported {}: {} (mlp import accepts chains of Gemm/MatMul(+Add), "
                     "Relu/LeakyRelu/Sigmoid/Tanh/Gelu/Softmax, Sub/Div and BatchNormalization; "
                     "docs/deployment.md)", describe(n), why));
  }

  Constant read_tensor(const onnx::TensorProto& t, const std::string& where) const;
  void collect_constants();
  const Constant* constant(const std::string& name) const {
    const auto it = consts_.find(name);
    return it == consts_.end() ? nullptr : &it->second;
  }
  /// The float values of constant input `k` of node n; the node is unsupported otherwise.
  const std::vector<float>& float_input(const onnx::NodeProto& n, int k) const;
  /// Index of the other input of a binary node with `cur` as one input; -1 when not binary.
  int other_input(const onnx::NodeProto& n, const std::string& cur) const;
  std::vector<int> open_consumers(const std::string& name) const;
  bool dense_remaining() const;
  static const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  }
  void dense(const onnx::NodeProto& n, const std::string& cur);
  void activation(const onnx::NodeProto& n, Activation a);
  void elementwise(const onnx::NodeProto& n, const std::string& cur);
  void batch_norm(const onnx::NodeProto& n);
  /// x' = (x − mean) / std before the first layer, composed with Sub/Add/Mul/Div by c.
  void standardize(const onnx::NodeProto& n, const std::string& op, const std::vector<float>& c);
  bool try_gelu(const std::vector<int>& cs, std::string& cur);
  bool try_imputation(const std::vector<int>& cs, std::string& cur);
  bool try_sigmoid_head(const std::vector<int>& cs, std::string& cur);
  void check_limits();
  std::string find_input();
  std::string walk_chain(std::string cur);
  void check_head(const std::string& cur);
  Preprocessing preprocessing();
  void check_finite();
  Index width() const { return layers_.empty() ? inputs_ : static_cast<Index>(layers_.back().b.size()); }

  struct Layer {
    MatrixF W;  // [n_out x n_in]
    std::vector<float> b;
    Activation act = Activation::identity;
    bool has_activation = false;
  };
  /// y = scale ⊙ x + shift on a vector (empty: none).
  struct Affine {
    std::vector<float> scale, shift;
    [[nodiscard]] bool empty() const { return scale.empty(); }
  };
  /// Applies op (Sub/Div/Mul/Add by c) after affine a of width n.
  void compose(Affine& a, Index n, const std::string& op, const std::vector<float>& c,
               const onnx::NodeProto& node) const;

  const onnx::ModelProto& m_;
  const onnx::GraphProto& g_;
  std::string src_;
  std::map<std::string, Constant> consts_;
  std::map<std::string, std::vector<int>> consumers_;
  std::vector<bool> used_;
  std::set<std::string> outputs_;
  Index inputs_ = 0;
  std::optional<std::vector<float>> impute_;
  std::vector<float> mean_, std_;  ///< standardization before the first layer (empty: none)
  Affine pending_;      ///< an affine map (BatchNormalization, Mul/Add) folded into the next layer
  Affine tail_;         ///< after the last layer: target de-standardization
  std::vector<Layer> layers_;
  std::optional<float> leaky_;
  bool label_head_ = false;
};

Constant Importer::read_tensor(const onnx::TensorProto& t, const std::string& where) const {
  Constant c;
  std::uint64_t n = 1;
  if (t.dims_size() > 8) fail(fmt::format("{}: {} dimensions (at most 8)", where, t.dims_size()));
  for (auto d : t.dims()) {
    if (d < 0) fail(fmt::format("{}: negative dimension {}", where, d));
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n) || n > kMaxElements) {
      fail(fmt::format("{}: more than {} elements", where, kMaxElements));
    }
    c.dims.push_back(d);
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL) fail(fmt::format("{}: external data is not supported", where));
  c.type = t.data_type();
  const std::string& raw = t.raw_data();
  auto check = [&](std::uint64_t have) {
    if (have != n) fail(fmt::format("{}: holds {} values, its shape [{}] needs {}", where, have,
                                    fmt::join(c.dims, ", "), n));
  };
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (t.has_raw_data()) {
        check(raw.size() % 4 == 0 ? raw.size() / 4 : kMaxElements + 1);
        c.f.resize(n);
        std::memcpy(c.f.data(), raw.data(), raw.size());  // ONNX raw data is little-endian
      } else {
        check(static_cast<std::uint64_t>(t.float_data_size()));
        c.f.assign(t.float_data().begin(), t.float_data().end());
      }
      break;
    case onnx::TensorProto::DOUBLE:
      if (t.has_raw_data()) {
        check(raw.size() % 8 == 0 ? raw.size() / 8 : kMaxElements + 1);
        std::vector<double> v(n);
        std::memcpy(v.data(), raw.data(), raw.size());
        c.f.assign(v.begin(), v.end());
      } else {
        check(static_cast<std::uint64_t>(t.double_data_size()));
        for (double v : t.double_data()) c.f.push_back(static_cast<float>(v));
      }
      break;
    case onnx::TensorProto::INT64:
      if (t.has_raw_data()) {
        check(raw.size() % 8 == 0 ? raw.size() / 8 : kMaxElements + 1);
        c.i.resize(n);
        std::memcpy(c.i.data(), raw.data(), raw.size());
      } else {
        check(static_cast<std::uint64_t>(t.int64_data_size()));
        c.i.assign(t.int64_data().begin(), t.int64_data().end());
      }
      break;
    case onnx::TensorProto::INT32:
      if (t.has_raw_data()) {
        check(raw.size() % 4 == 0 ? raw.size() / 4 : kMaxElements + 1);
        std::vector<std::int32_t> v(n);
        std::memcpy(v.data(), raw.data(), raw.size());
        c.i.assign(v.begin(), v.end());
      } else {
        check(static_cast<std::uint64_t>(t.int32_data_size()));
        c.i.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    case onnx::TensorProto::STRING:
      check(static_cast<std::uint64_t>(t.string_data_size()));
      c.s.assign(t.string_data().begin(), t.string_data().end());
      break;
    default:
      break;  // other types are only refused where a node needs their values
  }
  return c;
}

void Importer::collect_constants() {
  for (const auto& t : g_.initializer()) {
    consts_[t.name()] = read_tensor(t, fmt::format("initializer '{}'", t.name()));
  }
  used_.assign(static_cast<std::size_t>(g_.node_size()), false);
  for (int k = 0; k < g_.node_size(); ++k) {
    const onnx::NodeProto& n = g_.node(k);
    if (!n.domain().empty() && n.domain() != "ai.onnx") unsupported(n, fmt::format("domain '{}'", n.domain()));
    // Every node the chain can reach is read through its first output.
    if (n.output_size() < 1 || n.output(0).empty()) unsupported(n, "a node without an output");
    for (const auto& a : n.attribute()) {
      if (a.type() == onnx::AttributeProto::GRAPH || a.type() == onnx::AttributeProto::GRAPHS) {
        unsupported(n, "a node with a subgraph");
      }
    }
    for (const auto& i : n.input()) {
      if (!i.empty()) consumers_[i].push_back(k);
    }
    if (n.op_type() != "Constant") continue;
    if (n.output_size() != 1) unsupported(n, "a Constant needs one output");
    const std::string where = fmt::format("Constant '{}'", n.output(0));
    Constant c;
    if (const auto* v = attr(n, "value"); v && v->has_t()) {
      c = read_tensor(v->t(), where);
    } else if (const auto* vf = attr(n, "value_float")) {
      c.type = onnx::TensorProto::FLOAT;
      c.f = {vf->f()};
    } else if (const auto* vfs = attr(n, "value_floats")) {
      c.type = onnx::TensorProto::FLOAT;
      c.f.assign(vfs->floats().begin(), vfs->floats().end());
      c.dims = {static_cast<std::int64_t>(c.f.size())};
    } else if (const auto* vi = attr(n, "value_int")) {
      c.type = onnx::TensorProto::INT64;
      c.i = {vi->i()};
    } else if (const auto* vis = attr(n, "value_ints")) {
      c.type = onnx::TensorProto::INT64;
      c.i.assign(vis->ints().begin(), vis->ints().end());
      c.dims = {static_cast<std::int64_t>(c.i.size())};
    } else {
      unsupported(n, "a Constant without a value, value_float(s) or value_int(s)");
    }
    consts_[n.output(0)] = std::move(c);
    used_[static_cast<std::size_t>(k)] = true;
  }
}

const std::vector<float>& Importer::float_input(const onnx::NodeProto& n, int k) const {
  if (k < 0 || k >= n.input_size()) unsupported(n, fmt::format("input {} is missing", k + 1));
  const Constant* c = constant(n.input(k));
  if (!c) unsupported(n, fmt::format("input '{}' must be a constant", n.input(k)));
  if (c->type != onnx::TensorProto::FLOAT && c->type != onnx::TensorProto::DOUBLE) {
    unsupported(n, fmt::format("constant '{}' must be float", n.input(k)));
  }
  for (float v : c->f) {
    if (!std::isfinite(v)) fail(fmt::format("{}: constant '{}' holds non-finite values", describe(n), n.input(k)));
  }
  return c->f;
}

int Importer::other_input(const onnx::NodeProto& n, const std::string& cur) const {
  if (n.input_size() != 2) return -1;
  if (n.input(0) == cur && n.input(1) != cur) return 1;
  if (n.input(1) == cur && n.input(0) != cur) return 0;
  return -1;
}

std::vector<int> Importer::open_consumers(const std::string& name) const {
  std::vector<int> out;
  const auto it = consumers_.find(name);
  if (it == consumers_.end()) return out;
  for (int k : it->second) {
    if (!used_[static_cast<std::size_t>(k)] && (out.empty() || out.back() != k)) out.push_back(k);
  }
  return out;
}

bool Importer::dense_remaining() const {
  for (int k = 0; k < g_.node_size(); ++k) {
    const std::string& op = g_.node(k).op_type();
    if (!used_[static_cast<std::size_t>(k)] && (op == "Gemm" || op == "MatMul")) return true;
  }
  return false;
}

void Importer::compose(Affine& a, Index n, const std::string& op, const std::vector<float>& c,
                       const onnx::NodeProto& node) const {
  if (c.size() != 1 && static_cast<Index>(c.size()) != n) {
    unsupported(node, fmt::format("its constant has {} values for a width of {}", c.size(), n));
  }
  if (a.empty()) {
    a.scale.assign(static_cast<std::size_t>(n), 1.0f);
    a.shift.assign(static_cast<std::size_t>(n), 0.0f);
  }
  for (std::size_t j = 0; j < a.scale.size(); ++j) {
    const float v = c.size() == 1 ? c[0] : c[j];
    if (op == "Sub") {
      a.shift[j] -= v;
    } else if (op == "Add") {
      a.shift[j] += v;
    } else if (op == "Mul") {
      a.scale[j] *= v;
      a.shift[j] *= v;
    } else {  // Div
      if (v == 0.0f) fail(fmt::format("{}: division by zero", describe(node)));
      a.scale[j] /= v;
      a.shift[j] /= v;
    }
  }
}

void Importer::dense(const onnx::NodeProto& n, const std::string& cur) {
  if (layers_.size() >= kMaxOnnxLayers) fail(fmt::format("more than {} dense layers", kMaxOnnxLayers));
  if (n.input_size() < 2 || n.input(0) != cur) unsupported(n, "the running value must be its first input");
  const Constant* B = constant(n.input(1));
  if (!B || B->dims.size() != 2 || B->f.empty()) unsupported(n, "its weight must be a 2-D float constant");
  const bool gemm = n.op_type() == "Gemm";
  float alpha = 1.0f, beta = 1.0f;
  bool transB = false;
  if (gemm) {
    if (const auto* a = attr(n, "transA"); a && a->i() != 0) unsupported(n, "transA = 1");
    if (const auto* a = attr(n, "transB")) transB = a->i() != 0;
    if (const auto* a = attr(n, "alpha")) alpha = a->f();
    if (const auto* a = attr(n, "beta")) beta = a->f();
  } else if (n.input_size() != 2) {
    unsupported(n, "MatMul takes two inputs");
  }
  const Index rows = B->dims[0], cols = B->dims[1];
  const Index n_out = transB ? rows : cols, n_in = transB ? cols : rows;
  const Index fan_in = width();
  if (fan_in > 0 && n_in != fan_in) {
    unsupported(n, fmt::format("its weight takes {} inputs, the value before it has {}", n_in, fan_in));
  }
  Layer l;
  l.W.resize(n_out, n_in);
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) {
      const float v = B->f[static_cast<std::size_t>(i * cols + j)] * alpha;
      if (transB) l.W(i, j) = v;
      else l.W(j, i) = v;
    }
  }
  l.b.assign(static_cast<std::size_t>(n_out), 0.0f);
  if (gemm && n.input_size() >= 3 && !n.input(2).empty()) {
    const std::vector<float>& c = float_input(n, 2);
    if (c.size() != 1 && static_cast<Index>(c.size()) != n_out) {
      unsupported(n, fmt::format("its bias has {} values for {} outputs", c.size(), n_out));
    }
    for (Index i = 0; i < n_out; ++i) l.b[static_cast<std::size_t>(i)] = beta * (c.size() == 1 ? c[0] : c[static_cast<std::size_t>(i)]);
  }
  if (!l.W.allFinite()) fail(fmt::format("{}: non-finite weights", describe(n)));
  // Fold a pending affine map of the input: W (s ⊙ x + t) + b = (W diag s) x + (W t + b).
  if (!pending_.empty()) {
    const Eigen::Map<const Eigen::VectorXf> s(pending_.scale.data(), n_in), t(pending_.shift.data(), n_in);
    const Eigen::VectorXf bt = l.W * t;
    l.W = l.W * s.asDiagonal();
    for (Index i = 0; i < n_out; ++i) l.b[static_cast<std::size_t>(i)] += bt(i);
    pending_ = {};
  }
  if (inputs_ == 0) inputs_ = n_in;
  layers_.push_back(std::move(l));
}

void Importer::activation(const onnx::NodeProto& n, Activation a) {
  if (!layers_.empty() && !layers_.back().has_activation && !tail_.empty()) {
    // Mul/Add by constants between the last dense layer and its activation (MatMul + Add + Softmax):
    // part of that layer, not a rescaling of the output.
    Layer& l = layers_.back();
    for (Index i = 0; i < l.W.rows(); ++i) {
      const auto u = static_cast<std::size_t>(i);
      l.W.row(i) *= tail_.scale[u];
      l.b[u] = l.b[u] * tail_.scale[u] + tail_.shift[u];
    }
    tail_ = {};
  }
  if (layers_.empty() || layers_.back().has_activation || !pending_.empty() || !tail_.empty()) {
    unsupported(n, "an activation must follow a dense layer directly");
  }
  if (a == Activation::leaky_relu) {
    float alpha = 0.01f;
    if (const auto* at = attr(n, "alpha")) alpha = at->f();
    if (!(alpha >= 0.0f) || !std::isfinite(alpha)) unsupported(n, fmt::format("alpha {} (must be >= 0)", alpha));
    if (leaky_ && *leaky_ != alpha) unsupported(n, fmt::format("alpha {} differs from an earlier LeakyRelu's {}", alpha, *leaky_));
    leaky_ = alpha;
  }
  if (a == Activation::softmax) {
    std::int64_t axis = m_.opset_import_size() > 0 && m_.opset_import(0).version() < 13 ? 1 : -1;
    if (const auto* at = attr(n, "axis")) axis = at->i();
    if (axis != 1 && axis != -1) unsupported(n, fmt::format("axis {} (must be 1 or -1)", axis));
  }
  if (a == Activation::gelu) {
    if (const auto* at = attr(n, "approximate"); at && at->s() != "none") unsupported(n, "approximate GELU");
  }
  layers_.back().act = a;
  layers_.back().has_activation = true;
}

void Importer::elementwise(const onnx::NodeProto& n, const std::string& cur) {
  const int k = other_input(n, cur);
  const std::string& op = n.op_type();
  if (k < 0 || ((op == "Sub" || op == "Div") && k != 1)) {
    unsupported(n, "it must combine the running value with a constant (x - c, x / c, x * c, x + c)");
  }
  const std::vector<float>& c = float_input(n, k);
  if (layers_.empty() && pending_.empty()) {
    if (inputs_ == 0) {
      if (c.size() == 1) unsupported(n, "the input width is unknown (declare it on the graph input)");
      inputs_ = static_cast<Index>(c.size());
    }
    standardize(n, op, c);
    return;
  }
  if (!layers_.empty() && !dense_remaining()) {
    compose(tail_, width(), op, c, n);
    return;
  }
  if (!layers_.empty() && !layers_.back().has_activation && pending_.empty()) {
    // Right after a dense layer: fold into its W and b (MatMul + Add is a layer with bias).
    Affine a;
    compose(a, width(), op, c, n);
    Layer& l = layers_.back();
    for (Index i = 0; i < l.W.rows(); ++i) {
      l.W.row(i) *= a.scale[static_cast<std::size_t>(i)];
      auto& b = l.b[static_cast<std::size_t>(i)];
      b = b * a.scale[static_cast<std::size_t>(i)] + a.shift[static_cast<std::size_t>(i)];
    }
    return;
  }
  compose(pending_, width(), op, c, n);
}

void Importer::standardize(const onnx::NodeProto& n, const std::string& op, const std::vector<float>& c) {
  if (c.size() != 1 && static_cast<Index>(c.size()) != inputs_) {
    unsupported(n, fmt::format("its constant has {} values for {} inputs", c.size(), inputs_));
  }
  if (mean_.empty()) {
    mean_.assign(static_cast<std::size_t>(inputs_), 0.0f);
    std_.assign(static_cast<std::size_t>(inputs_), 1.0f);
  }
  // (x − m)/s − v = (x − (m + v s))/s;  (x − m)/s / v = (x − m)/(s v)
  for (std::size_t j = 0; j < mean_.size(); ++j) {
    const float v = c.size() == 1 ? c[0] : c[j];
    if (op == "Sub") mean_[j] += v * std_[j];
    else if (op == "Add") mean_[j] -= v * std_[j];
    else if (op == "Div") std_[j] *= v;
    else {
      if (v == 0.0f) unsupported(n, "a multiplication by zero");
      std_[j] /= v;
    }
    if (!(std_[j] > 0.0f) || !std::isfinite(std_[j]) || !std::isfinite(mean_[j])) {
      unsupported(n, fmt::format("standardization of input {} would need std {} (must be finite and > 0)", j, std_[j]));
    }
  }
}

void Importer::batch_norm(const onnx::NodeProto& n) {
  if (n.input_size() != 5) unsupported(n, "BatchNormalization takes 5 inputs");
  // Right after a dense layer (before its activation) it folds into that layer's W and b,
  // elsewhere into the next dense layer.
  const bool into_last = !layers_.empty() && !layers_.back().has_activation && pending_.empty() && tail_.empty();
  if (!into_last && !dense_remaining()) {
    unsupported(n, "BatchNormalization must follow a dense layer or be followed by one to fold into");
  }
  float eps = 1e-5f;
  if (const auto* a = attr(n, "epsilon")) eps = a->f();
  const auto& scale = float_input(n, 1);
  const auto& bias = float_input(n, 2);
  const auto& mean = float_input(n, 3);
  const auto& var = float_input(n, 4);
  const std::size_t w = scale.size();
  if (bias.size() != w || mean.size() != w || var.size() != w || (width() > 0 && static_cast<Index>(w) != width())) {
    unsupported(n, "its scale, bias, mean and var must have one value per feature");
  }
  if (inputs_ == 0) inputs_ = static_cast<Index>(w);
  Affine a;
  a.scale.resize(w);
  a.shift.resize(w);
  for (std::size_t j = 0; j < w; ++j) {
    if (!(var[j] + eps > 0.0f)) fail(fmt::format("{}: var + epsilon must be > 0", describe(n)));
    a.scale[j] = scale[j] / std::sqrt(var[j] + eps);
    a.shift[j] = bias[j] - mean[j] * a.scale[j];
  }
  if (into_last) {
    Layer& l = layers_.back();
    for (Index i = 0; i < l.W.rows(); ++i) {
      const auto u = static_cast<std::size_t>(i);
      l.W.row(i) *= a.scale[u];
      l.b[u] = l.b[u] * a.scale[u] + a.shift[u];
    }
  } else if (pending_.empty()) {
    pending_ = std::move(a);
  } else {
    for (std::size_t j = 0; j < w; ++j) {
      pending_.shift[j] = pending_.shift[j] * a.scale[j] + a.shift[j];
      pending_.scale[j] *= a.scale[j];
    }
  }
}

bool Importer::try_imputation(const std::vector<int>& cs, std::string& cur) {
  if (cs.size() != 2) return false;
  const onnx::NodeProto* isnan = nullptr;
  const onnx::NodeProto* where = nullptr;
  for (int k : cs) {
    const auto& n = g_.node(k);
    if (n.op_type() == "IsNaN") isnan = &n;
    if (n.op_type() == "Where") where = &n;
  }
  if (!isnan || !where) return false;
  if (!layers_.empty() || !mean_.empty() || impute_) unsupported(*isnan, "imputation must come first");
  if (where->input_size() != 3 || where->input(0) != isnan->output(0) || where->input(2) != cur) {
    unsupported(*where, "expected Where(IsNaN(x), means, x)");
  }
  const auto& means = float_input(*where, 1);
  if (inputs_ != 0 && static_cast<Index>(means.size()) != inputs_) unsupported(*where, "one mean per input expected");
  inputs_ = static_cast<Index>(means.size());
  impute_ = means;
  for (int k : cs) used_[static_cast<std::size_t>(k)] = true;
  cur = where->output(0);
  return true;
}

bool Importer::try_gelu(const std::vector<int>& cs, std::string& cur) {
  // x → Div(x, √2) (or Mul(x, 1/√2)) → Erf → Add(1) → Mul(x, ·) → Mul(0.5)
  if (cs.size() != 2 || layers_.empty() || layers_.back().has_activation) return false;
  const onnx::NodeProto* scale = nullptr;
  const onnx::NodeProto* product = nullptr;
  int product_index = -1;
  for (int k : cs) {
    const auto& n = g_.node(k);
    if ((n.op_type() == "Div" || n.op_type() == "Mul") && n.input_size() == 2 && constant(n.input(1))) {
      scale = &n;
    } else if (n.op_type() == "Mul") {
      product = &n;
      product_index = k;
    }
  }
  if (!scale || !product) return false;
  const auto& c = float_input(*scale, 1);
  const float want = scale->op_type() == "Div" ? std::numbers::sqrt2_v<float> : 1.0f / std::numbers::sqrt2_v<float>;
  if (c.size() != 1 || std::abs(c[0] - want) > 1e-5f) return false;
  std::vector<int> chain;
  auto single = [&](const std::string& out, const char* op) -> const onnx::NodeProto* {
    const auto next = open_consumers(out);
    if (next.size() != 1 || g_.node(next[0]).op_type() != op) return nullptr;
    chain.push_back(next[0]);
    return &g_.node(next[0]);
  };
  const onnx::NodeProto* erf = single(scale->output(0), "Erf");
  const onnx::NodeProto* add = erf ? single(erf->output(0), "Add") : nullptr;
  if (!add) return false;
  const int ka = other_input(*add, erf->output(0));
  if (ka < 0 || float_input(*add, ka).size() != 1 || float_input(*add, ka)[0] != 1.0f) return false;
  if (open_consumers(add->output(0)) != std::vector<int>{product_index}) return false;
  if (other_input(*product, cur) < 0 || product->input(other_input(*product, cur)) != add->output(0)) return false;
  const onnx::NodeProto* half = single(product->output(0), "Mul");
  if (!half) return false;
  const int kh = other_input(*half, product->output(0));
  if (kh < 0 || float_input(*half, kh).size() != 1 || float_input(*half, kh)[0] != 0.5f) return false;
  for (int k : cs) used_[static_cast<std::size_t>(k)] = true;
  for (int k : chain) used_[static_cast<std::size_t>(k)] = true;
  layers_.back().act = Activation::gelu;
  layers_.back().has_activation = true;
  cur = half->output(0);
  return true;
}

bool Importer::try_sigmoid_head(const std::vector<int>& cs, std::string& cur) {
  // export_onnx's two-class head: Concat(Sub(1, p), p) → probabilities, GreaterOrEqual(p, 0.5) → label
  if (layers_.empty() || layers_.back().act != Activation::sigmoid || width() != 1 || cs.size() < 2) return false;
  const onnx::NodeProto* sub = nullptr;
  const onnx::NodeProto* cat = nullptr;
  int sub_index = -1, cat_index = -1;
  for (int k : cs) {
    const auto& n = g_.node(k);
    if (n.op_type() == "Sub" && n.input_size() == 2 && n.input(1) == cur) {
      sub = &n;
      sub_index = k;
    }
    if (n.op_type() == "Concat" && n.output_size() == 1 && outputs_.count(n.output(0))) {
      cat = &n;
      cat_index = k;
    }
  }
  if (!sub || !cat || cat->input_size() != 2 || cat->input(0) != sub->output(0) || cat->input(1) != cur) return false;
  const auto& one = float_input(*sub, 0);
  if (one.size() != 1 || one[0] != 1.0f) return false;
  used_[static_cast<std::size_t>(sub_index)] = true;
  used_[static_cast<std::size_t>(cat_index)] = true;
  label_head_ = true;
  cur = cat->output(0);
  return true;
}

/// The graph's size and opsets within what the importer reads.
void Importer::check_limits() {
  if (static_cast<std::size_t>(g_.node_size()) > kMaxOnnxNodes) {
    fail(fmt::format("{} nodes (at most {})", g_.node_size(), kMaxOnnxNodes));
  }
  for (const auto& o : m_.opset_import()) {
    if ((o.domain().empty() || o.domain() == "ai.onnx") && (o.version() < 7 || o.version() > 22)) {
      fail(fmt::format("opset {} is not supported (7..22)", o.version()));
    }
  }
}

/// The name of the graph's one input that is not an initializer, a float32 [N, d] tensor; sets
/// inputs_ from d when the shape gives it.
std::string Importer::find_input() {
  // The one input that is not an initializer.
  std::vector<const onnx::ValueInfoProto*> ins;
  for (const auto& i : g_.input()) {
    if (!consts_.count(i.name())) ins.push_back(&i);
  }
  if (ins.size() != 1) fail(fmt::format("the graph has {} inputs; mlp import needs exactly one", ins.size()));
  const onnx::ValueInfoProto& in = *ins[0];
  if (in.type().has_tensor_type()) {
    const auto& tt = in.type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto::FLOAT) fail(fmt::format("input '{}' must be float32", in.name()));
    if (tt.has_shape()) {
      if (tt.shape().dim_size() != 2) fail(fmt::format("input '{}' has rank {}; mlp import needs [N, features]", in.name(), tt.shape().dim_size()));
      if (tt.shape().dim(1).has_dim_value()) {
        const auto d = tt.shape().dim(1).dim_value();
        if (d <= 0 || d > (std::int64_t{1} << 24)) fail(fmt::format("input '{}' has {} features", in.name(), d));
        inputs_ = d;
      }
    }
  }
  return in.name();
}

/// Follows the chain of nodes from `cur` to a graph output, reading each node into the layers
/// and the preprocessing; returns that output.
std::string Importer::walk_chain(std::string cur) {
  while (!outputs_.count(cur)) {
    const std::vector<int> cs = open_consumers(cur);
    if (cs.empty()) fail(fmt::format("the chain ends at tensor '{}', which is not a graph output", cur));
    if (try_imputation(cs, cur) || try_gelu(cs, cur) || try_sigmoid_head(cs, cur)) continue;
    if (cs.size() != 1) {
      unsupported(g_.node(cs[1]), fmt::format("tensor '{}' feeds {} nodes; only a chain of nodes is supported", cur, cs.size()));
    }
    const onnx::NodeProto& n = g_.node(cs[0]);
    used_[static_cast<std::size_t>(cs[0])] = true;
    const std::string& op = n.op_type();
    if (n.output_size() < 1) unsupported(n, "no output");
    if (op == "Gemm" || op == "MatMul") dense(n, cur);
    else if (op == "Relu") activation(n, Activation::relu);
    else if (op == "LeakyRelu") activation(n, Activation::leaky_relu);
    else if (op == "Sigmoid") activation(n, Activation::sigmoid);
    else if (op == "Tanh") activation(n, Activation::tanh);
    else if (op == "Softmax") activation(n, Activation::softmax);
    else if (op == "Gelu") activation(n, Activation::gelu);
    else if (op == "Sub" || op == "Div" || op == "Mul" || op == "Add") elementwise(n, cur);
    else if (op == "BatchNormalization") batch_norm(n);
    else if (op == "Identity" || op == "Dropout") {
    } else if (op == "Flatten") {
      if (const auto* a = attr(n, "axis"); a && a->i() != 1) unsupported(n, "axis other than 1");
    } else {
      unsupported(n, "this operator is not supported");
    }
    cur = n.output(0);
  }
  return cur;
}

/// After the chain: at least one layer, nothing affine left over, and only export_onnx's label
/// head among the nodes the chain did not use.
void Importer::check_head(const std::string& cur) {
  if (layers_.empty()) fail("the graph has no dense layer (Gemm or MatMul)");
  if (!pending_.empty()) fail("an affine map (BatchNormalization, Mul or Add) after the last dense layer's activation");
  // What is left may only be export_onnx's label head.
  static const std::set<std::string> head_ops{"ArgMax", "Gather", "Cast", "GreaterOrEqual", "Squeeze"};
  std::string label_output;
  for (int k = 0; k < g_.node_size(); ++k) {
    const auto& n = g_.node(k);
    if (used_[static_cast<std::size_t>(k)]) continue;
    if (!head_ops.count(n.op_type())) unsupported(n, "this operator is not supported");
    for (const auto& o : n.output()) {
      if (outputs_.count(o)) label_output = o;
    }
    label_head_ = true;
  }
  for (const auto& o : outputs_) {
    if (o != cur && o != label_output) fail(fmt::format("graph output '{}' is not computed by the chain", o));
  }

}

/// The task, names and preprocessing from the metadata export_onnx writes and what the chain
/// read (imputation, standardization, output rescaling).
Preprocessing Importer::preprocessing() {
  // Metadata written by export_onnx.
  std::map<std::string, std::string> meta;
  for (const auto& p : m_.metadata_props()) meta[p.key()] = p.value();
  auto names = [&](const char* key) {
    std::vector<std::string> out;
    const auto it = meta.find(key);
    if (it == meta.end()) return out;
    const std::string where = fmt::format("{}: metadata {}", src_, key);
    const nlohmann::json j = parse_json(it->second, where);
    if (!j.is_array()) fail(fmt::format("metadata {} must be a JSON array of strings", key));
    for (const auto& v : j) {
      if (!v.is_string()) fail(fmt::format("metadata {} must be a JSON array of strings", key));
      out.push_back(v.get<std::string>());
    }
    return out;
  };
  Preprocessing pre;
  const Activation last = layers_.back().act;
  if (const auto it = meta.find(kMetaTask); it != meta.end()) {
    if (it->second == "classification") pre.task = data::Task::classification;
    else if (it->second == "regression") pre.task = data::Task::regression;
    else fail(fmt::format("metadata {} is '{}', expected classification or regression", kMetaTask, it->second));
  } else {
    pre.task = last == Activation::softmax || label_head_ ? data::Task::classification : data::Task::regression;
  }
  const bool classify = pre.task == data::Task::classification;
  pre.feature_names = names(kMetaFeatures);
  pre.target_names = names(kMetaTargets);
  pre.class_names = names(kMetaClasses);
  if (pre.feature_names.empty()) {
    // A model read by name from CSV files needs feature names: x0, x1, ... in input order.
    for (Index j = 0; j < inputs_; ++j) pre.feature_names.push_back(fmt::format("x{}", j));
  }
  const Index out_units = width();
  if (classify && pre.class_names.empty()) {
    const Index k = out_units == 1 ? 2 : out_units;
    for (Index c = 0; c < k; ++c) pre.class_names.push_back(std::to_string(c));
  }
  if (impute_) pre.imputer = data::Imputer(*impute_);
  if (!mean_.empty()) pre.features = data::Standardizer(mean_, std_);
  if (!tail_.empty()) {
    if (classify) fail("a classifier's output cannot be rescaled (Mul/Add after the last layer)");
    for (float s : tail_.scale) {
      if (!(s > 0.0f)) fail(fmt::format("the output rescaling has factor {} (must be > 0)", s));
    }
    pre.targets = data::Standardizer(tail_.shift, tail_.scale);
  }

  return pre;
}

/// Folding scales and normalizations into the layers can overflow: every constant stays finite.
void Importer::check_finite() {
  // Scales (alpha, beta, Mul, BatchNormalization) and folding can overflow finite constants.
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const auto& b = layers_[k].b;
    if (!layers_[k].W.allFinite() || !std::all_of(b.begin(), b.end(), [](float v) { return std::isfinite(v); })) {
      fail(fmt::format("dense layer {} has non-finite weights or biases (after folding scales and "
                       "normalizations into it)", k));
    }
  }
  for (std::size_t j = 0; j < tail_.shift.size(); ++j) {
    if (!std::isfinite(tail_.scale[j]) || !std::isfinite(tail_.shift[j])) {
      fail(fmt::format("the output rescaling of output {} is not finite", j));
    }
  }
}

Model Importer::run() {
  check_limits();
  collect_constants();
  for (const auto& o : g_.output()) outputs_.insert(o.name());
  check_head(walk_chain(find_input()));
  Preprocessing pre = preprocessing();
  check_finite();
  const bool classify = pre.task == data::Task::classification;
  const Activation last = layers_.back().act;
  ModelSpec spec;
  spec.inputs = inputs_;
  for (const auto& l : layers_) spec.layers.push_back({l.W.rows(), l.act, 1.0});
  spec.leaky_slope = leaky_.value_or(0.01f);
  spec.loss = last == Activation::softmax ? Loss::cross_entropy
              : classify && last == Activation::sigmoid ? Loss::binary_cross_entropy
                                                        : Loss::mse;
  try {
    spec.validate();
  } catch (const ConfigError& e) {
    fail(e.what());
  }
  Network<float> net(spec);
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    net.W(k) = layers_[k].W;
    net.b(k) = Eigen::Map<const MatrixF>(layers_[k].b.data(), static_cast<Index>(layers_[k].b.size()), 1);
  }
  std::map<std::string, std::string> info{{"imported_from", src_}};
  if (!m_.producer_name().empty()) info["onnx_producer"] = m_.producer_name() + " " + m_.producer_version();
  try {
    return Model(std::move(net), std::move(pre), std::move(info));
  } catch (const Error& e) {
    fail(e.what());
  }
}

}  // namespace

Model import_onnx_bytes(std::span<const std::byte> bytes, std::string_view source) {
  if (bytes.size() > kMaxOnnxFileBytes) {
    throw DataError(fmt::format("{}: {} bytes, more than an ONNX file may hold ({})", source, bytes.size(), kMaxOnnxFileBytes));
  }
  onnx::ModelProto m;
  if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw DataError(fmt::format("{}: not an ONNX model (the protobuf does not parse)", source));
  }
  if (!m.has_graph()) throw DataError(fmt::format("{}: not an ONNX model (no graph)", source));
  return Importer(m, source).run();
}

Model import_onnx(const std::filesystem::path& path) {
  const std::vector<std::byte> bytes = read_file(path, kMaxOnnxFileBytes);
  return import_onnx_bytes(bytes, path.string());
}

#endif

}  // namespace mlp::io
