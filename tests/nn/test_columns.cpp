// The training step split over threads by columns (Network::forward_backward) and the
// copy-free inference pass (Network::predict): the same costs, outputs and gradients as
// forward + loss on one thread — bit for bit on one thread, to float rounding on two — the
// same bits on every run with the same thread count, and clear errors where no input is kept.
#include <gtest/gtest.h>

#include <cmath>

#include "mlp/core/error.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {
namespace {

struct Batch {
  MatrixF X, Y;
};

Batch batch(Index n_in, Index n_out, Index m, std::uint64_t seed) {
  Rng rng(seed);
  Batch b{MatrixF(n_in, m), MatrixF::Zero(n_out, m)};
  for (Index i = 0; i < b.X.size(); ++i) b.X.data()[i] = static_cast<float>(rng.normal());
  for (Index j = 0; j < m; ++j) b.Y(static_cast<Index>(rng.below(static_cast<std::uint64_t>(n_out))), j) = 1.f;
  return b;
}

ModelSpec spec(double keep_prob = 1.0, Activation hidden = Activation::relu) {
  return ModelBuilder(30)
      .hidden(40, hidden, keep_prob)
      .hidden(20, Activation::tanh)
      .output(5, Activation::softmax)
      .loss(Loss::cross_entropy)
      .seed(3)
      .build();
}

/// Largest |a − b| relative to the largest |a| (1 for an all-zero a).
double relative_difference(const Vector<float>& a, const Vector<float>& b) {
  const double scale = std::max(1.0, static_cast<double>(a.cwiseAbs().maxCoeff()));
  return static_cast<double>((a - b).cwiseAbs().maxCoeff()) / scale;
}

class Threads : public ::testing::Test {
 protected:
  void TearDown() override { set_threads(1); }
};

TEST_F(Threads, ForwardBackwardOnOneThreadIsForwardPlusLossBitForBit) {
  set_threads(1);
  for (const Index m : {1, 17, 64, 200}) {
    const Batch b = batch(30, 5, m, 11);
    Network<float> a(spec(0.8)), c(spec(0.8));
    Rng ra(5), rc(5);
    a.forward(b.X, true, &ra);
    const float Ja = a.loss(b.Y, true);
    const float Jc = c.forward_backward(b.X, b.Y, true, &rc);
    EXPECT_EQ(Ja, Jc) << "m = " << m;
    EXPECT_EQ(a.params().dtheta(), c.params().dtheta()) << "m = " << m;
    EXPECT_EQ(a.A(2), c.A(2));
  }
}

// The training pass leaves the output activation of a fused loss to the loss (one softmax per
// column, not two); the output it leaves is the prediction's, bit for bit.
TEST_F(Threads, TrainingPassOutputIsThePredictionBitForBit) {
  set_threads(1);
  const ModelSpec bce = ModelBuilder(30).hidden(12, Activation::relu).output(5, Activation::sigmoid)
                            .loss(Loss::binary_cross_entropy).seed(6).build();
  for (const ModelSpec& s : {spec(), bce}) {
    for (const Index m : {1, 7, 64, 300}) {
      const Batch b = batch(30, 5, m, 16);
      Network<float> net(s);
      const MatrixF P = net.predict(b.X);
      net.forward_backward(b.X, b.Y, /*training=*/false);
      EXPECT_EQ(net.A(net.layer_count() - 1), P) << to_string(s.loss) << ", m = " << m;
    }
  }
}

TEST_F(Threads, TwoThreadsAgreeWithOneToFloatRoundingAndWithThemselvesExactly) {
  for (const Activation psi : {Activation::relu, Activation::leaky_relu, Activation::sigmoid}) {
    for (const Index m : {32, 64, 100, 333}) {
      const Batch b = batch(30, 5, m, 12);
      set_threads(1);
      Network<float> one(spec(0.9, psi));
      Rng r1(9);
      const float J1 = one.forward_backward(b.X, b.Y, true, &r1);
      set_threads(2);
      Network<float> two(spec(0.9, psi)), again(spec(0.9, psi));
      Rng r2(9), r3(9);
      const float J2 = two.forward_backward(b.X, b.Y, true, &r2);
      const float J3 = again.forward_backward(b.X, b.Y, true, &r3);
      EXPECT_NEAR(J1, J2, 1e-6 * std::abs(J1)) << "m = " << m;
      EXPECT_LT(relative_difference(one.params().dtheta(), two.params().dtheta()), 1e-5) << "m = " << m;
      // Same thread count, same bits (the per-thread gradients are summed in a fixed order).
      EXPECT_EQ(J2, J3);
      EXPECT_EQ(two.params().dtheta(), again.params().dtheta());
      // The dropout masks come from the same draws whatever the thread count.
      EXPECT_EQ(r1.state().s, r2.state().s);
    }
  }
}

TEST_F(Threads, AccumulateAddsTheBatchGradient) {
  set_threads(2);
  const Batch b = batch(30, 5, 96, 13);
  Network<float> net(spec());
  net.forward_backward(b.X, b.Y);
  const Vector<float> once = net.params().dtheta();
  net.forward_backward(b.X, b.Y, true, nullptr, /*accumulate=*/true);
  EXPECT_LT(relative_difference(Vector<float>(2 * once), net.params().dtheta()), 1e-6);
}

TEST_F(Threads, MeanSquaredErrorSplitsLikeTheFusedLosses) {
  const ModelSpec s = ModelBuilder(6).hidden(16, Activation::tanh).output(3, Activation::sigmoid)
                          .loss(Loss::mse).seed(4).build();
  Batch b = batch(6, 3, 80, 14);
  b.Y.setRandom();
  set_threads(1);
  Network<float> one(s);
  one.forward(b.X);
  const float J1 = one.loss(b.Y, true);
  set_threads(2);
  Network<float> two(s);
  const float J2 = two.forward_backward(b.X, b.Y, false);
  EXPECT_NEAR(J1, J2, 1e-6 * std::abs(J1));
  EXPECT_LT(relative_difference(one.params().dtheta(), two.params().dtheta()), 1e-5);
}

TEST_F(Threads, PredictMatchesForwardAndKeepsNoInput) {
  set_threads(2);
  const Batch b = batch(30, 5, 500, 15);
  Network<float> net(spec(0.5));
  const MatrixF P = net.predict(b.X);
  const MatrixF F = net.forward(b.X);
  EXPECT_EQ(P, F);  // same thread count, same split: same bits; no dropout outside training
  const float J = net.loss(b.Y, false);
  net.predict(b.X);
  EXPECT_EQ(net.loss(b.Y, false), J);  // the cost needs no input
  try {
    net.loss(b.Y, true);
    FAIL() << "the backward pass after predict() must be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("forward(X)"), std::string::npos) << e.what();
  }
  net.forward_backward(b.X, b.Y, /*training=*/false);
  EXPECT_THROW(net.backward(MatrixF::Zero(5, 500)), ConfigError);
  net.forward(b.X);
  EXPECT_NO_THROW(net.loss(b.Y, true));
}

TEST_F(Threads, LargeBatchesPredictInChunksLikeOneExampleAtATime) {
  // predict() takes a large batch through the layers 512 columns at a time (per thread).
  const Batch b = batch(30, 5, 1300, 17);
  Network<float> net(spec());
  MatrixF one_by_one(5, 1300);
  set_threads(1);
  for (Index j = 0; j < 1300; ++j) one_by_one.col(j) = net.predict(b.X.col(j));
  for (const int t : {1, 2}) {
    set_threads(t);
    const MatrixF P = net.predict(b.X);
    EXPECT_LT((P - one_by_one).cwiseAbs().maxCoeff(), 1e-6f) << t << " threads";
  }
}

TEST_F(Threads, WrongShapesAreNamed) {
  set_threads(2);
  const Batch b = batch(30, 5, 64, 16);
  Network<float> net(spec());
  EXPECT_THROW(net.forward_backward(b.X.topRows(29), b.Y), ShapeError);
  EXPECT_THROW(net.forward_backward(b.X, b.Y.leftCols(63)), ShapeError);
  EXPECT_THROW(net.predict(b.X.topRows(29)), ShapeError);
  Network<float> dropout(spec(0.5));
  EXPECT_THROW(dropout.forward_backward(b.X, b.Y, true, nullptr), ConfigError);
}

}  // namespace
}  // namespace mlp

