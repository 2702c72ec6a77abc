// glorot_normal (aliases xavier, xavier_normal):  W ~ N(0, 2/(n_in + n_out))   W [n_out x n_in]
#include <cmath>

#include "init_def.hpp"

namespace mlp::nn_detail {
namespace {
constexpr std::string_view kAliases[] = {"xavier", "xavier_normal"};
}  // namespace

constinit const InitDef init_glorot_normal{
    .name = "glorot_normal",
    .aliases = kAliases,
    .doc = "W ~ N(0, 2/(n_in + n_out)) (aliases xavier, xavier_normal)",
    .draw = Draw::normal,
    .spread = [](double n_in, double n_out, double) { return std::sqrt(2.0 / (n_in + n_out)); },
};

}  // namespace mlp::nn_detail
