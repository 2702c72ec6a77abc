// mlp::io::export_c: a model as dependency-free C99 (include/mlp/io/c_export.hpp).
#include "mlp/io/c_export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/io/atomic_file.hpp"

namespace mlp::io {
namespace {

/// A float literal that reads back as the same float: shortest digits, always with '.' or 'e'.
std::string literal(float v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

/// A C string literal: printable ASCII kept, everything else as an octal escape.
std::string c_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f && c != '?') {  // '?' escaped: no trigraphs
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\{:03o}", c);
    }
  }
  return out + "\"";
}

bool is_identifier(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

/// `static const float NAME[N] = {...};` with 8 values a line.
void float_array(std::string& out, const std::string& name, const std::vector<float>& v, std::size_t& bytes) {
  out += fmt::format("static const float {}[{}] = {{", name, v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += i % 8 == 0 ? "\n  " : " ";
    out += literal(v[i]);
    if (i + 1 < v.size()) out += ",";
  }
  out += "\n};\n";
  bytes += v.size() * sizeof(float);
}

void int8_array(std::string& out, const std::string& name, const std::vector<int>& v, std::size_t& bytes) {
  out += fmt::format("static const signed char {}[{}] = {{", name, v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += i % 16 == 0 ? "\n  " : " ";
    out += fmt::format("{}", v[i]);
    if (i + 1 < v.size()) out += ",";
  }
  out += "\n};\n";
  bytes += v.size();
}

std::vector<float> divisors(const std::vector<float>& stddev) {
  std::vector<float> s(stddev.size());
  for (std::size_t j = 0; j < s.size(); ++j) s[j] = stddev[j] > 0.0f ? stddev[j] : 1.0f;  // as data::Standardizer
  return s;
}


/// What every part of the generated C needs to know about the model.
struct CModel {
  const CExportOptions& options;
  const std::string& P;  // the prefix of every name
  std::string upper;     // P in capitals, for macros
  const Network<float>& net;
  const ModelSpec& spec;
  const Preprocessing& pre;
  bool classify;
  Index d;        // inputs
  Index net_out;  // the network's outputs
  Index n_out;    // values written to out[] (2 for one sigmoid unit)
  Index widest;   // the widest layer, inputs included

  CModel(const Model& model, const CExportOptions& o)
      : options(o), P(o.prefix), net(model.network()), spec(net.spec()),
        pre(model.preprocessing()) {
    for (const char ch : P) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    classify = pre.task == data::Task::classification;
    d = net.inputs();
    net_out = net.outputs();
    n_out = classify && net_out == 1 ? 2 : net_out;
    widest = d;
    for (const auto& l : spec.layers) widest = std::max(widest, l.units);
  }
};

/// PREFIX.h: the sizes, the name tables and PREFIX_predict.
std::string c_header(const CModel& m) {
  const std::string& P = m.P;
  const std::string& upper = m.upper;
  std::string h;
  h += fmt::format("/* {}.h: a multi-layer perceptron exported by mlp {} (`mlp export --format c{}`).\n"
                   " * Dependency-free C99; see {}.c. Do not edit: export the model again. */\n",
                   P, MLP_VERSION, m.options.int8 ? " --int8" : "", P);
  h += fmt::format("#ifndef {0}_H\n#define {0}_H\n\n", upper);
  h += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h += fmt::format("/* Inputs: raw features in this order{}. */\n#define {}_N_FEATURES {}\n", m.pre.imputer ? " (NaN: missing, filled with the training mean)" : "", upper, m.d);
  h += fmt::format("/* Outputs: {}. */\n#define {}_N_OUTPUTS {}\n", m.classify ? "class probabilities" : "predictions in the original units", upper, m.n_out);
  h += fmt::format("#define {}_IS_CLASSIFIER {}\n\n", upper, m.classify ? 1 : 0);
  if (!m.pre.feature_names.empty()) h += fmt::format("extern const char *const {}_feature_names[{}];\n", P, m.d);
  if (m.classify) h += fmt::format("extern const char *const {}_class_names[{}];\n", P, m.n_out);
  if (!m.classify && !m.pre.target_names.empty()) h += fmt::format("extern const char *const {}_target_names[{}];\n", P, m.n_out);
  h += fmt::format("\n/* Writes {0}_N_OUTPUTS values to out for the {0}_N_FEATURES values of features; returns\n"
                   " * the predicted class index (classifiers) or 0. No allocation; about {1} floats of stack. */\n"
                   "int {2}_predict(const float *features, float *out);\n\n",
                   upper, 2 * m.widest, P);
  h += "#ifdef __cplusplus\n}\n#endif\n\n";
  h += fmt::format("#endif /* {}_H */\n", upper);
  return h;
}

/// `const char *const NAME[N] = {...};` of the strings `names`.
void name_table(std::string& c, const std::string& name, Index n, const std::vector<std::string>& names) {
  c += fmt::format("const char *const {}[{}] = {{\n", name, n);
  for (const auto& s : names) c += "  " + c_string(s) + ",\n";
  c += "};\n";
}

/// The feature, class and target name tables, then the preprocessing constants.
void c_preprocessing(const CModel& m, std::string& c, std::size_t& bytes) {
  const std::string& P = m.P;
  if (!m.pre.feature_names.empty()) name_table(c, P + "_feature_names", m.d, m.pre.feature_names);
  if (m.classify) name_table(c, P + "_class_names", m.n_out, m.pre.class_names);
  if (!m.classify && !m.pre.target_names.empty()) name_table(c, P + "_target_names", m.n_out, m.pre.target_names);
  c += "\n";
  if (m.pre.imputer) float_array(c, P + "_impute", m.pre.imputer->means(), bytes);
  if (m.pre.features) {
    float_array(c, P + "_mean", m.pre.features->mean(), bytes);
    float_array(c, P + "_std", divisors(m.pre.features->stddev()), bytes);
  }
  if (!m.classify && m.pre.targets) {
    float_array(c, P + "_target_mean", m.pre.targets->mean(), bytes);
    float_array(c, P + "_target_std", divisors(m.pre.targets->stddev()), bytes);
  }
}

/// Layer k's weights W [units x fan_in] row by row: floats, or (--int8) symmetric per-row
/// quantized values q = round(W / s), s = max|W[i,:]| / 127, with the scales; then its biases.
void c_layer_arrays(const CModel& m, std::size_t k, Index fan_in, std::string& c, std::size_t& bytes) {
  const Index units = m.spec.layers[k].units;
  const ConstMatrixMap<float> W(m.net.params().value(2 * k).data(), units, fan_in);
  const float* b = m.net.params().value(2 * k + 1).data();
  if (m.options.int8) {
    std::vector<int> q(static_cast<std::size_t>(units * fan_in));
    std::vector<float> scale(static_cast<std::size_t>(units));
    for (Index i = 0; i < units; ++i) {
      const float mx = W.row(i).cwiseAbs().maxCoeff();
      const float sc = mx > 0.0f ? mx / 127.0f : 1.0f;
      scale[static_cast<std::size_t>(i)] = sc;
      for (Index j = 0; j < fan_in; ++j) {
        const long v = std::lround(W(i, j) / sc);
        q[static_cast<std::size_t>(i * fan_in + j)] = static_cast<int>(std::clamp(v, -127L, 127L));
      }
    }
    int8_array(c, fmt::format("{}_W{}", m.P, k), q, bytes);
    float_array(c, fmt::format("{}_S{}", m.P, k), scale, bytes);
  } else {
    std::vector<float> w(static_cast<std::size_t>(units * fan_in));
    for (Index i = 0; i < units; ++i) {
      for (Index j = 0; j < fan_in; ++j) w[static_cast<std::size_t>(i * fan_in + j)] = W(i, j);
    }
    float_array(c, fmt::format("{}_W{}", m.P, k), w, bytes);
  }
  float_array(c, fmt::format("{}_B{}", m.P, k), std::vector<float>(b, b + units), bytes);
}

/// PREFIX_erfc (when a layer uses GELU) and PREFIX_dense: out[i] = b[i] + sum_j W[i][j] in[j].
void c_kernels(const CModel& m, std::string& c) {
  const std::string& P = m.P;
  const bool uses_gelu = std::any_of(m.spec.layers.begin(), m.spec.layers.end(),
                                     [](const LayerSpec& l) { return l.activation == Activation::gelu; });
  if (uses_gelu) {
    c += fmt::format(
        "\n/* erfc(x) with relative error below 1.2e-7 (Numerical Recipes' Chebyshev fit), from expf. */\n"
        "static float {0}_erfc(float x) {{\n"
        "  const float z = x < 0.0f ? -x : x;\n"
        "  const float t = 1.0f / (1.0f + 0.5f * z);\n"
        "  const float r = t * expf(-z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f +\n"
        "      t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f +\n"
        "      t * (-0.82215223f + t * 0.17087277f)))))))));\n"
        "  return x >= 0.0f ? r : 2.0f - r;\n"
        "}}\n",
        P);
  }
  // One dense layer: out[i] = act(b[i] + sum_j W[i][j] in[j]).
  c += fmt::format("\nstatic void {}_dense(const float *in, int n_in, float *out, int n_out,\n", P);
  c += m.options.int8 ? "    const signed char *W, const float *S, const float *B) {\n"
                      : "    const float *W, const float *B) {\n";
  c += "  int i, j;\n  for (i = 0; i < n_out; ++i) {\n    float z = 0.0f;\n";
  if (m.options.int8) {
    c += "    const signed char *w = W + (long)i * n_in;\n"
         "    for (j = 0; j < n_in; ++j) z += (float)w[j] * in[j];\n"
         "    out[i] = B[i] + S[i] * z;\n";
  } else {
    c += "    const float *w = W + (long)i * n_in;\n"
         "    for (j = 0; j < n_in; ++j) z += w[j] * in[j];\n"
         "    out[i] = z + B[i];\n";
  }
  c += "  }\n}\n";
}

/// The statement applying layer l's activation to z[0..units) into a[].
std::string c_activation(const CModel& m, const LayerSpec& l) {
  const std::string loop = fmt::format("  for (i = 0; i < {}; ++i) ", l.units);
  switch (l.activation) {
    case Activation::identity:
      return loop + "a[i] = z[i];\n";
    case Activation::relu:
      return loop + "a[i] = z[i] > 0.0f ? z[i] : 0.0f;\n";
    case Activation::leaky_relu:
      return loop + fmt::format("a[i] = z[i] > 0.0f ? z[i] : {} * z[i];\n", literal(static_cast<float>(m.spec.leaky_slope)));
    case Activation::sigmoid:
      return loop + "a[i] = 0.5f * (tanhf(0.5f * z[i]) + 1.0f);\n";
    case Activation::tanh:
      return loop + "a[i] = tanhf(z[i]);\n";
    case Activation::gelu:
      return loop + fmt::format("a[i] = z[i] * 0.5f * {}_erfc(-z[i] * 0.70710678f);\n", m.P);
    case Activation::softmax:
      return fmt::format(
          "  {{\n    float m = z[0], sum = 0.0f;\n"
          "    for (i = 1; i < {0}; ++i) if (z[i] > m) m = z[i];\n"
          "    for (i = 0; i < {0}; ++i) {{ a[i] = expf(z[i] - m); sum += a[i]; }}\n"
          "    for (i = 0; i < {0}; ++i) a[i] /= sum;\n  }}\n",
          l.units);
  }
  return {};
}

/// PREFIX_predict: preprocessing, every layer, then the outputs (and the best class).
void c_predict(const CModel& m, std::string& c) {
  const std::string& P = m.P;
  c += fmt::format("\nint {}_predict(const float *features, float *out) {{\n", P);
  c += fmt::format("  float a[{0}_WIDEST], z[{0}_WIDEST];\n  int i;\n  int best = 0;\n", m.upper);
  c += fmt::format("  for (i = 0; i < {}; ++i) {{\n    float x = features[i];\n", m.d);
  if (m.pre.imputer) c += fmt::format("    if (x != x) x = {}_impute[i];\n", P);
  if (m.pre.features) c += fmt::format("    x = (x - {0}_mean[i]) / {0}_std[i];\n", P);
  c += "    a[i] = x;\n  }\n";
  Index fan_in = m.d;
  for (std::size_t k = 0; k < m.net.layer_count(); ++k) {
    const LayerSpec& l = m.spec.layers[k];
    if (m.options.int8) {
      c += fmt::format("  {0}_dense(a, {1}, z, {2}, {0}_W{3}, {0}_S{3}, {0}_B{3});\n", P, fan_in, l.units, k);
    } else {
      c += fmt::format("  {0}_dense(a, {1}, z, {2}, {0}_W{3}, {0}_B{3});\n", P, fan_in, l.units, k);
    }
    c += c_activation(m, l);
    fan_in = l.units;
  }
  if (m.classify) {
    if (m.net_out == 1) {
      c += "  out[0] = 1.0f - a[0];\n  out[1] = a[0];\n  best = a[0] >= 0.5f ? 1 : 0;\n";
    } else {
      c += fmt::format("  for (i = 0; i < {}; ++i) {{\n    out[i] = a[i];\n    if (a[i] > a[best]) best = i;\n  }}\n",
                       m.net_out);
    }
  } else if (m.pre.targets) {
    c += fmt::format("  for (i = 0; i < {}; ++i) out[i] = a[i] * {}_target_std[i] + {}_target_mean[i];\n", m.net_out, P, P);
  } else {
    c += fmt::format("  for (i = 0; i < {}; ++i) out[i] = a[i];\n", m.net_out);
  }
  c += "  return best;\n}\n";
}

}  // namespace

