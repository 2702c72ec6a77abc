#include "mlp/nn/network.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>
#include <nlohmann/json.hpp>

#include "mlp/nn/activation.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/json.hpp"
#include "mlp/nn/loss.hpp"
#include "initializers/init_def.hpp"

namespace mlp {

// ---- ModelSpec -----------------------------------------------------------------------------

void ModelSpec::validate() const {
  if (inputs <= 0) throw ConfigError(fmt::format("model: input size must be > 0 (got {})", inputs));
  if (layers.empty()) throw ConfigError("model: there must be an output layer");
  if (!(leaky_slope >= 0.0) || !std::isfinite(leaky_slope)) {
    throw ConfigError(fmt::format("model: leaky_slope must be finite and >= 0 (got {})", leaky_slope));
  }
  if (init == Init::normal && (!(init_scale > 0.0) || !std::isfinite(init_scale))) {
    throw ConfigError(fmt::format("model: init_scale must be finite and > 0 (got {})", init_scale));
  }
  if (!(init_gain > 0.0) || !std::isfinite(init_gain)) {
    throw ConfigError(fmt::format("model: init_gain must be finite and > 0 (got {})", init_gain));
  }
  const std::size_t L = layers.size();
  for (std::size_t k = 0; k < L; ++k) {
    const LayerSpec& l = layers[k];
    const bool is_output = k + 1 == L;
    const std::string where = fmt::format("layers.{} ({})", k, is_output ? "output" : "hidden");
    if (l.units <= 0) throw ConfigError(fmt::format("{}: units must be > 0 (got {})", where, l.units));
    if (!(l.keep_prob > 0.0 && l.keep_prob <= 1.0)) {
      throw ConfigError(fmt::format("{}: keep_prob must be in (0, 1] (got {})", where, l.keep_prob));
    }
    if (is_output && l.keep_prob != 1.0) {
      throw ConfigError(fmt::format("{}: dropout is not applied to the output layer", where));
    }
    if (!is_output && !hidden_allowed(l.activation)) {
      throw ConfigError(fmt::format("{}: {} is only valid on the output layer", where,
                                    to_string(l.activation)));
    }
  }
  const Activation out = layers.back().activation;
  const Activation fused = fused_activation(loss);
  if (fused != Activation::identity && out != fused) {
    throw ConfigError(fmt::format(
        "model: loss {} needs a {} output layer (got {}) — it is computed fused with the {}",
        to_string(loss), to_string(fused), to_string(out), to_string(fused)));
  }
  if (loss == Loss::cross_entropy && layers.back().units < 2) {
    throw ConfigError("model: a softmax output needs at least 2 units (use sigmoid + "
                      "binary_cross_entropy for two classes with 1 unit)");
  }
}

std::string ModelSpec::to_json() const {
  nlohmann::json j;
  j["inputs"] = inputs;
  j["layers"] = nlohmann::json::array();
  for (const auto& l : layers) {
    j["layers"].push_back({{"units", l.units},
                           {"activation", std::string(to_string(l.activation))},
                           {"keep_prob", l.keep_prob}});
  }
  j["loss"] = std::string(to_string(loss));
  j["leaky_slope"] = leaky_slope;
  j["init"] = std::string(to_string(init));
  j["init_scale"] = init_scale;
  j["init_gain"] = init_gain;
  j["seed"] = seed;
  return j.dump();
}

ModelSpec ModelSpec::from_json(std::string_view text) {
  const nlohmann::json j = parse_json(text, "model description");
  ModelSpec s;
  try {
    if (!j.is_object()) throw DataError("model description: expected a JSON object");
    auto get_index = [&](const nlohmann::json& v, const char* key) {
      if (!v.is_number_integer()) {
        throw DataError(fmt::format("model description: '{}' must be an integer", key));
      }
      return v.get<Index>();
    };
    s.inputs = get_index(j.at("inputs"), "inputs");
    for (const auto& l : j.at("layers")) {
      LayerSpec ls;
      ls.units = get_index(l.at("units"), "units");
      ls.activation = parse_activation(l.at("activation").get<std::string>());
      ls.keep_prob = l.value("keep_prob", 1.0);
      s.layers.push_back(ls);
    }
    s.loss = parse_loss(j.at("loss").get<std::string>());
    s.leaky_slope = j.value("leaky_slope", 0.01);
    s.init = parse_init(j.value("init", std::string("he_normal")));
    s.init_scale = j.value("init_scale", 0.01);
    s.init_gain = j.value("init_gain", 1.0);  // absent from files written before it existed
    s.seed = j.value("seed", std::uint64_t{42});
  } catch (const nlohmann::json::exception& e) {
    throw DataError(fmt::format("model description: {}", e.what()));
  } catch (const ConfigError& e) {
    throw DataError(fmt::format("model description: {}", e.what()));
  }
  try {
    s.validate();
  } catch (const ConfigError& e) {
    throw DataError(fmt::format("model description: {}", e.what()));
  }
  return s;
}

// ---- ModelBuilder ----------------------------------------------------------------------------

ModelBuilder& ModelBuilder::hidden(Index units, Activation psi, double keep_prob) {
  if (has_output_) throw ConfigError("ModelBuilder: hidden() after output()");
  spec_.layers.push_back(LayerSpec{units, psi, keep_prob});
  return *this;
}
ModelBuilder& ModelBuilder::output(Index units, Activation psi) {
  if (has_output_) throw ConfigError("ModelBuilder: output() given twice");
  spec_.layers.push_back(LayerSpec{units, psi, 1.0});
  has_output_ = true;
  return *this;
}
ModelBuilder& ModelBuilder::loss(Loss l) {
  spec_.loss = l;
  return *this;
}
ModelBuilder& ModelBuilder::init(Init i, double scale) {
  spec_.init = i;
  spec_.init_scale = scale;
  return *this;
}
ModelBuilder& ModelBuilder::init_gain(double gain) {
  spec_.init_gain = gain;
  return *this;
}
ModelBuilder& ModelBuilder::leaky_slope(double a) {
  spec_.leaky_slope = a;
  return *this;
}
ModelBuilder& ModelBuilder::seed(std::uint64_t s) {
  spec_.seed = s;
  return *this;
}
ModelSpec ModelBuilder::build() const {
  if (!has_output_) throw ConfigError("ModelBuilder: call output(units, activation) before build()");
  spec_.validate();
  return spec_;
}

// ---- initialization ------------------------------------------------------------------------

template <class T>
void initialize_weights(Init init, double scale, Rng& rng, MatrixMap<T> W, double gain) {
  // The initializer's own file, src/nn/initializers/<name>.cpp, through the registry.
  nn_detail::init_def(init).fill<T>(scale, gain, rng, W);
}

template void initialize_weights<float>(Init, double, Rng&, MatrixMap<float>, double);
template void initialize_weights<double>(Init, double, Rng&, MatrixMap<double>, double);

// ---- Network -------------------------------------------------------------------------------

template <class T>
Network<T>::Network(ModelSpec spec) : spec_(std::move(spec)) {
  spec_.validate();
  Index n_prev = spec_.inputs;
  for (std::size_t k = 0; k < spec_.layers.size(); ++k) {
    const Index n = spec_.layers[k].units;
    params_.add(fmt::format("layers.{}.W", k), n, n_prev, true);
    params_.add(fmt::format("layers.{}.b", k), n, 1, false);
    n_prev = n;
  }
  layers_.resize(spec_.layers.size());
  Rng rng(spec_.seed);
  for (std::size_t k = 0; k < spec_.layers.size(); ++k) {
    initialize_weights<T>(spec_.init, spec_.init_scale, rng, W(k), spec_.init_gain);
  }
  fused_output_ = fused_activation(spec_.loss) != Activation::identity;
}

template <class T>
std::string Network<T>::layer_name(std::size_t k) const {
  return fmt::format("layers.{}", k);
}

namespace {

/// db (+)= Σ_cols dZ, column by column (contiguous, vectorized).     db [n x 1], dZ [n x m]
template <class T>
void add_column_sums(const MatrixCRef<T>& dZ, bool accumulate, MatrixMap<T> db) {
  auto d = db.col(0);
  if (!accumulate) d.setZero();
  for (Index j = 0; j < dZ.cols(); ++j) d += dZ.col(j);
}

// A batch is split over threads only when every thread gets at least this many columns: below
// that, a thread's share of a step costs less than waking it (docs/performance.md).
constexpr Index kMinColumnsPerThread = 16;
// Forward-only passes (forward, predict) go through the layers this many columns at a time.
constexpr Index kForwardChunk = 512;

/// Columns [first, first + count) of part i of a batch of m split into `parts` parts (multiples
/// of 8 columns, so that every part starts on a 32-byte boundary of a float column block).
std::pair<Index, Index> column_part(Index m, int parts, int i) {
  const Index chunk = ((m + parts - 1) / parts + 7) / 8 * 8;
  const Index first = std::min<Index>(m, chunk * i);
  return {first, std::min<Index>(m - first, chunk)};
}

}  // namespace

template <class T>
int Network<T>::column_threads(Index m) const {
  // double is for gradient checks and tests: one thread, like its gemm.
  if constexpr (!std::is_same_v<T, float>) {
    return 1;
  } else {
    if (in_parallel()) return 1;
    return static_cast<int>(std::clamp<Index>(m / kMinColumnsPerThread, 1, compute_threads()));
  }
}

template <class T>
void Network<T>::prepare_forward(const MatrixCRef<T>& X, bool training, Rng* dropout_rng) {
  if (X.rows() != spec_.inputs) {
    throw ShapeError(fmt::format(
        "layers.0: input has {} features, expected {} — does the data have the training columns?",
        X.rows(), spec_.inputs));
  }
  const Index m = X.cols();
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    Layer& l = layers_[k];
    const LayerSpec& ls = spec_.layers[k];
    const Index n = ls.units;
    l.Z.resize(n, m);
    l.act.resize(n, m);
    // Inverted dropout: A = A ⊙ D / p, D ~ Bernoulli(p); masks drawn layer by layer, column-major.
    l.dropout = training && ls.keep_prob < 1.0;
    if (l.dropout) {
      if (dropout_rng == nullptr) {
        throw ConfigError(fmt::format("{}: dropout in training needs a random generator", layer_name(k)));
      }
      const T p = static_cast<T>(ls.keep_prob);
      l.mask.resize(n, m);
      for (Index i = 0; i < l.mask.size(); ++i) {
        l.mask.data()[i] = dropout_rng->uniform() < ls.keep_prob ? T(1) / p : T(0);
      }
      l.dropped.resize(n, m);
    }
  }
  has_forward_ = true;
  last_training_ = training;
}

