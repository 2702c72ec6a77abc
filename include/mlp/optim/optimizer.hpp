// Optimizers: update rules that move theta against dtheta (SPEC §4, docs/optimization.md).
//
// Every optimizer works on the flat vectors of a Parameters<T>: its state ("V", "S") is a set
// of vectors aligned element for element with theta, so the state of slice `layers.1.W` is the
// same [offset, offset + size) range as in theta. State is indexed by position, never by memory
// address, and one step counter advances once per call of step(), never once per tensor.
//
// Names (make_optimizer), each publishing its settings with defaults and ranges
// (optimizer_settings):
//   gd                θ := θ − α dθ
//   momentum          V := βV + (1−β)dθ;  θ := θ − αV                    (β = 0.9)
//   momentum_pytorch  V := βV + dθ;  θ := θ − αV, or with nesterov
//                     θ := θ − α(dθ + βV)                                (β = 0.9)
//   rmsprop           S := βS + (1−β)dθ²;  θ := θ − α dθ / (√S + ε)      (β = 0.9, ε = 1e-8)
//   adam              V := β1V + (1−β1)dθ;  S := β2S + (1−β2)dθ²;
//                     θ := θ − α V̂ / (√Ŝ + ε),  V̂ = V/(1−β1^k), Ŝ = S/(1−β2^k)
//                                                         (β1 = 0.9, β2 = 0.999, ε = 1e-8)
//   adamw             θ := θ − α·wd·θ on penalized slices (weights) only, then adam
//                                                         (wd = 0.01, as PyTorch's AdamW)
//   adagrad           S := S + dθ²;  θ := θ − α dθ / (√S + ε)            (ε = 1e-10, PyTorch's)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/parameters.hpp"
#include "mlp/core/setting.hpp"
#include "mlp/core/tensor.hpp"

namespace mlp::optim {

/// The configurable hyperparameters of an optimizer, one field per setting key of
/// optimizer_settings(). An unset field takes the optimizer's registered default; a field set
/// for an optimizer that does not publish it is a ConfigError (a misspelled or misplaced
/// setting is never silently ignored).
struct OptimizerOptions {
  std::string name = "adam";
  std::optional<double> beta{};         ///< momentum, momentum_pytorch, rmsprop
  std::optional<double> beta1{};        ///< adam, adamw
  std::optional<double> beta2{};        ///< adam, adamw
  std::optional<double> epsilon{};      ///< rmsprop, adam, adamw, adagrad
  std::optional<bool> nesterov{};       ///< momentum_pytorch
  std::optional<double> weight_decay{}; ///< adamw (decoupled, weights only)

  /// Sets the field of setting `key` ("beta1", "epsilon", ...; booleans as 0 or 1). Throws
  /// ConfigError for a key that is no optimizer's setting, or a boolean that is not 0 or 1.
  /// Ranges are checked by make_optimizer, against the chosen optimizer's settings.
  void set(std::string_view key, double value);
  /// The field of setting `key` (booleans as 0 or 1), nullopt when unset. ConfigError for a
  /// key that is no optimizer's setting.
  [[nodiscard]] std::optional<double> get(std::string_view key) const;
};

/// Everything an optimizer needs to continue exactly where it stopped (checkpoints).
template <class T>
struct OptimizerState {
  std::string optimizer;                 ///< registry name, e.g. "adam"
  std::uint64_t step = 0;                ///< steps taken so far (k of the last step)
  std::vector<std::string> buffer_names; ///< e.g. {"V", "S"}
  std::vector<Vector<T>> buffers;        ///< each aligned with theta; empty before the first step
};

template <class T>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of params.theta() from params.dtheta() with step size `learning_rate`
  /// (finite, >= 0). The state is allocated at the first step (sized to theta); later steps
  /// allocate nothing. Throws ConfigError for a bad learning rate and ShapeError when theta
  /// no longer has the size the state was built for.
  void step(Parameters<T>& params, T learning_rate);

  /// The registry name ("adam", "momentum_pytorch", ...).
  [[nodiscard]] std::string_view name() const { return options_.name; }
  /// The options with every default filled in.
  [[nodiscard]] const OptimizerOptions& options() const { return options_; }
  /// Vectors of θ's size this optimizer keeps as state (V, S, the weight mask of adamw): its
  /// memory is state_vectors() × θ's size once the first step has run.
  [[nodiscard]] std::size_t state_vectors() const { return specs_.size() + (uses_mask_ ? 1 : 0); }
  /// Number of steps taken (k of the last step; the next step uses k + 1).
  [[nodiscard]] std::uint64_t step_count() const { return step_; }

  /// A copy of the state for a checkpoint.
  [[nodiscard]] OptimizerState<T> state() const;
  /// Restores a state produced by state() of the same optimizer. Validates the name, the
  /// buffer names, equal buffer sizes and finite (and for squared averages non-negative)
  /// values; throws DataError naming the problem. Nothing changes when it throws.
  void load_state(const OptimizerState<T>& state);
  /// Forgets all state (as freshly constructed).
  void reset();
  /// state() into `out`, reusing its memory: once `out` holds buffers of this optimizer's
  /// size, nothing is allocated (the per-step copy of divergence recovery). Before the first
  /// step (out.step == 0) the buffers are left as they are: they mean nothing then.
  void state_into(OptimizerState<T>& out) const;
  /// Puts back a state that state_into() (or state()) of this same optimizer produced, without
  /// load_state's checks, reusing the buffers' memory: the in-memory rollback of a step. A
  /// state of step 0 forgets all state (reset()).
  void rollback_to(const OptimizerState<T>& s);

 protected:
  struct BufferSpec {
    std::string_view name;
    bool nonnegative;  ///< running averages of dθ² can never be negative
  };

  /// `uses_mask`: the optimizer reads penalized_mask() (built once with the state).
  Optimizer(OptimizerOptions resolved, std::vector<BufferSpec> buffers, bool uses_mask = false);

  /// Applies step k (k >= 1) with learning rate lr; buffers() are sized to theta.
  virtual void update(Parameters<T>& params, T lr, std::uint64_t k) = 0;

  std::vector<Vector<T>>& buffers() { return buffers_; }
  /// 1 on elements of penalized slices (weights), 0 on biases; aligned with theta
  /// (empty unless the constructor asked for it).
  const Vector<T>& penalized_mask() const { return mask_; }

 private:
  void ensure_state(const Parameters<T>& params);

  OptimizerOptions options_;
  std::vector<BufferSpec> specs_;
  std::vector<Vector<T>> buffers_;
  Vector<T> mask_;
  bool uses_mask_;
  std::uint64_t step_ = 0;
};

/// Builds the optimizer `options.name` with validated options: every setting it publishes
/// takes the value set or its default and must lie in the setting's range. Unknown name:
/// ConfigError listing the valid names with a did-you-mean; a value out of range, or a setting
/// the optimizer does not publish: ConfigError naming the key (optimizer.beta, ...), the value
/// and the valid range.
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerOptions& options);

/// The registered optimizer names, in registration order.
std::vector<std::string_view> optimizer_names();
/// The settings optimizer `optimizer` reads, with their defaults and ranges (keys as in a
/// configuration file). ConfigError (with a did-you-mean) for an unknown name.
std::span<const Setting> optimizer_settings(std::string_view optimizer);
/// One line describing optimizer `optimizer` (its update rule), for documentation.
std::string_view optimizer_doc(std::string_view optimizer);

extern template class Optimizer<float>;
extern template class Optimizer<double>;
extern template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const OptimizerOptions&);
extern template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const OptimizerOptions&);

}  // namespace mlp::optim