CSources c_sources(const Model& model, const CExportOptions& options) {
  if (!is_identifier(options.prefix)) {
    throw ConfigError(fmt::format("mlp export: --prefix '{}' is not a C identifier (letters, digits "
                                  "and '_', not starting with a digit, at most 64)", options.prefix));
  }
  const CModel m(model, options);
  CSources s;
  s.header = c_header(m);
  std::string& c = s.source;
  c += fmt::format("/* {}.c: generated by mlp {} (`mlp export --format c{}`). Do not edit. */\n", m.P, MLP_VERSION,
                   options.int8 ? " --int8" : "");
  c += fmt::format("#include \"{}.h\"\n\n#include <math.h>\n\n#define {}_WIDEST {}\n\n", m.P, m.upper, m.widest);
  c_preprocessing(m, c, s.weight_bytes);
  Index fan_in = m.d;
  for (std::size_t k = 0; k < m.net.layer_count(); ++k) {
    c_layer_arrays(m, k, fan_in, c, s.weight_bytes);
    fan_in = m.spec.layers[k].units;
  }
  c_kernels(m, c);
  c_predict(m, c);
  return s;
}

CExportResult export_c(const Model& model, const std::filesystem::path& dir, const CExportOptions& options) {
  const CSources s = c_sources(model, options);
  CExportResult r;
  r.header = dir / (options.prefix + ".h");
  r.source = dir / (options.prefix + ".c");
  r.weight_bytes = s.weight_bytes;
  // DIR itself is created when missing (its parent must exist); an existing DIR keeps its other files.
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    std::filesystem::create_directory(dir, ec);
    if (ec || !std::filesystem::is_directory(dir)) {
      throw IoError(fmt::format("{}: {}", dir.string(), ec ? ec.message() : std::string("Not a directory")));
    }
  }
  write_file_atomic(r.header, s.header);
  write_file_atomic(r.source, s.source);
  return r;
}

}  // namespace mlp::io
