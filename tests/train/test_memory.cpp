// The training-memory estimate (train/memory.hpp) by hand, its saturation, and the units.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "mlp/train/memory.hpp"

namespace mlp {
namespace {

TEST(TrainingMemory, EstimateByHand) {
  // 3-4-2: P = 3·4 + 4 + 4·2 + 2 = 26; batch 5; adam keeps 2 vectors.
  const TrainingMemory m = estimate_training_memory({3, 4, 2}, 5, 2, false);
  EXPECT_EQ(m.parameters, 2u * 26u * 4u);
  EXPECT_EQ(m.optimizer_state, 2u * 26u * 4u);
  EXPECT_EQ(m.activations, 5u * (3u + 4u * (4u + 2u)) * 4u);
  EXPECT_EQ(m.total(), m.parameters + m.optimizer_state + m.activations);
  // Dropout keeps a mask and the dropped A per unit as well.
  EXPECT_EQ(estimate_training_memory({3, 4, 2}, 5, 0, true).activations, 5u * (3u + 6u * 6u) * 4u);
}

TEST(TrainingMemory, HugeLayersSaturateInsteadOfOverflowing) {
  const Index huge = std::numeric_limits<Index>::max() / 2;
  const TrainingMemory m = estimate_training_memory({huge, huge, huge}, huge, 2, true);
  EXPECT_EQ(m.parameters, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(m.total(), std::numeric_limits<std::uint64_t>::max());
  // Two 30000-unit layers: 900 M weights between them, 3.6 GB each for θ, dθ and Adam's V, S.
  const TrainingMemory w = estimate_training_memory({1, 30000, 30000, 1}, 64, 2, false);
  EXPECT_GT(w.parameters, std::uint64_t{7'200'000'000});
}

TEST(TrainingMemory, AvailableMemoryAndUnits) {
  EXPECT_GT(available_memory_bytes(), std::uint64_t{1} << 20);
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(3u << 20), "3 MiB");
  EXPECT_EQ(format_bytes((std::uint64_t{15} << 30) / 10), "1.5 GiB");
}

}  // namespace
}  // namespace mlp