template <class T>
void Network<T>::prepare_backward(Index m) {
  for (Layer& l : layers_) l.dZ.resize(l.Z.rows(), m);
  if (!fused_output_) loss_A_.resize(layers_.back().Z.rows(), m);
  if (want_input_grad_) dA_input_.resize(spec_.inputs, m);
}

template <class T>
void Network<T>::forward_columns(const MatrixCRef<T>& X, Index c0, bool output_activation) {
  const Index mc = X.cols();
  if (mc == 0) return;
  const T slope = static_cast<T>(spec_.leaky_slope);
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    Layer& l = layers_[k];
    auto Z = l.Z.middleCols(c0, mc);
    auto A = l.act.middleCols(c0, mc);
    // Z = W·A_prev + b        W [n x n_prev], A_prev [n_prev x mc], b [n x 1]
    if (k == 0) {
      gemm<T>(T(1), W(k), false, X, false, T(0), Z);
    } else {
      gemm<T>(T(1), W(k), false, layers_[k - 1].out().middleCols(c0, mc), false, T(0), Z);
    }
    // Z += b; A = psi(Z). For the ReLU family and identity in one pass, column by column
    // (a column of Z is still in L1 cache when A's column is written).
    const auto bias = b(k).col(0);
    if (k + 1 == layers_.size() && !output_activation) {
      Z.colwise() += bias;  // the fused loss computes A = psi(Z) (loss_columns)
      break;
    }
    switch (spec_.layers[k].activation) {
      case Activation::relu:
        for (Index j = 0; j < mc; ++j) {
          Z.col(j) += bias;
          A.col(j) = Z.col(j).cwiseMax(T(0));
        }
        break;
      case Activation::leaky_relu:
        for (Index j = 0; j < mc; ++j) {
          Z.col(j) += bias;
          A.col(j) = (Z.col(j).array() > T(0)).select(Z.col(j).array(), slope * Z.col(j).array());
        }
        break;
      case Activation::identity:
        for (Index j = 0; j < mc; ++j) {
          Z.col(j) += bias;
          A.col(j) = Z.col(j);
        }
        break;
      default:
        Z.colwise() += bias;
        activation_forward<T>(spec_.layers[k].activation, slope, Z, A);
        break;
    }
    if (l.dropout) l.dropped.middleCols(c0, mc) = A.cwiseProduct(l.mask.middleCols(c0, mc));
  }
}

