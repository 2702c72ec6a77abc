#include "mlp/names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "mlp/error.hpp"

namespace mlp {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

template <class E, std::size_t N>
E parse_named(std::string_view what, std::string_view name,
              const std::array<std::pair<std::string_view, E>, N>& table) {
  for (const auto& [n, e] : table) {
    if (n == name) return e;
  }
  std::vector<std::string_view> names;
  std::string list;
  for (const auto& [n, e] : table) {
    names.push_back(n);
    list += (list.empty() ? "" : ", ") + std::string(n);
  }
  throw ConfigError(fmt::format("unknown {} '{}'{}; valid names: {}", what, name,
                                did_you_mean(name, names), list));
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

std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates) {
  std::string_view best;
  std::size_t best_d = ~std::size_t{0};
  for (auto c : candidates) {
    const std::size_t d = edit_distance(name, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  if (best.empty() || best_d > std::max<std::size_t>(2, name.size() / 3)) return "";
  return fmt::format(" (did you mean '{}'?)", best);
}

std::string_view to_string(Activation a) { return name_of(a, kActivations); }
std::string_view to_string(Loss l) { return name_of(l, kLosses); }
std::string_view to_string(Init i) { return name_of(i, kInits); }

Activation parse_activation(std::string_view name) {
  return parse_named("activation", name, kActivations);
}
Loss parse_loss(std::string_view name) { return parse_named("loss", name, kLosses); }
Init parse_init(std::string_view name) { return parse_named("initializer", name, kInits); }

}  // namespace mlp
