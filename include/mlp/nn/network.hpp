// A multi-layer perceptron: L dense layers, activation chosen per layer (SPEC §1–2).
//
// Layer i = 1..L (stored 0-based as layers.{i-1}):
//   Z[i] = W[i]·A[i−1] + b[i]       W[i]: [n_i x n_{i−1}], b[i]: [n_i x 1], A: [n x m]
//   A[i] = psi[i](Z[i])             (hidden layers: ⊙ D[i]/p with inverted dropout in training)
// Backward, i = L..1, with dJ/dA[L] (or dJ/dZ[L] for the fused losses) already holding 1/m:
//   dZ[i] = dA[i] ⊙ psi'[i](Z[i])
//   dW[i] = dZ[i]·A[i−1]ᵀ           db[i] = Σ_cols dZ[i]
//   dA[i−1] = W[i]ᵀ·dZ[i]
//
// All parameters live in one Parameters<T> with slices layers.{k}.W and layers.{k}.b.
// Buffers are sized by the batch and reused: a step on a batch of the same size as the last one
// allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <span>
#include <vector>

#include "mlp/autograd/graph.hpp"
#include "mlp/nn/names.hpp"
#include "mlp/core/parameters.hpp"
#include "mlp/core/random.hpp"
#include "mlp/core/tensor.hpp"

namespace mlp {

struct LayerSpec {
  Index units = 0;
  Activation activation = Activation::relu;
  /// Inverted-dropout keep-probability of this layer's output, in (0, 1]; 1 = no dropout.
  /// Only hidden layers may drop units.
  double keep_prob = 1.0;
  bool operator==(const LayerSpec&) const = default;
};

/// The declarative description of a network: what the builder produces, what the CLI
/// configuration maps to, and what the model file stores (as JSON, see to_json()).
struct ModelSpec {
  Index inputs = 0;
  std::vector<LayerSpec> layers;  ///< hidden layers, then the output layer (last)
  Loss loss = Loss::mse;
  double leaky_slope = 0.01;
  Init init = Init::he_normal;
  double init_scale = 0.01;  ///< standard deviation for Init::normal
  /// g: multiplies the initial weights of every initializer, W = g · W_init (g·I for
  /// Init::identity); finite and > 0. 1 = the initializer's own formula.
  double init_gain = 1.0;
  std::uint64_t seed = 42;
  bool operator==(const ModelSpec&) const = default;

  /// Throws ConfigError naming the layer and the rule when the description is not valid
  /// (no layers, width <= 0, keep_prob outside (0,1] or on the output layer, softmax on a
  /// hidden layer, a loss that does not fit the output activation).
  void validate() const;
  /// {"inputs": 4, "layers": [{"units": 8, "activation": "relu", "keep_prob": 1.0}, ...],
  ///  "loss": "cross_entropy", "leaky_slope": 0.01, "init": "he_normal", "init_scale": 0.01,
  ///  "init_gain": 1.0, "seed": 42}   (a description without "init_gain" reads as 1.0)
  [[nodiscard]] std::string to_json() const;
  static ModelSpec from_json(std::string_view text);
};

/// A fluent builder that reads like the network:
///   auto spec = ModelBuilder(4).hidden(16, Activation::relu).hidden(8, Activation::tanh)
///                   .output(3, Activation::softmax).loss(Loss::cross_entropy).build();
class ModelBuilder {
 public:
  explicit ModelBuilder(Index inputs) { spec_.inputs = inputs; }
  ModelBuilder& hidden(Index units, Activation psi = Activation::relu, double keep_prob = 1.0);
  ModelBuilder& output(Index units, Activation psi);
  ModelBuilder& loss(Loss l);
  ModelBuilder& init(Init i, double scale = 0.01);
  /// W = gain · W_init (ModelSpec::init_gain), e.g. .init(Init::identity).init_gain(0.5).
  ModelBuilder& init_gain(double gain);
  ModelBuilder& leaky_slope(double a);
  ModelBuilder& seed(std::uint64_t s);
  /// Validates and returns the description.
  [[nodiscard]] ModelSpec build() const;