template <class T>
T Network<T>::loss_columns(const MatrixCRef<T>& Y, Index c0, Index mc, bool gradient,
                           std::span<const T> weights) {
  if (mc == 0) return T(0);
  Layer& last = layers_.back();
  const Index m = last.Z.cols();
  // Fused losses take the logits Z and give dJ/dZ; mse takes A and gives dJ/dA.
  const MatrixCRef<T> out = fused_output_ ? MatrixCRef<T>(last.Z.middleCols(c0, mc))
                                          : MatrixCRef<T>(last.act.middleCols(c0, mc));
  // A fused loss writes the activated output (the same function as the output activation,
  // src/nn/softmax_columns.hpp, activation_forward): the training forward leaves it to the loss.
  MatrixRef<T> A(fused_output_ ? last.act.middleCols(c0, mc) : loss_A_.middleCols(c0, mc));
  const std::span<const T> w = weights.empty() ? weights : weights.subspan(static_cast<std::size_t>(c0),
                                                                           static_cast<std::size_t>(mc));
  if (!gradient) return loss_forward_backward<T>(spec_.loss, out, Y.middleCols(c0, mc), A, nullptr, m, w);
  MatrixRef<T> d(last.dZ.middleCols(c0, mc));
  const T J = loss_forward_backward<T>(spec_.loss, out, Y.middleCols(c0, mc), A, &d, m, w);
  if (!fused_output_) {
    // dZ = dA ⊙ psi'(Z) for the output layer (dA is in dZ now; the kernel allows aliasing).
    activation_backward<T>(spec_.layers.back().activation, static_cast<T>(spec_.leaky_slope),
                           last.Z.middleCols(c0, mc), last.act.middleCols(c0, mc), d, d);
  }
  return J;
}