namespace mlp {
namespace {

// A prediction of an example hardly depends on the other examples of its batch: within 1e-6
// relative, on any thread count, alone or in batches of any size, whatever kernel each size
// class runs on (the kernels' blocking depends on the batch size, so the sums run in other
// orders; a single example is a matrix-vector product).
TEST(BatchInvariance, EachExamplesPredictionIsTheSameAloneOrInAnyBatch) {
  const ModelSpec s = ModelBuilder(784)
                          .hidden(256, Activation::relu)
                          .hidden(128, Activation::relu)
                          .output(10, Activation::softmax)
                          .loss(Loss::cross_entropy)
                          .seed(4)
                          .build();
  const Batch b = batch(784, 10, 300, 12);
  for (const int t : {1, 2}) {
    set_threads(t);
    Network<float> net(s);
    const MatrixF all = net.predict(b.X);
    for (const Index m : {1, 2, 7, 64, 129}) {
      for (Index start = 0; start + m <= b.X.cols(); start += 97) {
        const MatrixF part = net.predict(b.X.middleCols(start, m));
        const MatrixF whole = all.middleCols(start, m);
        for (Index i = 0; i < part.size(); ++i) {
          ASSERT_NEAR(part.data()[i], whole.data()[i], 1e-6 * std::max(1.f, std::abs(whole.data()[i])))
              << "threads " << t << ", " << m << " examples from " << start;
        }
      }
    }
    for (Index j = 0; j < b.X.cols(); j += 31) {
      const MatrixF alone = net.predict(b.X.col(j));
      for (Index i = 0; i < alone.size(); ++i) {
        ASSERT_NEAR(alone.data()[i], all(i, j), 1e-6 * std::max(1.f, std::abs(all(i, j))));
      }
    }
  }
  set_threads(1);
}

}  // namespace
}  // namespace mlp
