// The gradient check of a whole network (train/gradient_check.hpp): passes for a correct
// network with and without penalties and dropout configured, reports per layer, and the
// penalties are part of J.
#include <gtest/gtest.h>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/train/gradient_check.hpp"

namespace mlp {
namespace {

data::Dataset regression_data(Index m) {
  Rng rng(3);
  data::Dataset d;
  d.task = data::Task::regression;
  d.X.resize(3, m);
  d.Y.resize(2, m);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < 3; ++i) d.X(i, j) = static_cast<float>(rng.normal());
    d.Y(0, j) = d.X(0, j) - d.X(1, j);
    d.Y(1, j) = d.X(2, j) * 0.5f;
  }
  d.feature_names = {"a", "b", "c"};
  d.target_names = {"u", "v"};
  return d;
}

ModelSpec spec(double keep_prob = 1.0) {
  return ModelBuilder(3).hidden(5, Activation::tanh, keep_prob).hidden(4, Activation::sigmoid)
      .output(2, Activation::identity).loss(Loss::mse).init(Init::glorot_normal).seed(5).build();
}

TEST(NetworkGradientCheck, PassesPerSliceAndPerLayer) {
  const auto c = check_network_gradients(spec(), regression_data(30));
  EXPECT_TRUE(c.result.passed) << c.result.relative_error;
  EXPECT_LT(c.result.relative_error, 1e-6);
  ASSERT_EQ(c.layers.size(), 3u);
  EXPECT_EQ(c.layers[0].name, "layers.0");
  EXPECT_EQ(c.layers[2].name, "layers.2");
  ASSERT_EQ(c.result.slices.size(), 6u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(c.layers[k].weights, c.result.slices[2 * k].relative_error);
    EXPECT_EQ(c.layers[k].bias, c.result.slices[2 * k + 1].relative_error);
    EXPECT_LT(c.layers[k].relative_error, 1e-6);
  }
  EXPECT_EQ(c.examples, 16);  // the default batch
  EXPECT_EQ(c.parameters, std::size_t{3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2});
}

TEST(NetworkGradientCheck, PenaltiesArePartOfTheCost) {
  const auto data = regression_data(30);
  NetworkGradientCheckOptions o;
  const double plain = check_network_gradients(spec(), data, o).result.cost;
  o.l2 = 5.0;
  o.l1 = 2.0;
  const auto penalized = check_network_gradients(spec(), data, o);
  EXPECT_TRUE(penalized.result.passed) << penalized.result.relative_error;
  EXPECT_GT(penalized.result.cost, plain + 1e-3);
}

TEST(NetworkGradientCheck, DropoutIsSwitchedOffAndTheBatchIsClamped) {
  NetworkGradientCheckOptions o;
  o.examples = 1000;
  const auto c = check_network_gradients(spec(0.5), regression_data(12), o);
  EXPECT_TRUE(c.result.passed) << c.result.relative_error;
  EXPECT_EQ(c.examples, 12);
  // Same J as the network without dropout.
  EXPECT_EQ(c.result.cost, check_network_gradients(spec(1.0), regression_data(12), o).result.cost);
}

TEST(NetworkGradientCheck, EmptyDataIsAConfigError) {
  data::Dataset empty = regression_data(1);
  empty.X.resize(3, 0);
  empty.Y.resize(2, 0);
  EXPECT_THROW((void)check_network_gradients(spec(), empty), ConfigError);
}

}  // namespace
}  // namespace mlp