template <class T>
void Network<T>::backward_columns(const MatrixCRef<T>& X, Index c0, T* G, bool accumulate) {
  const Index mc = X.cols();
  if (mc == 0) {
    if (!accumulate) std::fill(G, G + params_.size(), T(0));
    return;
  }
  const T beta = accumulate ? T(1) : T(0);
  const T slope = static_cast<T>(spec_.leaky_slope);
  const auto grad = [&](std::size_t slot) {
    const ParamSlice& s = params_.slice(slot);
    return MatrixMap<T>(G + s.offset, s.rows, s.cols);
  };
  // db of the output layer; hidden layers get theirs fused into the activation backward below.
  add_column_sums<T>(layers_.back().dZ.middleCols(c0, mc), accumulate, grad(2 * layers_.size() - 1));
  for (std::size_t k = layers_.size(); k-- > 0;) {
    Layer& l = layers_[k];
    const auto dZ = l.dZ.middleCols(c0, mc);
    // dZ and db of layer k are ready. dW = dZ·A_prevᵀ
    if (k == 0) {
      gemm<T>(T(1), dZ, false, X, true, beta, grad(0));
      if (want_input_grad_) gemm<T>(T(1), W(0), true, dZ, false, T(0), dA_input_.middleCols(c0, mc));
      break;
    }
    gemm<T>(T(1), dZ, false, layers_[k - 1].out().middleCols(c0, mc), true, beta, grad(2 * k));
    // dA_prev = Wᵀ·dZ (computed in place in dZ_prev), then through the previous layer's
    // dropout and activation: dZ_prev = (dA_prev ⊙ D/p) ⊙ psi'(Z_prev); db_prev = Σ_cols dZ_prev.
    Layer& p = layers_[k - 1];
    auto pdZ = p.dZ.middleCols(c0, mc);
    const auto pZ = p.Z.middleCols(c0, mc);
    gemm<T>(T(1), W(k), true, dZ, false, T(0), pdZ);
    if (p.dropout) pdZ.array() *= p.mask.middleCols(c0, mc).array();
    const Activation psi = spec_.layers[k - 1].activation;
    auto dbp = grad(2 * (k - 1) + 1).col(0);
    if (!accumulate) dbp.setZero();
    if (psi == Activation::relu) {
      // One pass: dZ = dA ⊙ 1{Z > 0}, db += dZ, column by column.
      for (Index j = 0; j < mc; ++j) {
        auto dz = pdZ.col(j).array();
        dz = (pZ.col(j).array() > T(0)).select(dz, T(0));
        dbp += pdZ.col(j);
      }
    } else if (psi == Activation::leaky_relu) {
      for (Index j = 0; j < mc; ++j) {
        auto dz = pdZ.col(j).array();
        dz = (pZ.col(j).array() > T(0)).select(dz, slope * dz);
        dbp += pdZ.col(j);
      }
    } else {
      activation_backward<T>(psi, slope, pZ, p.act.middleCols(c0, mc), pdZ, pdZ);  // may alias
      for (Index j = 0; j < mc; ++j) dbp += pdZ.col(j);
    }
  }
}

