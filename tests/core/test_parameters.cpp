#include <gtest/gtest.h>

#include "mlp/core/error.hpp"
#include "mlp/nn/names.hpp"
#include "mlp/core/parameters.hpp"
#include "mlp/core/random.hpp"

namespace mlp {

TEST(Parameters, SlicesAreContiguousAndNamed) {
  Parameters<float> p;
  const auto w = p.add("layers.0.W", 3, 2, true);
  const auto b = p.add("layers.0.b", 3, 1, false);
  EXPECT_EQ(p.size(), 9u);
  EXPECT_EQ(p.slice(b).offset, 6u);
  p.value(w)(2, 1) = 5.0f;
  EXPECT_EQ(p.theta()(5), 5.0f);  // column-major: (2,1) -> 1*3+2
  EXPECT_EQ(p.find("layers.0.b"), b);
  EXPECT_FALSE(p.find("layers.1.W"));
  EXPECT_THROW(p.add("layers.0.W", 1, 1, true), ConfigError);
  EXPECT_THROW(p.add("x", 0, 1, true), ShapeError);
}

TEST(Parameters, CastKeepsSlicesAndValues) {
  Parameters<float> p;
  p.add("a", 2, 2, true);
  p.theta() << 1, 2, 3, 4;
  auto d = p.cast<double>();
  EXPECT_EQ(d.slices().size(), 1u);
  EXPECT_DOUBLE_EQ(d.theta()(3), 4.0);
}

TEST(Names, ParseAndSuggest) {
  EXPECT_EQ(parse_activation("relu"), Activation::relu);
  EXPECT_EQ(parse_init("xavier"), Init::glorot_normal);
  EXPECT_EQ(parse_init("xavier_uniform"), Init::glorot_uniform);
  try {
    parse_activation("rleu");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'relu'"), std::string::npos) << e.what();
  }
}

TEST(Rng, ReproducibleAndShuffleIsPermutation) {
  Rng a(42), b(42), c(43);
  EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(a.next(), c.next());
  std::vector<int> v(100);
  for (int i = 0; i < 100; ++i) v[i] = i;
  a.shuffle(v);
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
  // Normal moments.
  Rng r(7);
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = r.normal();
    s += x;
    s2 += x * x;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.01);
}

}  // namespace mlp
