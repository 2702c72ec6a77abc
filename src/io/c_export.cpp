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

}  // namespace

CSources c_sources(const Model& model, const CExportOptions& options) {
  const std::string& P = options.prefix;
  if (!is_identifier(P)) {
    throw ConfigError(fmt::format("mlp export: --prefix '{}' is not a C identifier (letters, digits "
                                  "and '_', not starting with a digit, at most 64)", P));
  }
  std::string upper = P;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const Network<float>& net = model.network();
  const ModelSpec& spec = net.spec();
  const Preprocessing& pre = model.preprocessing();
  const bool classify = pre.task == data::Task::classification;
  const Index d = net.inputs();
  const Index net_out = net.outputs();
  const Index n_out = classify && net_out == 1 ? 2 : net_out;
  Index widest = d;
  for (const auto& l : spec.layers) widest = std::max(widest, l.units);

  CSources s;
  // ---- header
  std::string& h = s.header;
  h += fmt::format("/* {}.h: a multi-layer perceptron exported by mlp {} (`mlp export --format c{}`).\n"
                   " * Dependency-free C99; see {}.c. Do not edit: export the model again. */\n",
                   P, MLP_VERSION, options.int8 ? " --int8" : "", P);
  h += fmt::format("#ifndef {0}_H\n#define {0}_H\n\n", upper);
  h += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h += fmt::format("/* Inputs: raw features in this order{}. */\n#define {}_N_FEATURES {}\n", pre.imputer ? " (NaN: missing, filled with the training mean)" : "", upper, d);
  h += fmt::format("/* Outputs: {}. */\n#define {}_N_OUTPUTS {}\n", classify ? "class probabilities" : "predictions in the original units", upper, n_out);
  h += fmt::format("#define {}_IS_CLASSIFIER {}\n\n", upper, classify ? 1 : 0);
  if (!pre.feature_names.empty()) h += fmt::format("extern const char *const {}_feature_names[{}];\n", P, d);
  if (classify) h += fmt::format("extern const char *const {}_class_names[{}];\n", P, n_out);
  if (!classify && !pre.target_names.empty()) h += fmt::format("extern const char *const {}_target_names[{}];\n", P, n_out);
  h += fmt::format("\n/* Writes {0}_N_OUTPUTS values to out for the {0}_N_FEATURES values of features; returns\n"
                   " * the predicted class index (classifiers) or 0. No allocation; about {1} floats of stack. */\n"
                   "int {2}_predict(const float *features, float *out);\n\n",
                   upper, 2 * widest, P);
  h += "#ifdef __cplusplus\n}\n#endif\n\n";
  h += fmt::format("#endif /* {}_H */\n", upper);

  // ---- source
  std::string& c = s.source;
  std::size_t& bytes = s.weight_bytes;
  c += fmt::format("/* {}.c: generated by mlp {} (`mlp export --format c{}`). Do not edit. */\n", P, MLP_VERSION,
                   options.int8 ? " --int8" : "");
  c += fmt::format("#include \"{}.h\"\n\n#include <math.h>\n\n#define {}_WIDEST {}\n\n", P, upper, widest);
  if (!pre.feature_names.empty()) {
    c += fmt::format("const char *const {}_feature_names[{}] = {{\n", P, d);
    for (const auto& n : pre.feature_names) c += "  " + c_string(n) + ",\n";
    c += "};\n";
  }
  if (classify) {
    c += fmt::format("const char *const {}_class_names[{}] = {{\n", P, n_out);
    for (const auto& n : pre.class_names) c += "  " + c_string(n) + ",\n";
    c += "};\n";
  }
  if (!classify && !pre.target_names.empty()) {
    c += fmt::format("const char *const {}_target_names[{}] = {{\n", P, n_out);
    for (const auto& n : pre.target_names) c += "  " + c_string(n) + ",\n";
    c += "};\n";
  }
  c += "\n";
  if (pre.imputer) float_array(c, P + "_impute", pre.imputer->means(), bytes);
  if (pre.features) {
    float_array(c, P + "_mean", pre.features->mean(), bytes);
    float_array(c, P + "_std", divisors(pre.features->stddev()), bytes);
  }
  if (!classify && pre.targets) {
    float_array(c, P + "_target_mean", pre.targets->mean(), bytes);
    float_array(c, P + "_target_std", divisors(pre.targets->stddev()), bytes);
  }
  Index fan_in = d;
  for (std::size_t k = 0; k < net.layer_count(); ++k) {
    const Index units = spec.layers[k].units;
    const ConstMatrixMap<float> W(net.params().value(2 * k).data(), units, fan_in);
    const float* b = net.params().value(2 * k + 1).data();
    if (options.int8) {
      std::vector<int> q(static_cast<std::size_t>(units * fan_in));
      std::vector<float> scale(static_cast<std::size_t>(units));
      for (Index i = 0; i < units; ++i) {
        const float m = W.row(i).cwiseAbs().maxCoeff();
        const float sc = m > 0.0f ? m / 127.0f : 1.0f;
        scale[static_cast<std::size_t>(i)] = sc;
        for (Index j = 0; j < fan_in; ++j) {
          const long v = std::lround(W(i, j) / sc);
          q[static_cast<std::size_t>(i * fan_in + j)] = static_cast<int>(std::clamp(v, -127L, 127L));
        }
      }
      int8_array(c, fmt::format("{}_W{}", P, k), q, bytes);
      float_array(c, fmt::format("{}_S{}", P, k), scale, bytes);
    } else {
      std::vector<float> w(static_cast<std::size_t>(units * fan_in));
      for (Index i = 0; i < units; ++i) {
        for (Index j = 0; j < fan_in; ++j) w[static_cast<std::size_t>(i * fan_in + j)] = W(i, j);
      }
      float_array(c, fmt::format("{}_W{}", P, k), w, bytes);
    }
    float_array(c, fmt::format("{}_B{}", P, k), std::vector<float>(b, b + units), bytes);
    fan_in = units;
  }

  const bool uses_gelu = std::any_of(spec.layers.begin(), spec.layers.end(),
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
  c += options.int8 ? "    const signed char *W, const float *S, const float *B) {\n"
                    : "    const float *W, const float *B) {\n";
  c += "  int i, j;\n  for (i = 0; i < n_out; ++i) {\n    float z = 0.0f;\n";
  if (options.int8) {
    c += "    const signed char *w = W + (long)i * n_in;\n"
         "    for (j = 0; j < n_in; ++j) z += (float)w[j] * in[j];\n"
         "    out[i] = B[i] + S[i] * z;\n";
  } else {
    c += "    const float *w = W + (long)i * n_in;\n"
         "    for (j = 0; j < n_in; ++j) z += w[j] * in[j];\n"
         "    out[i] = z + B[i];\n";
  }
  c += "  }\n}\n";

  c += fmt::format("\nint {}_predict(const float *features, float *out) {{\n", P);
  c += fmt::format("  float a[{0}_WIDEST], z[{0}_WIDEST];\n  int i;\n  int best = 0;\n", upper);
  c += fmt::format("  for (i = 0; i < {}; ++i) {{\n    float x = features[i];\n", d);
  if (pre.imputer) c += fmt::format("    if (x != x) x = {}_impute[i];\n", P);
  if (pre.features) c += fmt::format("    x = (x - {0}_mean[i]) / {0}_std[i];\n", P);
  c += "    a[i] = x;\n  }\n";
  fan_in = d;
  for (std::size_t k = 0; k < net.layer_count(); ++k) {
    const LayerSpec& l = spec.layers[k];
    if (options.int8) {
      c += fmt::format("  {0}_dense(a, {1}, z, {2}, {0}_W{3}, {0}_S{3}, {0}_B{3});\n", P, fan_in, l.units, k);
    } else {
      c += fmt::format("  {0}_dense(a, {1}, z, {2}, {0}_W{3}, {0}_B{3});\n", P, fan_in, l.units, k);
    }
    const std::string loop = fmt::format("  for (i = 0; i < {}; ++i) ", l.units);
    switch (l.activation) {
      case Activation::identity:
        c += loop + "a[i] = z[i];\n";
        break;
      case Activation::relu:
        c += loop + "a[i] = z[i] > 0.0f ? z[i] : 0.0f;\n";
        break;
      case Activation::leaky_relu:
        c += loop + fmt::format("a[i] = z[i] > 0.0f ? z[i] : {} * z[i];\n", literal(static_cast<float>(spec.leaky_slope)));
        break;
      case Activation::sigmoid:
        c += loop + "a[i] = 0.5f * (tanhf(0.5f * z[i]) + 1.0f);\n";
        break;
      case Activation::tanh:
        c += loop + "a[i] = tanhf(z[i]);\n";
        break;
      case Activation::gelu:
        c += loop + fmt::format("a[i] = z[i] * 0.5f * {}_erfc(-z[i] * 0.70710678f);\n", P);
        break;
      case Activation::softmax:
        c += fmt::format(
            "  {{\n    float m = z[0], sum = 0.0f;\n"
            "    for (i = 1; i < {0}; ++i) if (z[i] > m) m = z[i];\n"
            "    for (i = 0; i < {0}; ++i) {{ a[i] = expf(z[i] - m); sum += a[i]; }}\n"
            "    for (i = 0; i < {0}; ++i) a[i] /= sum;\n  }}\n",
            l.units);
        break;
    }
    fan_in = l.units;
  }
  if (classify) {
    if (net_out == 1) {
      c += "  out[0] = 1.0f - a[0];\n  out[1] = a[0];\n  best = a[0] >= 0.5f ? 1 : 0;\n";
    } else {
      c += fmt::format("  for (i = 0; i < {}; ++i) {{\n    out[i] = a[i];\n    if (a[i] > a[best]) best = i;\n  }}\n",
                       net_out);
    }
  } else if (pre.targets) {
    c += fmt::format("  for (i = 0; i < {}; ++i) out[i] = a[i] * {}_target_std[i] + {}_target_mean[i];\n", net_out, P, P);
  } else {
    c += fmt::format("  for (i = 0; i < {}; ++i) out[i] = a[i];\n", net_out);
  }
  c += "  return best;\n}\n";
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