template <class T>
T Network<T>::run_columns(const MatrixCRef<T>& X, const MatrixCRef<T>* Y, bool do_forward,
                          bool gradient, bool accumulate, std::span<const T> weights) {
  const Index m = layers_.back().Z.cols();
  const int t = column_threads(m);
  T* const dtheta = params_.dtheta().data();
  const auto part = [&](int i) -> T {
    const auto [c0, mc] = column_part(m, t, i);
    // X is only read by the forward and backward passes (after predict(), loss(Y, false) has
    // no input).
    if (Y == nullptr) {
      // Forward only: chunks of columns through all layers, so that a chunk's activations are
      // still in cache when the next layer reads them.
      for (Index c = c0; c < c0 + mc; c += kForwardChunk) {
        const Index len = std::min(kForwardChunk, c0 + mc - c);
        forward_columns(X.middleCols(c, len), c);
      }
      return T(0);
    }
    if (do_forward) forward_columns(X.middleCols(c0, mc), c0, /*output_activation=*/!fused_output_);
    const T J = loss_columns(*Y, c0, mc, gradient, weights);
    if (gradient) {
      T* G = i == 0 ? dtheta : grad_parts_[static_cast<std::size_t>(i - 1)].data();
      backward_columns(X.middleCols(c0, mc), c0, G, i == 0 && accumulate);
    }
    return J;
  };
  if (t == 1) return part(0);
  // Thread 0 writes dtheta itself, thread i > 0 its own vector; then each thread adds those
  // vectors into its share of dtheta, in a fixed order (same thread count, same bits).
  if (gradient) {
    grad_parts_.resize(static_cast<std::size_t>(t - 1));
    for (auto& g : grad_parts_) g.resize(params_.dtheta().size());
  }
  loss_parts_.assign(static_cast<std::size_t>(t), T(0));
  parallel_run(t, [&](int i) { loss_parts_[static_cast<std::size_t>(i)] = part(i); });
  if (gradient) {
    parallel_run(t, [&](int i) {
      const Index n = params_.dtheta().size();
      const Index chunk = ((n + t - 1) / t + 15) / 16 * 16;
      const Index first = std::min<Index>(n, chunk * i);
      const Index len = std::min<Index>(n - first, chunk);
      auto d = params_.dtheta().segment(first, len);
      for (const auto& g : grad_parts_) d += g.segment(first, len);
    });
  }
  T J = 0;
  for (const T v : loss_parts_) J += v;
  return J;
}

template <class T>
const Matrix<T>& Network<T>::forward(const MatrixCRef<T>& X, bool training, Rng* dropout_rng) {
  prepare_forward(X, training, dropout_rng);
  return forward_kept_input(X);
}

template <class T>
const Matrix<T>& Network<T>::forward_kept_input(const MatrixCRef<T>& X) {
  // Keep the input for dW of layer 0 (the caller's X may be a temporary).
  x_.resize(X.rows(), X.cols());
  x_ = X;
  has_input_ = true;
  run_columns(x_, nullptr, true, false, false);
  return layers_.back().out();
}

template <class T>
const Matrix<T>& Network<T>::forward_with_masks(const MatrixCRef<T>& X) {
  if (!has_forward_ || !last_training_) {
    throw ConfigError("Network::forward_with_masks: no dropout masks to reuse — run a training "
                      "pass first (forward(X, true, rng) or forward_backward)");
  }
  const Index m = layers_.front().Z.cols();
  if (X.rows() != spec_.inputs || X.cols() != m) {
    throw ShapeError(fmt::format("Network::forward_with_masks: input is {}x{}, but the masks of the "
                                 "last training pass are for {}x{}", X.rows(), X.cols(),
                                 spec_.inputs, m));
  }
  // Z, A and the masks D[i] keep their shapes and values from that pass (prepare_forward not run).
  return forward_kept_input(X);
}

