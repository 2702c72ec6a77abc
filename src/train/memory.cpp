#include "mlp/train/memory.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>

namespace mlp {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

std::uint64_t mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > kMax / a) return kMax;
  return a * b;
}
std::uint64_t add(std::uint64_t a, std::uint64_t b) { return b > kMax - a ? kMax : a + b; }

std::uint64_t positive(Index n) { return n > 0 ? static_cast<std::uint64_t>(n) : 0; }

}  // namespace

std::uint64_t TrainingMemory::total() const {
  return add(add(parameters, optimizer_state), activations);
}

TrainingMemory estimate_training_memory(const std::vector<Index>& widths, Index batch,
                                        std::size_t state_vectors, bool dropout,
                                        std::size_t bytes_per_element) {
  std::uint64_t P = 0;       // parameters
  std::uint64_t units = 0;   // activation elements per example
  if (!widths.empty()) units = positive(widths.front());
  const std::uint64_t per_unit = dropout ? 6 : 4;  // Z, A, dZ, dA (+ mask, dropped A)
  for (std::size_t l = 1; l < widths.size(); ++l) {
    const std::uint64_t in = positive(widths[l - 1]), out = positive(widths[l]);
    P = add(P, add(mul(in, out), out));
    units = add(units, mul(per_unit, out));
  }
  const std::uint64_t b = bytes_per_element;
  TrainingMemory m;
  m.parameters = mul(mul(2, P), b);
  m.optimizer_state = mul(mul(state_vectors, P), b);
  m.activations = mul(mul(positive(batch), units), b);
  return m;
}

std::uint64_t available_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  std::uint64_t bytes = pages > 0 && page > 0 ? mul(static_cast<std::uint64_t>(pages),
                                                    static_cast<std::uint64_t>(page))
                                              : 0;
  // cgroup v2: "max" or a number of bytes.
  std::ifstream in("/sys/fs/cgroup/memory.max");
  std::string limit;
  if (in >> limit && !limit.empty() && limit.find_first_not_of("0123456789") == std::string::npos &&
      limit.size() < 20) {
    const std::uint64_t cgroup = std::stoull(limit);
    if (cgroup > 0 && (bytes == 0 || cgroup < bytes)) bytes = cgroup;
  }
  return bytes;
}

std::string format_bytes(std::uint64_t bytes) {
  constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  std::size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(kUnits)) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.3g} {}", v, kUnits[u]);
}

}  // namespace mlp
