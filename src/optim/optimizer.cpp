// The optimizer base (state handling, step counter, checkpoints) and the registry.
#include "mlp/optim/optimizer.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"
#include "optimizer_impl.hpp"

namespace mlp::optim {

template <class T>
Optimizer<T>::Optimizer(OptimizerOptions resolved, std::vector<BufferSpec> buffers,
                        bool uses_mask)
    : options_(std::move(resolved)), specs_(std::move(buffers)), uses_mask_(uses_mask) {}

template <class T>
void Optimizer<T>::ensure_state(const Parameters<T>& params) {
  const auto n = static_cast<Index>(params.size());
  if (!buffers_.empty() && buffers_.front().size() != n) {
    throw ShapeError(fmt::format(
        "optimizer {}: its state holds {} values per buffer but the parameters have {}; the "
        "model changed since the state was created or loaded (use a fresh optimizer or the "
        "matching model)",
        name(), buffers_.front().size(), n));
  }
  if (buffers_.size() != specs_.size()) buffers_.assign(specs_.size(), Vector<T>::Zero(n));
  if (uses_mask_ && mask_.size() != n) {
    mask_ = Vector<T>::Zero(n);
    for (const auto& s : params.slices()) {
      if (s.penalized) {
        mask_.segment(static_cast<Index>(s.offset), static_cast<Index>(s.size())).setOnes();
      }
    }
  }
}

template <class T>
void Optimizer<T>::step(Parameters<T>& params, T learning_rate) {
  if (!std::isfinite(learning_rate) || learning_rate < T(0)) {
    throw ConfigError(fmt::format(
        "optimizer {}: learning rate must be finite and >= 0 (got {})", name(), learning_rate));
  }
  ensure_state(params);
  ++step_;
  update(params, learning_rate, step_);
}

template <class T>
OptimizerState<T> Optimizer<T>::state() const {
  OptimizerState<T> s;
  s.optimizer = options_.name;
  s.step = step_;
  for (const auto& spec : specs_) s.buffer_names.emplace_back(spec.name);
  s.buffers = buffers_;
  return s;
}

template <class T>
void Optimizer<T>::load_state(const OptimizerState<T>& s) {
  const auto fail = [&](const std::string& why) {
    throw DataError(fmt::format("optimizer state for '{}': {}", options_.name, why));
  };
  if (s.optimizer != options_.name) {
    fail(fmt::format("it was saved by optimizer '{}'; configure optimizer '{}' to resume it",
                     s.optimizer, s.optimizer));
  }
  if (s.buffer_names.size() != specs_.size()) {
    fail(fmt::format("{} buffer names, expected {}", s.buffer_names.size(), specs_.size()));
  }
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (s.buffer_names[i] != specs_[i].name) {
      fail(fmt::format("buffer {} is named '{}', expected '{}'", i, s.buffer_names[i],
                       specs_[i].name));
    }
  }
  if (!s.buffers.empty() && s.buffers.size() != specs_.size()) {
    fail(fmt::format("{} buffers, expected {}", s.buffers.size(), specs_.size()));
  }
  if (s.buffers.empty() && s.step != 0 && !specs_.empty()) {
    fail(fmt::format("step {} but no buffers", s.step));
  }
  for (std::size_t i = 0; i < s.buffers.size(); ++i) {
    const auto& b = s.buffers[i];
    if (b.size() != s.buffers.front().size()) {
      fail(fmt::format("buffer '{}' has {} values, buffer '{}' has {}", specs_[i].name, b.size(),
                       specs_.front().name, s.buffers.front().size()));
    }
    if (!b.allFinite()) fail(fmt::format("buffer '{}' holds non-finite values", specs_[i].name));
    if (specs_[i].nonnegative && b.size() > 0 && b.minCoeff() < T(0)) {
      fail(fmt::format("buffer '{}' (a running average of squares) holds negative values",
                       specs_[i].name));
    }
  }
  buffers_ = s.buffers;
  mask_.resize(0);
  step_ = s.step;
}

template <class T>
void Optimizer<T>::reset() {
  buffers_.clear();
  mask_.resize(0);
  step_ = 0;
}

template class Optimizer<float>;
template class Optimizer<double>;

// ---- option validation ------------------------------------------------------------------

namespace detail {

void reject_unused(const OptimizerOptions& o, std::initializer_list<std::string_view> used) {
  const std::array<std::pair<std::string_view, bool>, 6> fields{{
      {"beta", o.beta.has_value()},
      {"beta1", o.beta1.has_value()},
      {"beta2", o.beta2.has_value()},
      {"eps", o.eps.has_value()},
      {"nesterov", o.nesterov.has_value()},
      {"weight_decay", o.weight_decay.has_value()},
  }};
  std::string settings;
  for (auto u : used) settings += (settings.empty() ? "" : ", ") + std::string(u);
  for (const auto& [key, set] : fields) {
    if (!set) continue;
    bool ok = false;
    for (auto u : used) ok = ok || u == key;
    if (!ok) {
      throw ConfigError(fmt::format(
          "optimizer.{} is not a setting of optimizer '{}' (its settings: {}); remove it or "
          "choose an optimizer that uses it",
          key, o.name, settings.empty() ? std::string("none") : settings));
    }
  }
}

double decay_rate(const OptimizerOptions& o, std::optional<double> value, double fallback,
                  std::string_view key) {
  const double v = value.value_or(fallback);
  if (!std::isfinite(v) || v < 0.0 || v >= 1.0) {
    throw ConfigError(fmt::format("optimizer.{} of '{}' must be in [0, 1) (got {})", key, o.name,
                                  v));
  }
  return v;
}

double positive(const OptimizerOptions& o, std::optional<double> value, double fallback,
                std::string_view key) {
  const double v = value.value_or(fallback);
  if (!std::isfinite(v) || v <= 0.0) {
    throw ConfigError(fmt::format("optimizer.{} of '{}' must be finite and > 0 (got {})", key,
                                  o.name, v));
  }
  return v;
}

double non_negative(const OptimizerOptions& o, std::optional<double> value, double fallback,
                    std::string_view key) {
  const double v = value.value_or(fallback);
  if (!std::isfinite(v) || v < 0.0) {
    throw ConfigError(fmt::format("optimizer.{} of '{}' must be finite and >= 0 (got {})", key,
                                  o.name, v));
  }
  return v;
}

}  // namespace detail

// ---- registry ---------------------------------------------------------------------------

namespace {

template <class T>
using Factory = std::unique_ptr<Optimizer<T>> (*)(const OptimizerOptions&);

template <class T>
struct Entry {
  std::string_view name;
  Factory<T> make;
};

template <class T>
std::vector<Entry<T>> registry() {
#define MLP_REGISTRY_ENTRY(n) Entry<T>{#n, &detail::make_##n<T>},
  return {MLP_OPTIMIZERS(MLP_REGISTRY_ENTRY)};
#undef MLP_REGISTRY_ENTRY
}

}  // namespace

std::vector<std::string_view> optimizer_names() {
  std::vector<std::string_view> names;
  for (const auto& e : registry<double>()) names.push_back(e.name);
  return names;
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerOptions& options) {
  for (const auto& e : registry<T>()) {
    if (e.name == options.name) return e.make(options);
  }
  const auto names = optimizer_names();
  std::string list;
  for (auto n : names) list += (list.empty() ? "" : ", ") + std::string(n);
  throw ConfigError(fmt::format("unknown optimizer '{}'{}; valid names: {}", options.name,
                                did_you_mean(options.name, names), list));
}

template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const OptimizerOptions&);

}  // namespace mlp::optim
