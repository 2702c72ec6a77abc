#include "mlp/core/setting.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace mlp {

std::string Interval::text(bool integer) const {
  const auto num = [&](double x) {
    return integer ? fmt::format("{}", static_cast<std::int64_t>(x)) : fmt::format("{}", x);
  };
  const bool no_hi = hi == std::numeric_limits<double>::infinity();
  if (integer) {
    return no_hi ? fmt::format("an integer >= {}", num(lo_open ? lo + 1 : lo))
                 : fmt::format("an integer in [{}, {}]", num(lo_open ? lo + 1 : lo),
                               num(hi_open ? hi - 1 : hi));
  }
  if (no_hi) return fmt::format("{} {} and finite", lo_open ? ">" : ">=", num(lo));
  return fmt::format("in {}{}, {}{}", lo_open ? "(" : "[", num(lo), num(hi), hi_open ? ")" : "]");
}

}  // namespace mlp
