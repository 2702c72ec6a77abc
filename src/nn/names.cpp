// The registries of activations, losses and initializers: one definition per X(name) of the
// lists in mlp/nn/registry.hpp, indexed by the enum value the same list generates.
#include "mlp/nn/names.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <string>
#include <vector>

#include "activations/activation_def.hpp"
#include "initializers/init_def.hpp"
#include "losses/loss_def.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"

namespace mlp {
namespace nn_detail {
namespace {

#define MLP_ADDRESS_OF_ACTIVATION(n) &activation_##n,
#define MLP_ADDRESS_OF_LOSS(n) &loss_##n,
#define MLP_ADDRESS_OF_INIT(n) &init_##n,
constexpr const ActivationDef* kActivations[] = {MLP_ACTIVATIONS(MLP_ADDRESS_OF_ACTIVATION)};
constexpr const LossDef* kLosses[] = {MLP_LOSSES(MLP_ADDRESS_OF_LOSS)};
constexpr const InitDef* kInits[] = {MLP_INITIALIZERS(MLP_ADDRESS_OF_INIT)};
#undef MLP_ADDRESS_OF_ACTIVATION
#undef MLP_ADDRESS_OF_LOSS
#undef MLP_ADDRESS_OF_INIT

/// The definition of enum value `e`: its position in the registration list.
template <class E, class Def, std::size_t N>
const Def& def_of(std::string_view what, E e, const Def* const (&defs)[N]) {
  const auto i = static_cast<std::size_t>(e);
  if (i >= N) throw ConfigError(fmt::format("no {} has the value {}", what, i));
  return *defs[i];
}

/// Each canonical name followed by its aliases, in the order of the registration list.
template <class E, class Def, std::size_t N>
std::vector<NameEntry<E>> name_entries(const Def* const (&defs)[N]) {
  std::vector<NameEntry<E>> out;
  for (std::size_t i = 0; i < N; ++i) {
    const E e = static_cast<E>(i);
    out.push_back({defs[i]->name, e, defs[i]->doc});
    for (const std::string_view alias : defs[i]->aliases) out.push_back({alias, e, defs[i]->doc});
  }
  return out;
}

}  // namespace

const ActivationDef& activation_def(Activation a) { return def_of("activation", a, kActivations); }
const LossDef& loss_def(Loss l) { return def_of("loss", l, kLosses); }
const InitDef& init_def(Init i) { return def_of("initializer", i, kInits); }

}  // namespace nn_detail

namespace {

template <class E>
E parse_named(std::string_view what, std::string_view name, std::span<const NameEntry<E>> table) {
  for (const auto& entry : table) {
    if (entry.name == name) return entry.value;
  }
  std::vector<std::string_view> names;
  for (const auto& entry : table) names.push_back(entry.name);
  throw ConfigError(unknown_name_message(what, name, names));
}

/// The canonical name of `e`, or "?" for a value outside its enum.
template <class E>
std::string_view name_of(E e, std::span<const NameEntry<E>> table) {
  for (const auto& entry : table) {
    if (entry.value == e) return entry.name;  // the canonical name comes before its aliases
  }
  return "?";
}

}  // namespace

std::span<const NameEntry<Activation>> activation_table() {
  static const std::vector<NameEntry<Activation>> table =
      nn_detail::name_entries<Activation>(nn_detail::kActivations);
  return table;
}
std::span<const NameEntry<Loss>> loss_table() {
  static const std::vector<NameEntry<Loss>> table =
      nn_detail::name_entries<Loss>(nn_detail::kLosses);
  return table;
}
std::span<const NameEntry<Init>> init_table() {
  static const std::vector<NameEntry<Init>> table =
      nn_detail::name_entries<Init>(nn_detail::kInits);
  return table;
}

bool hidden_allowed(Activation a) { return nn_detail::activation_def(a).hidden; }
bool output_allowed(Activation a) { return nn_detail::activation_def(a).output; }

std::string_view to_string(Activation a) { return name_of(a, activation_table()); }
std::string_view to_string(Loss l) { return name_of(l, loss_table()); }
std::string_view to_string(Init i) { return name_of(i, init_table()); }

Activation parse_activation(std::string_view name) {
  return parse_named("activation", name, activation_table());
}
Loss parse_loss(std::string_view name) { return parse_named("loss", name, loss_table()); }
Init parse_init(std::string_view name) { return parse_named("initializer", name, init_table()); }

}  // namespace mlp