 private:
  ModelSpec spec_;
  bool has_output_ = false;
};

/// Fills W of shape [n_out x n_in] by the initializer formula (names.hpp), column-major order,
/// times `gain` (ModelSpec::init_gain): the fill of src/nn/initializers/<name>.cpp, through the
/// registry.
template <class T>
void initialize_weights(Init init, double scale, Rng& rng, MatrixMap<T> W, double gain = 1.0);

template <class T>
class Network {
 public:
  /// Builds the layers and initializes the weights from spec.seed (biases zero).
  explicit Network(ModelSpec spec);

  [[nodiscard]] const ModelSpec& spec() const { return spec_; }
  [[nodiscard]] Index inputs() const { return spec_.inputs; }
  [[nodiscard]] Index outputs() const { return spec_.layers.back().units; }
  [[nodiscard]] std::size_t layer_count() const { return spec_.layers.size(); }
  [[nodiscard]] std::string layer_name(std::size_t k) const;

  Parameters<T>& params() { return params_; }
  const Parameters<T>& params() const { return params_; }
  MatrixMap<T> W(std::size_t k) { return params_.value(2 * k); }
  MatrixMap<T> b(std::size_t k) { return params_.value(2 * k + 1); }
  MatrixMap<T> dW(std::size_t k) { return params_.grad(2 * k); }
  MatrixMap<T> db(std::size_t k) { return params_.grad(2 * k + 1); }

  /// Forward pass over a batch X [n_in x m]; returns A[L] [n_out x m]. In training mode hidden
  /// layers apply inverted dropout with masks drawn from `dropout_rng` (required when any
  /// keep_prob < 1). X is copied into a reused buffer (the caller's X may be a temporary), so
  /// that loss(Y, true) can run the backward pass later.
  const Matrix<T>& forward(const MatrixCRef<T>& X, bool training = false,
                           Rng* dropout_rng = nullptr);

  /// A training-mode forward pass that reuses the dropout masks D[i] of the last training pass
  /// (forward(X, true, rng) or forward_backward) instead of drawing new ones, so that costs at
  /// other θ are those of the same thinned network (a line search along that pass's gradient).
  /// X [n_in x m] must have the m columns of that pass; X is kept as by forward().
  const Matrix<T>& forward_with_masks(const MatrixCRef<T>& X);

  /// The cost J of the last forward pass against targets Y [n_out x m] (fused, stable forms).
  /// With `gradient`, also runs the backward pass, setting (or, with accumulate, adding to)
  /// dtheta. Returns J. `weights`: one weight per example (J = (1/m) Σ_j w_j·L_j, nn/loss.hpp),
  /// or empty for the unweighted cost.
  T loss(const MatrixCRef<T>& Y, bool gradient, bool accumulate = false,
         std::span<const T> weights = {});

  /// One training step's forward and backward: forward(X, training, dropout_rng) followed by
  /// loss(Y, true, accumulate), without the copy of X (X only has to live during the call) and
  /// with the batch split over threads() by columns in one parallel region (see
  /// docs/performance.md). Returns J. Afterwards Z, A and dZ are those of the batch, as after
  /// forward + loss; a later loss(Y, true) needs a forward() first.
  /// `weights` as for loss().
  T forward_backward(const MatrixCRef<T>& X, const MatrixCRef<T>& Y, bool training = true,
                     Rng* dropout_rng = nullptr, bool accumulate = false,
                     std::span<const T> weights = {});

  /// Backward pass from dJ/dA[L] (for a user's own loss on the output; 1/m is the caller's).
  void backward(const MatrixCRef<T>& dA_out, bool accumulate = false);

  /// dJ/dX of the last backward pass [n_in x m] (computed only when requested before).
  void set_input_gradient(bool wanted) { want_input_grad_ = wanted; }
  [[nodiscard]] const Matrix<T>& input_gradient() const { return dA_input_; }

  /// Inference: A[L] for X, no dropout. Like forward(X) but X is not copied (so loss(Y, true)
  /// after predict needs a forward() first; loss(Y, false) works).
  const Matrix<T>& predict(const MatrixCRef<T>& X);

