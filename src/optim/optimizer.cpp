// The optimizer base (state handling, step counter, checkpoints) and the registry.
#include "mlp/optim/optimizer.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <string>
#include <type_traits>
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

template <class T>
void Optimizer<T>::state_into(OptimizerState<T>& out) const {
  out.optimizer = options_.name;
  out.step = step_;
  if (out.buffer_names.size() != specs_.size()) {
    out.buffer_names.clear();
    for (const auto& spec : specs_) out.buffer_names.emplace_back(spec.name);
  }
  if (buffers_.empty()) return;  // no step yet: out.buffers keep their memory (step 0 says it)
  out.buffers.resize(buffers_.size());
  for (std::size_t i = 0; i < buffers_.size(); ++i) out.buffers[i] = buffers_[i];  // same size: a copy
}

template <class T>
void Optimizer<T>::rollback_to(const OptimizerState<T>& s) {
  if (s.step == 0) {  // before the first step: no state at all
    reset();
    return;
  }
  buffers_.resize(s.buffers.size());
  for (std::size_t i = 0; i < s.buffers.size(); ++i) buffers_[i] = s.buffers[i];
  step_ = s.step;
}

template class Optimizer<float>;
template class Optimizer<double>;

// ---- settings by key ----------------------------------------------------------------------

namespace {

// Every field of OptimizerOptions by setting key; nesterov is the one boolean.
constexpr std::array<std::string_view, 6> kKeys{"beta",    "beta1",    "beta2",
                                                "epsilon", "nesterov", "weight_decay"};

using RealField = std::optional<double> OptimizerOptions::*;

RealField real_field(std::string_view key) {
  if (key == "beta") return &OptimizerOptions::beta;
  if (key == "beta1") return &OptimizerOptions::beta1;
  if (key == "beta2") return &OptimizerOptions::beta2;
  if (key == "epsilon") return &OptimizerOptions::epsilon;
  if (key == "weight_decay") return &OptimizerOptions::weight_decay;
  return nullptr;
}

[[noreturn]] void unknown_key(std::string_view key) {
  throw ConfigError(unknown_name_message("optimizer setting", key, kKeys));
}

}  // namespace

void OptimizerOptions::set(std::string_view key, double value) {
  if (key == "nesterov") {
    if (value != 0.0 && value != 1.0) {
      throw ConfigError(fmt::format("optimizer.nesterov must be true or false (got {})", value));
    }
    nesterov = value == 1.0;
    return;
  }
  const auto field = real_field(key);
  if (field == nullptr) unknown_key(key);
  this->*field = value;
}

std::optional<double> OptimizerOptions::get(std::string_view key) const {
  if (key == "nesterov") {
    if (!nesterov) return std::nullopt;
    return *nesterov ? 1.0 : 0.0;
  }
  const auto field = real_field(key);
  if (field == nullptr) unknown_key(key);
  return this->*field;
}

// ---- registry ---------------------------------------------------------------------------

namespace {

template <class T>
using Factory = std::unique_ptr<Optimizer<T>> (*)(const OptimizerOptions&);

struct Entry {
  std::string_view name;
  const detail::OptimizerInfo& (*info)();
  Factory<float> make_float;
  Factory<double> make_double;
};

constexpr std::array kRegistry{
#define MLP_REGISTRY_ENTRY(n) \
  Entry{#n, &detail::info_##n, &detail::make_##n<float>, &detail::make_##n<double>},
    MLP_OPTIMIZERS(MLP_REGISTRY_ENTRY)
#undef MLP_REGISTRY_ENTRY
};

const Entry& find(std::string_view name) {
  for (const auto& e : kRegistry) {
    if (e.name == name) return e;
  }
  const auto names = optimizer_names();
  throw ConfigError(unknown_name_message("optimizer", name, names));
}

/// The options of `e` with every published setting filled in (value set or default) and
/// checked against its range; a field set but not published is a ConfigError.
OptimizerOptions resolve(const Entry& e, const OptimizerOptions& options) {
  const auto settings = e.info().settings;
  std::string published;
  for (const auto& s : settings) published += (published.empty() ? "" : ", ") + std::string(s.key);
  for (auto key : kKeys) {
    if (!options.get(key)) continue;
    bool ok = false;
    for (const auto& s : settings) ok = ok || s.key == key;
    if (!ok) {
      throw ConfigError(fmt::format(
          "optimizer.{} is not a setting of optimizer '{}' (its settings: {}); remove it or "
          "choose an optimizer that uses it",
          key, e.name, published.empty() ? std::string("none") : published));
    }
  }
  OptimizerOptions resolved{.name = std::string(e.name)};
  for (const auto& s : settings) {
    const double v = options.get(s.key).value_or(s.default_value);
    if (s.kind != Setting::Kind::boolean && !s.range.contains(v)) {
      throw ConfigError(fmt::format("optimizer.{} of '{}' must be {} (got {})", s.key, e.name,
                                    s.range.text(s.kind == Setting::Kind::integer), v));
    }
    resolved.set(s.key, v);
  }
  return resolved;
}

}  // namespace

std::vector<std::string_view> optimizer_names() {
  std::vector<std::string_view> names;
  for (const auto& e : kRegistry) names.push_back(e.name);
  return names;
}

std::span<const Setting> optimizer_settings(std::string_view optimizer) {
  return find(optimizer).info().settings;
}

std::string_view optimizer_doc(std::string_view optimizer) { return find(optimizer).info().doc; }

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerOptions& options) {
  const Entry& e = find(options.name);
  const OptimizerOptions resolved = resolve(e, options);
  if constexpr (std::is_same_v<T, float>) {
    return e.make_float(resolved);
  } else {
    return e.make_double(resolved);
  }
}

template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const OptimizerOptions&);

}  // namespace mlp::optim
