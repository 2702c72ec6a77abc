#include "mlp/nn/names.hpp"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"

namespace mlp {
namespace {

template <class E, std::size_t N>
E parse_named(std::string_view what, std::string_view name,
              const std::array<std::pair<std::string_view, E>, N>& table) {
  for (const auto& [n, e] : table) {
    if (n == name) return e;
  }
  std::vector<std::string_view> names;
  for (const auto& [n, e] : table) names.push_back(n);
  throw ConfigError(unknown_name_message(what, name, names));
}

constexpr std::array<std::pair<std::string_view, Activation>, 7> kActivations{{
    {"identity", Activation::identity},
    {"linear", Activation::identity},
    {"relu", Activation::relu},
    {"leaky_relu", Activation::leaky_relu},
    {"sigmoid", Activation::sigmoid},
    {"tanh", Activation::tanh},
    {"softmax", Activation::softmax},
}};

constexpr std::array<std::pair<std::string_view, Loss>, 3> kLosses{{
    {"mse", Loss::mse},
    {"binary_cross_entropy", Loss::binary_cross_entropy},
    {"cross_entropy", Loss::cross_entropy},
}};

constexpr std::array<std::pair<std::string_view, Init>, 9> kInits{{
    {"zeros", Init::zeros},
    {"normal", Init::normal},
    {"he_normal", Init::he_normal},
    {"he_uniform", Init::he_uniform},
    {"glorot_normal", Init::glorot_normal},
    {"glorot_uniform", Init::glorot_uniform},
    {"xavier", Init::glorot_normal},
    {"xavier_normal", Init::glorot_normal},
    {"xavier_uniform", Init::glorot_uniform},
}};

template <class E, std::size_t N>
std::string_view name_of(E e, const std::array<std::pair<std::string_view, E>, N>& table) {
  for (const auto& [n, v] : table) {
    if (v == e) return n;
  }
  return "?";
}

}  // namespace

std::string_view to_string(Activation a) { return name_of(a, kActivations); }
std::string_view to_string(Loss l) { return name_of(l, kLosses); }
std::string_view to_string(Init i) { return name_of(i, kInits); }

Activation parse_activation(std::string_view name) {
  return parse_named("activation", name, kActivations);
}
Loss parse_loss(std::string_view name) { return parse_named("loss", name, kLosses); }
Init parse_init(std::string_view name) { return parse_named("initializer", name, kInits); }

}  // namespace mlp