  /// Pre-activation Z and output A of layer k from the last forward pass.
  [[nodiscard]] const Matrix<T>& Z(std::size_t k) const { return layers_[k].Z; }
  [[nodiscard]] const Matrix<T>& A(std::size_t k) const { return layers_[k].out(); }
  /// dJ/dA of layer k's input from the last backward pass (k = 0: unused unless input grads).
  [[nodiscard]] const Matrix<T>& dZ(std::size_t k) const { return layers_[k].dZ; }

  /// The network as ONE node of a graph: its value is A[L] for input `x`, its backward is the
  /// per-layer backward above, accumulating into params().dtheta() (and into x's gradient).
  Var node(Graph<T>& g, Var x);

  /// The same network in another scalar type (same weights, converted).
  template <class U>
  [[nodiscard]] Network<U> cast() const {
    Network<U> out(spec_);
    out.params().theta() = params_.theta().template cast<U>();
    return out;
  }

 private:
  struct Layer {
    Matrix<T> Z, act, dropped, mask, dZ, dA;
    bool dropout = false;
    [[nodiscard]] const Matrix<T>& out() const { return dropout ? dropped : act; }
  };
  // Shapes the layer buffers for a batch of m and sets the dropout masks (drawn in layer order).
  void prepare_forward(const MatrixCRef<T>& X, bool training, Rng* dropout_rng);
  void prepare_backward(Index m);
  // Copies X into x_ (kept for dW of layer 0) and runs it through the prepared layers.
  const Matrix<T>& forward_kept_input(const MatrixCRef<T>& X);
  // Columns [c0, c0 + X.cols()) of the batch through every layer; X holds those columns.
  // output_activation false: the output layer stops at its logits Z (a fused loss follows and
  // writes the activated output itself).
  void forward_columns(const MatrixCRef<T>& X, Index c0, bool output_activation = true);
  // The loss of columns [c0, c0 + mc) (normalized by the batch's m); dZ[L] of those columns.
  T loss_columns(const MatrixCRef<T>& Y, Index c0, Index mc, bool gradient,
                 std::span<const T> weights);
  // The backward pass of columns [c0, c0 + X.cols()) from dZ[L] of those columns: the hidden
  // dZ of those columns and their parameter gradients, written (accumulate: added) into G,
  // a vector laid out like dtheta.
  void backward_columns(const MatrixCRef<T>& X, Index c0, T* G, bool accumulate);
  // How many threads a batch of m columns is split over (1: no parallel region).
  [[nodiscard]] int column_threads(Index m) const;
  // The forward pass (do_forward), the loss against *Y (Y non-null) and the backward pass
  // (gradient) of the whole batch, its columns split over column_threads(m) threads in one
  // parallel region; the per-thread gradients are summed into dtheta. Returns J (0 without Y).
  T run_columns(const MatrixCRef<T>& X, const MatrixCRef<T>* Y, bool do_forward, bool gradient,
                bool accumulate, std::span<const T> weights = {});
  void check_targets(const MatrixCRef<T>& Y) const;
  void check_weights(std::span<const T> weights, Index m) const;

  ModelSpec spec_;
  Parameters<T> params_;
  std::vector<Layer> layers_;
  Matrix<T> x_;  // the last forward input, for dW of layer 0
  bool has_forward_ = false;
  bool has_input_ = false;  // x_ holds the last forward input (not after predict/forward_backward)
  std::vector<Vector<T>> grad_parts_;  // per-thread parameter gradients (threads 1..t-1)
  std::vector<T> loss_parts_;          // per-thread costs
  bool fused_output_ = false;
  bool want_input_grad_ = false;
  bool last_training_ = false;
  Matrix<T> dA_input_;
  Matrix<T> loss_A_;  // what an unfused loss writes as its A (a fused one writes the output's)
};

extern template class Network<float>;
extern template class Network<double>;
extern template void initialize_weights<float>(Init, double, Rng&, MatrixMap<float>, double);
extern template void initialize_weights<double>(Init, double, Rng&, MatrixMap<double>, double);

}  // namespace mlp