template <class T>
const Matrix<T>& Network<T>::predict(const MatrixCRef<T>& X) {
  prepare_forward(X, false, nullptr);
  has_input_ = false;
  // A small X (a few examples) is copied first: one sequential copy is faster than the GEMV
  // reading the caller's, possibly cold, columns element by element (~1 µs of the 8 µs of a
  // single-example prediction of a 784-256-128-10 network).
  constexpr Index kCopyUpTo = 4096;
  if (X.size() <= kCopyUpTo) {
    x_.resize(X.rows(), X.cols());
    x_ = X;
    run_columns(x_, nullptr, true, false, false);
  } else {
    run_columns(X, nullptr, true, false, false);
  }
  return layers_.back().out();
}

template <class T>
void Network<T>::check_weights(std::span<const T> weights, Index m) const {
  if (!weights.empty() && static_cast<Index>(weights.size()) != m) {
    throw ShapeError(fmt::format("{} (output): {} example weights for a batch of {}",
                                 layer_name(layers_.size() - 1), weights.size(), m));
  }
}

template <class T>
void Network<T>::check_targets(const MatrixCRef<T>& Y) const {
  const Layer& last = layers_.back();
  if (Y.rows() != last.Z.rows() || Y.cols() != last.Z.cols()) {
    throw ShapeError(fmt::format("{} (output): targets are {}x{} but the output is {}x{}",
                                 layer_name(layers_.size() - 1), Y.rows(), Y.cols(),
                                 last.Z.rows(), last.Z.cols()));
  }
}

template <class T>
T Network<T>::loss(const MatrixCRef<T>& Y, bool gradient, bool accumulate,
                   std::span<const T> weights) {
  if (!has_forward_) throw ConfigError("Network::loss: call forward() first");
  check_targets(Y);
  if (gradient && !has_input_) {
    throw ConfigError("Network::loss: the backward pass needs the input of the last forward pass; "
                      "predict() and forward_backward() do not keep it — call forward(X) first");
  }
  check_weights(weights, Y.cols());
  prepare_backward(layers_.back().Z.cols());
  return run_columns(x_, &Y, false, gradient, accumulate, weights);
}

template <class T>
T Network<T>::forward_backward(const MatrixCRef<T>& X, const MatrixCRef<T>& Y, bool training,
                               Rng* dropout_rng, bool accumulate, std::span<const T> weights) {
  prepare_forward(X, training, dropout_rng);
  has_input_ = false;
  check_targets(Y);
  check_weights(weights, Y.cols());
  prepare_backward(X.cols());
  return run_columns(X, &Y, true, true, accumulate, weights);
}

template <class T>
void Network<T>::backward(const MatrixCRef<T>& dA_out, bool accumulate) {
  Layer& last = layers_.back();
  if (dA_out.rows() != last.Z.rows() || dA_out.cols() != last.Z.cols()) {
    throw ShapeError(fmt::format("backward: dA is {}x{} but the output is {}x{}", dA_out.rows(),
                                 dA_out.cols(), last.Z.rows(), last.Z.cols()));
  }
  if (!has_input_) {
    throw ConfigError("Network::backward: needs the input of the last forward pass; predict() and "
                      "forward_backward() do not keep it — call forward(X) first");
  }
  prepare_backward(last.Z.cols());
  activation_backward<T>(spec_.layers.back().activation, static_cast<T>(spec_.leaky_slope), last.Z,
                         last.act, dA_out, last.dZ);
  backward_columns(x_, 0, params_.dtheta().data(), accumulate);
}

template <class T>
Var Network<T>::node(Graph<T>& g, Var x) {
  const auto vx = g.value(x);
  if (vx.rows() != spec_.inputs) {
    throw ShapeError(fmt::format("layers.0: input has {} features, expected {}", vx.rows(), spec_.inputs));
  }
  return g.custom(
      {x}, outputs(), vx.cols(),
      [this](typename Graph<T>::OpContext& c) {
        // The graph owns the input buffer; keep our own copy-free view of it.
        c.value() = forward(c.input_value(0));
      },
      [this](typename Graph<T>::OpContext& c) {
        const bool want_x = c.input_needs_grad(0);
        const bool saved = want_input_grad_;
        want_input_grad_ = want_x;
        forward(c.input_value(0));  // restore this input's activations (the network may be shared)
        backward(c.grad(), /*accumulate=*/true);
        want_input_grad_ = saved;
        if (want_x) c.input_grad(0) += dA_input_;
      },
      "network", /*has_parameters=*/true);
}

template class Network<float>;
template class Network<double>;

}  // namespace mlp
