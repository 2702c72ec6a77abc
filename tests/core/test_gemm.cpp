// The GEMM: every kernel available here against a double-precision reference, on every
// transpose, sub-blocks with leading dimensions, beta = 0 over NaN; the split over threads; the
// choice per size class, its cache file and the MLP_GEMM setting.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <utility>

#include "core/gemm_kernels.hpp"
#include "mlp/core/parallel.hpp"
#include "mlp/core/tensor.hpp"

namespace mlp {
namespace {

using detail::GemmArgs;
using detail::GemmKernel;

MatrixF random_matrix(Index r, Index c, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  MatrixF m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = u(gen);
  return m;
}

/// |got − alpha·op(A)·op(B) − beta·C0| <= 4·(K+1)·u·(|alpha|·|op A|·|op B| + |beta|·|C0|), elementwise.
void expect_product(const MatrixF& got, float alpha, const MatrixF& opA, const MatrixF& opB,
                    float beta, const MatrixF& C0, const std::string& what) {
  const MatrixD exact = double(alpha) * opA.cast<double>() * opB.cast<double>() +
                        (beta == 0.f ? MatrixD::Zero(C0.rows(), C0.cols())
                                     : MatrixD(double(beta) * C0.cast<double>()));
  const MatrixD bound = (std::abs(double(alpha)) * opA.cast<double>().cwiseAbs() *
                             opB.cast<double>().cwiseAbs() +
                         (beta == 0.f ? MatrixD::Zero(C0.rows(), C0.cols())
                                      : MatrixD(std::abs(double(beta)) * C0.cast<double>().cwiseAbs()))) *
                        (4.0 * double(opA.cols() + 1) * std::numeric_limits<float>::epsilon());
  for (Index j = 0; j < got.cols(); ++j) {
    for (Index i = 0; i < got.rows(); ++i) {
      ASSERT_LE(std::abs(double(got(i, j)) - exact(i, j)), bound(i, j) + 1e-30)
          << what << " at (" << i << ", " << j << ")";
    }
  }
}

TEST(GemmKernels, EveryAvailableKernelComputesTheProductOnEveryTransposeAndSubBlock) {
  int tried = 0;
  for (int kk = 0; kk < detail::kGemmKernelCount; ++kk) {
    const auto k = static_cast<GemmKernel>(kk);
    if (!detail::available(k)) continue;
    ++tried;
    for (const auto [M, N, K] : {std::array<Index, 3>{7, 5, 3}, {64, 32, 784}, {130, 67, 129},
                                 {10, 256, 128}, {256, 784, 64}}) {
      for (int ta = 0; ta < 2; ++ta) {
        for (int tb = 0; tb < 2; ++tb) {
          for (const auto [alpha, beta] : {std::pair{1.f, 0.f}, {1.f, 1.f}, {0.75f, 0.f},
                                           {0.75f, 1.f}, {0.75f, 0.5f}}) {
            // Operands inside larger matrices: leading dimensions larger than the rows.
            const MatrixF Abig = random_matrix((ta ? K : M) + 3, (ta ? M : K) + 2, 1);
            const MatrixF Bbig = random_matrix((tb ? N : K) + 5, (tb ? K : N) + 1, 2);
            MatrixF Cbig = random_matrix(M + 4, N + 2, 3);
            if (beta == 0.f) Cbig.setConstant(std::numeric_limits<float>::quiet_NaN());
            const MatrixF A = Abig.topLeftCorner(ta ? K : M, ta ? M : K);
            const MatrixF B = Bbig.topLeftCorner(tb ? N : K, tb ? K : N);
            const MatrixF C0 = Cbig.block(1, 1, M, N);
            const MatrixF outside = Cbig;
            GemmArgs g{M, N, K, alpha, Abig.data(), Abig.rows(), ta == 1, Bbig.data(),
                       Bbig.rows(), tb == 1, beta, Cbig.data() + 1 + Cbig.rows(), Cbig.rows()};
            detail::run_kernel(k, g);
            const std::string what = std::string(detail::kernel_name(k)) + " " +
                                     (ta ? "T" : "N") + (tb ? "T" : "N") + " " + std::to_string(M) +
                                     "x" + std::to_string(N) + "x" + std::to_string(K) +
                                     " alpha " + std::to_string(alpha) + " beta " +
                                     std::to_string(beta);
            const MatrixF opA = ta ? MatrixF(A.transpose()) : A;
            const MatrixF opB = tb ? MatrixF(B.transpose()) : B;
            expect_product(Cbig.block(1, 1, M, N), alpha, opA, opB, beta, C0, what);
            // Nothing outside the block was touched.
            for (Index j = 0; j < Cbig.cols(); ++j) {
              for (Index i = 0; i < Cbig.rows(); ++i) {
                if (i >= 1 && i <= M && j >= 1 && j <= N) continue;
                ASSERT_TRUE(std::isnan(outside(i, j)) ? std::isnan(Cbig(i, j))
                                                      : Cbig(i, j) == outside(i, j))
                    << what << " wrote outside its block at (" << i << ", " << j << ")";
              }
            }
          }
        }
      }
    }
  }
  EXPECT_GE(tried, 1);
}

TEST(GemmKernels, LibxsmmRunsWhatItsJitCanAndHandsTheRestToEigen) {
  if (!detail::available(GemmKernel::libxsmm)) GTEST_SKIP() << "this build has no libxsmm";
  const MatrixF A = random_matrix(64, 784, 12), B = random_matrix(784, 32, 13);
  MatrixF C(64, 32);
  GemmArgs g{64, 32, 784, 1.f, A.data(), 64, false, B.data(), 784, true, 1.f, C.data(), 64};
  GemmArgs other = g;
  other.ta = true;  // op(A) = Aᵀ: no JIT kernel in libxsmm 1.17
  EXPECT_FALSE(detail::runs_itself(GemmKernel::libxsmm, other));
  other = g;
  other.alpha = 0.5f;
  EXPECT_FALSE(detail::runs_itself(GemmKernel::libxsmm, other));
  other = g;
  other.beta = 0.5f;
  EXPECT_FALSE(detail::runs_itself(GemmKernel::libxsmm, other));
  EXPECT_TRUE(detail::runs_itself(GemmKernel::eigen, other));
  // What it can run, it runs itself where it generates code for the CPU (not with
  // LIBXSMM_TARGET=generic, or on a CPU without SSE3/AVX: then those go to Eigen as well, which
  // GemmKernels.EveryAvailableKernel… checks).
  g.tb = false;
  g.beta = 0.f;
  if (!detail::runs_itself(GemmKernel::libxsmm, g)) {
    GTEST_SKIP() << "libxsmm generates no code for this CPU here (LIBXSMM_TARGET?)";
  }
  g.tb = true;
  EXPECT_TRUE(detail::runs_itself(GemmKernel::libxsmm, g));
  g.beta = 1.f;
  EXPECT_TRUE(detail::runs_itself(GemmKernel::libxsmm, g));
}

TEST(Gemm, SplitOverThreadsGivesTheProductForEveryThreadCount) {
  const int before = threads();
  const MatrixF W = random_matrix(256, 784, 4), X = random_matrix(784, 300, 5);
  const MatrixF dZ = random_matrix(256, 300, 6);
  for (int t : {1, 2, 3, 4}) {
    set_threads(t);
    MatrixF Z(256, 300);
    Z.setConstant(std::numeric_limits<float>::quiet_NaN());
    gemm<float>(1.f, W, false, X, false, 0.f, Z);  // forward: split by columns
    expect_product(Z, 1.f, W, X, 0.f, Z, "forward, threads " + std::to_string(t));
    MatrixF dW = random_matrix(256, 784, 7);
    const MatrixF dW0 = dW;
    gemm<float>(1.f, dZ, false, X, true, 1.f, dW);  // weight gradient, accumulated
    expect_product(dW, 1.f, dZ, MatrixF(X.transpose()), 1.f, dW0,
                   "weight gradient, threads " + std::to_string(t));
  }
  set_threads(before);
}

TEST(Gemm, GemvSplitOverThreadsGivesTheSameBitsAsOneThread) {
  // A matrix-vector product is split by rows when that repays the hand-off (a 4096 x 2048 one,
  // 32 MB, takes ~0.3 ms: split on any machine whose hand-off is below 0.1 ms); the rows of each
  // panel get the same operations as in the whole product.
  if (available_cores() < 2) GTEST_SKIP() << "one core: nothing is split";
  const int before = threads();
  for (const auto [M, K, lda] : {std::array<Index, 3>{4096, 2048, 4096}, {256, 784, 256},
                                 {250, 783, 257}, {1000, 3001, 1003}}) {
    const MatrixF Abig = random_matrix(lda, K, 14), AbigT = random_matrix(K, lda, 15);
    const MatrixF v = random_matrix(K, 1, 16), vrow = random_matrix(1, K, 17);
    const auto A = Abig.topRows(M);       // M x K, leading dimension lda
    const auto At = AbigT.leftCols(M);    // K x M: op(A) = Atᵀ
    for (int case_ = 0; case_ < 4; ++case_) {
      std::array<MatrixF, 2> out;
      for (int run = 0; run < 2; ++run) {
        set_threads(run == 0 ? 1 : 2);
        switch (case_) {
          case 0:  // C[:,0] = A·v
            out[run] = MatrixF::Constant(M, 1, 0.25f);
            gemm<float>(1.f, A, false, v, false, 1.f, out[run]);
            break;
          case 1:  // C[:,0] = Atᵀ·v
            out[run] = MatrixF(M, 1);
            gemm<float>(0.5f, At, true, v, false, 0.f, out[run]);
            break;
          case 2:  // C[0,:] = vrow·Aᵀ (a row of C)
            out[run] = MatrixF(1, M);
            gemm<float>(1.f, vrow, false, A, true, 0.f, out[run]);
            break;
          default:  // C[0,:] = vrow·At
            out[run] = MatrixF(1, M);
            gemm<float>(1.f, vrow, false, At, false, 0.f, out[run]);
            break;
        }
      }
      ASSERT_EQ(std::memcmp(out[0].data(), out[1].data(), sizeof(float) * std::size_t(M)), 0)
          << "case " << case_ << ", " << M << "x" << K;
    }
  }
  set_threads(before);
}

TEST(GemmChoice, AClassKeepsItsKernelAndTheChoiceIsLogged) {
  const MatrixF A = random_matrix(96, 200, 8), B = random_matrix(200, 40, 9);
  GemmArgs g{96, 40, 200, 1.f, A.data(), 96, false, B.data(), 200, false, 0.f, nullptr, 96};
  const GemmKernel first = detail::kernel_for(g);
  EXPECT_TRUE(detail::available(first));
  g.N = 33;  // same size class (rounded up to 64)
  EXPECT_EQ(detail::kernel_for(g), first);
  bool logged = false;
  for (const std::string& line : gemm_choices()) {
    // Measured here ("… -> kernel") or read from the cache file ("…: kernel (cached)").
    if (line.find("96x40x200") != std::string::npos &&
        (line.find(std::string("-> ") + detail::kernel_name(first)) != std::string::npos ||
         line.find(std::string(": ") + detail::kernel_name(first) + " (cached)") !=
             std::string::npos)) {
      logged = true;
    }
    if (line.find("96x33x200") != std::string::npos) ADD_FAILURE() << "measured twice: " << line;
  }
  EXPECT_TRUE(logged);
}

TEST(GemmChoice, AChoiceInTheCacheFileIsUsedAndNewOnesAreAppended) {
  char dir[] = "/tmp/mlp-gemm-cache-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/kernels.tsv";
  {
    std::ofstream f(path);
    // A class decided before (by "another process"): eigen, whatever is fastest now.
    f << detail::cache_signature() << "\tNT 512 1024 32\teigen\n"
      << "garbage line without tabs\n"
      << "another machine\tNN 8 8 8\tonednn\n";
  }
  setenv("MLP_GEMM_CACHE", path.c_str(), 1);
  const MatrixF A = random_matrix(300, 20, 10), B = random_matrix(1000, 20, 11);
  GemmArgs cached{300, 1000, 20, 1.f, A.data(), 300, false, B.data(), 1000, true, 0.f, nullptr, 300};
  EXPECT_EQ(detail::kernel_for(cached), GemmKernel::eigen);
  GemmArgs fresh{300, 20, 1000, 1.f, A.data(), 300, false, B.data(), 1000, false, 0.f, nullptr, 300};
  const GemmKernel k = detail::kernel_for(fresh);
  unsetenv("MLP_GEMM_CACHE");
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(detail::cache_signature() + "\tNN 512 32 1024\t" + detail::kernel_name(k) + "\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("garbage line without tabs\n"), std::string::npos);  // kept as it was
  bool cached_logged = false;
  for (const std::string& line : gemm_choices()) {
    if (line.find("300x1000x20: eigen (cached)") != std::string::npos) cached_logged = true;
  }
  EXPECT_TRUE(cached_logged);
  std::remove(path.c_str());
  rmdir(dir);
}

TEST(GemmChoice, TheSettingNamesTheKernelsAndAnUnknownOneIsAnError) {
  setenv("MLP_GEMM", "fastest", 1);
  const std::string e = gemm_setting_error();
  EXPECT_NE(e.find("MLP_GEMM='fastest' is not a GEMM kernel"), std::string::npos) << e;
  EXPECT_NE(e.find("auto, eigen, onednn, libxsmm, openblas"), std::string::npos) << e;
  setenv("MLP_GEMM", "eigen", 1);
  EXPECT_EQ(gemm_setting_error(), "");
  setenv("MLP_GEMM", "auto", 1);
  EXPECT_EQ(gemm_setting_error(), "");
  unsetenv("MLP_GEMM");
  EXPECT_EQ(gemm_setting_error(), "");
  const GemmBackend b = gemm_backend();
  EXPECT_NE(b.version.find("eigen 3."), std::string::npos) << b.version;
}

}  // namespace
}  // namespace mlp
