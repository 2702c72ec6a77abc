// glorot_uniform (alias xavier_uniform):                             W [n_out x n_in]
//   W ~ U(−√(6/(n_in + n_out)), +√(6/(n_in + n_out)))    (variance 2/(n_in + n_out))
#include <cmath>

#include "init_def.hpp"

namespace mlp::nn_detail {
namespace {
constexpr std::string_view kAliases[] = {"xavier_uniform"};
}  // namespace

constinit const InitDef init_glorot_uniform{
    .name = "glorot_uniform",
    .aliases = kAliases,
    .doc = "W ~ U(−√(6/(n_in + n_out)), √(6/(n_in + n_out))) (alias xavier_uniform)",
    .draw = Draw::uniform,
    .spread = [](double n_in, double n_out, double) { return std::sqrt(6.0 / (n_in + n_out)); },
};

}  // namespace mlp::nn_detail
