// The GEMM kernels and their choice by measurement (src/core/gemm_kernels.hpp).
//
// Kernels: Eigen's (always; the reference), oneDNN's sgemm (Debian libdnnl-dev, when the build
// found it: MLP_ONEDNN), libxsmm's JIT-generated kernels (Debian libxsmm-dev, MLP_LIBXSMM: code
// generated for the exact shape, for op(A) = A, alpha = 1, beta 0 or 1; other products given to
// Eigen) and OpenBLAS's cblas_sgemm (libopenblas0, loaded at run time with dlopen, and only when
// this process has not loaded it already: setting its thread count would otherwise change another
// library's, e.g. NumPy's). Each runs on the calling thread; the split over threads is mlp's own
// (src/core/tensor.cpp).
//
// OpenBLAS runs only when forced (MLP_GEMM=openblas), never under auto: it reserves a 128 MB
// buffer per thread on its first product and retries forever when the address space is capped
// (`mlp predict` under `ulimit -v` hung in cblas_sgemm), and on CPUs it does not know it falls
// back to slow or wrong kernels (docs/performance.md).
//
// Under MLP_GEMM=auto (the default) the first product of each size class — (op(A), op(B), and
// M, N, K each rounded up to a power of two) — is run on every candidate with random operands
// of its exact shape: a candidate whose result differs from Eigen's by more than the GEMM error
// bound (8·K·u·(|A|·|B|)ᵢⱼ, u the unit roundoff) is dropped, for this class and for good (an
// OpenBLAS kernel for another CPU can be wrong); the fastest of the others (median of timed
// repeats) serves the class from then on. MLP_GEMM=eigen|onednn|libxsmm|openblas forces one kernel
// (still checked once per class; a wrong one is an Error, exit 1).
#include "gemm_kernels.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <tuple>

#include "mlp/core/error.hpp"

#ifdef MLP_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif
#ifdef MLP_HAVE_LIBXSMM
#include <libxsmm.h>
#endif

namespace mlp::detail {

const char* kernel_name(GemmKernel k) {
  switch (k) {
    case GemmKernel::eigen:
      return "eigen";
    case GemmKernel::onednn:
      return "onednn";
    case GemmKernel::libxsmm:
      return "libxsmm";
    case GemmKernel::openblas:
      return "openblas";
  }
  return "?";
}

namespace {

// ---- Eigen ---------------------------------------------------------------------------------

/// Eigen's blocking for one GEMM, with packing buffers owned here and kept between calls
/// (Eigen would otherwise allocate them on the heap for every product larger than its stack
/// limit of 128 KiB), grown as needed: after the first step of a batch size nothing allocates.
class PersistentBlocking : public Eigen::internal::level3_blocking<float, float> {
 public:
  void configure(Index rows, Index cols, Index depth) {
    this->m_kc = depth;
    this->m_mc = rows;
    this->m_nc = cols;
    Eigen::internal::computeProductBlockingSizes<float, float, 1>(this->m_kc, this->m_mc,
                                                                  this->m_nc, Index(1));
    const Index size_a = this->m_kc * this->m_mc, size_b = this->m_kc * this->m_nc;
    if (a_.size() < size_a) a_.resize(size_a);
    if (b_.size() < size_b) b_.resize(size_b);
    this->m_blockA = a_.data();
    this->m_blockB = b_.data();
  }

 private:
  Eigen::Matrix<float, Eigen::Dynamic, 1> a_, b_;
};

/// The blocking of the calling thread (each thread has its own packing buffers).
PersistentBlocking& thread_blocking() {
  thread_local PersistentBlocking blocking;
  return blocking;
}

void run_eigen(const GemmArgs& g) {
  using Eigen::ColMajor;
  using Eigen::RowMajor;
  using Eigen::internal::general_matrix_matrix_product;
  // C = beta·C first (beta = 0 overwrites, so NaN in C's old contents does not survive).
  Eigen::Map<Matrix<float>, 0, Eigen::OuterStride<>> c(g.c, g.M, g.N, Eigen::OuterStride<>(g.ldc));
  if (g.beta == 0.f) {
    c.setZero();
  } else if (g.beta != 1.f) {
    c *= g.beta;
  }
  PersistentBlocking& blk = thread_blocking();
  blk.configure(g.M, g.N, g.K);
  // op(X) = Xᵀ of a column-major X is X read row-major.
  if (!g.ta && !g.tb) {
    general_matrix_matrix_product<Index, float, ColMajor, false, float, ColMajor, false, ColMajor,
                                  1>::run(g.M, g.N, g.K, g.a, g.lda, g.b, g.ldb, g.c, 1, g.ldc,
                                          g.alpha, blk, nullptr);
  } else if (g.ta && !g.tb) {
    general_matrix_matrix_product<Index, float, RowMajor, false, float, ColMajor, false, ColMajor,
                                  1>::run(g.M, g.N, g.K, g.a, g.lda, g.b, g.ldb, g.c, 1, g.ldc,
                                          g.alpha, blk, nullptr);
  } else if (!g.ta && g.tb) {
    general_matrix_matrix_product<Index, float, ColMajor, false, float, RowMajor, false, ColMajor,
                                  1>::run(g.M, g.N, g.K, g.a, g.lda, g.b, g.ldb, g.c, 1, g.ldc,
                                          g.alpha, blk, nullptr);
  } else {
    general_matrix_matrix_product<Index, float, RowMajor, false, float, RowMajor, false, ColMajor,
                                  1>::run(g.M, g.N, g.K, g.a, g.lda, g.b, g.ldb, g.c, 1, g.ldc,
                                          g.alpha, blk, nullptr);
  }
}

// ---- oneDNN --------------------------------------------------------------------------------

#ifdef MLP_HAVE_ONEDNN
/// Debian's oneDNN runs on OpenMP (libgomp, loaded with it) and would start a team of all cores
/// from any thread outside a team; its thread count is set to 1 around each call, through the
/// OpenMP runtime oneDNN loaded (found at run time: mlp itself does not link OpenMP).
struct OmpThreads {
  int (*get)() = nullptr;
  void (*set)(int) = nullptr;
};
const OmpThreads& omp_threads() {
  static const OmpThreads o = [] {
    OmpThreads r;
    r.get = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
    r.set = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
    if (r.get == nullptr || r.set == nullptr) r = {};
    return r;
  }();
  return o;
}

/// oneDNN's sgemm is row-major: the column-major C = op(A)·op(B) is the row-major
/// Cᵀ = op(B)ᵀ·op(A)ᵀ, with the operands' storage unchanged.
void run_onednn(const GemmArgs& g) {
  const OmpThreads& omp = omp_threads();
  const int previous = omp.get != nullptr ? omp.get() : 1;
  if (previous != 1) omp.set(1);
  const dnnl_status_t s = dnnl_sgemm(g.tb ? 'T' : 'N', g.ta ? 'T' : 'N', g.N, g.M, g.K, g.alpha,
                                     g.b, g.ldb, g.a, g.lda, g.beta, g.c, g.ldc);
  if (previous != 1) omp.set(previous);
  if (s != dnnl_success) {
    throw Error(fmt::format("oneDNN sgemm failed (status {}) on a {}x{}x{} product — set "
                                   "MLP_GEMM=eigen to run without it", static_cast<int>(s), g.M,
                                   g.N, g.K));
  }
}
std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return fmt::format("{}.{}.{}", v->major, v->minor, v->patch);
}
#endif

// ---- libxsmm -------------------------------------------------------------------------------

/// libxsmm's JIT kernel for g's exact shape, strides and beta (its own registry keeps the kernels:
/// code is generated once per shape, later calls look it up), or null when libxsmm cannot run g
/// itself: op(A) = Aᵀ (its JIT has no such kernel), alpha ≠ 1, beta not 0 or 1, or no code for
/// this CPU or shape.
#ifdef MLP_HAVE_LIBXSMM
libxsmm_smmfunction libxsmm_kernel(const GemmArgs& g) {
  if (g.ta || g.alpha != 1.f || (g.beta != 0.f && g.beta != 1.f)) return nullptr;
  constexpr Index kMax = std::numeric_limits<libxsmm_blasint>::max();
  if (g.M > kMax || g.N > kMax || g.K > kMax || g.lda > kMax || g.ldb > kMax || g.ldc > kMax) {
    return nullptr;
  }
  const auto lda = static_cast<libxsmm_blasint>(g.lda), ldb = static_cast<libxsmm_blasint>(g.ldb),
             ldc = static_cast<libxsmm_blasint>(g.ldc);
  const int flags = (g.tb ? LIBXSMM_GEMM_FLAG_TRANS_B : 0) |
                    (g.beta == 0.f ? LIBXSMM_GEMM_FLAG_BETA_0 : 0);
  const float alpha = 1.f, beta = g.beta;
  const int prefetch = LIBXSMM_PREFETCH_NONE;
  return libxsmm_smmdispatch(static_cast<libxsmm_blasint>(g.M), static_cast<libxsmm_blasint>(g.N),
                             static_cast<libxsmm_blasint>(g.K), &lda, &ldb, &ldc, &alpha, &beta,
                             &flags, &prefetch);
}

void run_libxsmm(const GemmArgs& g) {
  if (const libxsmm_smmfunction f = libxsmm_kernel(g)) {
    f(g.a, g.b, g.c);  // column-major, like GemmArgs: C = op(A)·op(B) (+ C when beta = 1)
  } else {
    run_eigen(g);
  }
}
#endif

// ---- OpenBLAS (dlopen) ---------------------------------------------------------------------

struct OpenBlas {
  using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int,
                         float, float*, int);
  Sgemm sgemm = nullptr;
  std::string version;  // "0.3.21 Haswell" (its config string's version and the core in use)
};

/// OpenBLAS when this process may use it: loaded here (not already by someone else), with its
/// thread count set to 1. nullopt otherwise.
const std::optional<OpenBlas>& openblas() {
  static const std::optional<OpenBlas> lib = []() -> std::optional<OpenBlas> {
    for (const char* name : {"libopenblas.so.0", "libopenblas.so"}) {
      if (void* other = dlopen(name, RTLD_NOW | RTLD_NOLOAD)) {  // another library's: leave it
        dlclose(other);
        return std::nullopt;
      }
    }
    void* h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) return std::nullopt;
    OpenBlas o;
    o.sgemm = reinterpret_cast<OpenBlas::Sgemm>(dlsym(h, "cblas_sgemm"));
    auto set_threads = reinterpret_cast<void (*)(int)>(dlsym(h, "openblas_set_num_threads"));
    auto config = reinterpret_cast<char* (*)()>(dlsym(h, "openblas_get_config"));
    auto core = reinterpret_cast<char* (*)()>(dlsym(h, "openblas_get_corename"));
    if (o.sgemm == nullptr || set_threads == nullptr) return std::nullopt;  // kept loaded
    set_threads(1);
    std::string cfg = config != nullptr ? config() : "";
    // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64": keep the version.
    if (cfg.rfind("OpenBLAS ", 0) == 0) cfg = cfg.substr(9, cfg.find(' ', 9) - 9);
    o.version = fmt::format("{} {}", cfg, core != nullptr ? core() : "");
    return o;
  }();
  return lib;
}

void run_openblas(const GemmArgs& g) {
  constexpr int kColMajor = 102, kNoTrans = 111, kTrans = 112;
  openblas()->sgemm(kColMajor, g.ta ? kTrans : kNoTrans, g.tb ? kTrans : kNoTrans,
                    static_cast<int>(g.M), static_cast<int>(g.N), static_cast<int>(g.K), g.alpha,
                    g.a, static_cast<int>(g.lda), g.b, static_cast<int>(g.ldb), g.beta, g.c,
                    static_cast<int>(g.ldc));
}

}  // namespace

bool available(GemmKernel k) {
  switch (k) {
    case GemmKernel::eigen:
      return true;
    case GemmKernel::onednn:
#ifdef MLP_HAVE_ONEDNN
      return true;
#else
      return false;
#endif
    case GemmKernel::libxsmm:
#ifdef MLP_HAVE_LIBXSMM
      return true;
#else
      return false;
#endif
    case GemmKernel::openblas:
      return openblas().has_value();
  }
  return false;
}

bool runs_itself(GemmKernel k, const GemmArgs& args) {
  if (k != GemmKernel::libxsmm) return available(k);
#ifdef MLP_HAVE_LIBXSMM
  return libxsmm_kernel(args) != nullptr;
#else
  (void)args;
  return false;
#endif
}

// ---- the choice ------------------------------------------------------------------------------

/// MLP_GEMM, or the build's default (MLP_GEMM_DEFAULT) when unset.
std::string gemm_setting() {
#ifndef MLP_GEMM_DEFAULT
#define MLP_GEMM_DEFAULT "auto"
#endif
  const char* env = std::getenv("MLP_GEMM");
  return env != nullptr ? env : MLP_GEMM_DEFAULT;
}

namespace {

/// MLP_GEMM: nullopt for auto, else the forced kernel.
std::optional<GemmKernel> forced_kernel() {
  static const std::optional<GemmKernel> forced = []() -> std::optional<GemmKernel> {
    if (const std::string error = gemm_setting_error(); !error.empty()) throw ConfigError(error);
    const std::string v = gemm_setting();
    for (int i = 0; i < kGemmKernelCount; ++i) {
      if (v == kernel_name(static_cast<GemmKernel>(i))) return static_cast<GemmKernel>(i);
    }
    return std::nullopt;  // empty or "auto"
  }();
  return forced;
}

Index size_class(Index n) {
  Index p = 1;
  while (p < n) p *= 2;
  return p;
}

using ClassKey = std::tuple<bool, bool, Index, Index, Index>;

struct Choices {
  std::mutex mutex;
  std::map<ClassKey, GemmKernel> chosen;
  std::array<bool, kGemmKernelCount> wrong{};  // failed a check once: never used again
  // What a kernel's first call in this process cost beyond a steady call, seconds (-1: not run
  // yet): oneDNN's ~45 ms of start-up (its JIT and OpenMP runtime), libxsmm's registry and first
  // kernel ~5 ms.
  std::array<double, kGemmKernelCount> startup{-1, -1, -1, -1};
  std::vector<std::string> log;               // one line per decision, for gemm_choices()
};

Choices& choices() {
  static Choices c;
  return c;
}

/// Runs g on k with fresh random operands of its shape; true when every element of the result
/// is within 8·K·u·(|A|·|B| + |beta|·|C|)ᵢⱼ of Eigen's, for beta = 0 (C's old contents NaN, which
/// must not survive), beta = 1 and g's beta. Writes the median time of `repeats` runs with g's
/// beta to *seconds, and the time of the first call (beta = 0) to *first_seconds.
bool check_and_time(GemmKernel k, const GemmArgs& g, int repeats, double* seconds,
                    double* first_seconds) {
  const Index ar = g.ta ? g.K : g.M, ac = g.ta ? g.M : g.K;
  const Index br = g.tb ? g.N : g.K, bc = g.tb ? g.K : g.N;
  std::mt19937 gen(12345);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  Matrix<float> A(ar, ac), B(br, bc), C0(g.M, g.N);
  for (Index i = 0; i < A.size(); ++i) A.data()[i] = u(gen);
  for (Index i = 0; i < B.size(); ++i) B.data()[i] = u(gen);
  for (Index i = 0; i < C0.size(); ++i) C0.data()[i] = u(gen);
  const auto args = [&](Matrix<float>& C, float beta) {
    return GemmArgs{g.M, g.N, g.K, 1.f, A.data(), ar, g.ta, B.data(), br, g.tb, beta, C.data(),
                    g.M};
  };
  const Matrix<float> opA = g.ta ? Matrix<float>(A.transpose()) : A;
  const Matrix<float> opB = g.tb ? Matrix<float>(B.transpose()) : B;
  const Matrix<float> product_bound = opA.cwiseAbs() * opB.cwiseAbs();
  const float u_k = 8.f * static_cast<float>(g.K + 1) * std::numeric_limits<float>::epsilon() / 2;
  for (const float beta : {0.f, 1.f, g.beta}) {
    Matrix<float> ref = C0, out = C0;
    if (beta == 0.f) out.setConstant(std::numeric_limits<float>::quiet_NaN());
    run_eigen(args(ref, beta));
    const auto t0 = std::chrono::steady_clock::now();
    run_kernel(k, args(out, beta));
    if (first_seconds != nullptr) {
      *first_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      first_seconds = nullptr;
    }
    const Matrix<float> bound = (product_bound + std::abs(beta) * C0.cwiseAbs()) * u_k;
    for (Index i = 0; i < ref.size(); ++i) {
      const float d = std::abs(out.data()[i] - ref.data()[i]);
      if (!(d <= bound.data()[i] + 1e-30f)) return false;
    }
  }
  std::vector<double> times(static_cast<std::size_t>(repeats));
  Matrix<float> out = C0;
  for (double& t : times) {
    out = C0;
    const auto t0 = std::chrono::steady_clock::now();
    run_kernel(k, args(out, g.beta));
    t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  std::nth_element(times.begin(), times.begin() + repeats / 2, times.end());
  *seconds = times[static_cast<std::size_t>(repeats / 2)];
  return true;
}

}  // namespace

std::string cache_signature() {
  std::string cpu = "unknown cpu";
  if (std::FILE* f = std::fopen("/proc/cpuinfo", "r")) {
    char line[512];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::strncmp(line, "model name", 10) == 0) {
        const char* colon = std::strchr(line, ':');
        if (colon != nullptr) cpu = colon + 1;
        break;
      }
    }
    std::fclose(f);
  }
  std::string sig = fmt::format("{}|{}|{}", cpu, gemm_backend().version,
                                Eigen::SimdInstructionSetsInUse());
  for (char& ch : sig) {
    if (ch == '\t' || ch == '\n' || ch == '\r') ch = ' ';
  }
  while (!sig.empty() && sig.front() == ' ') sig.erase(0, 1);
  return sig;
}

namespace {

/// The file that keeps the choices of this machine, so that every process (a run and its
/// resumption, two runs of one seed) uses the same kernels and gets the same bits: MLP_GEMM_CACHE,
/// else $XDG_CACHE_HOME/mlp/gemm-kernels.tsv, else ~/.cache/mlp/gemm-kernels.tsv. Empty when
/// there is no such place (the choices then hold for this process only).
std::string cache_path() {
  if (const char* p = std::getenv("MLP_GEMM_CACHE")) return p;
  std::string dir;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x == '/') {
    dir = x;
  } else if (const char* h = std::getenv("HOME"); h != nullptr && *h == '/') {
    dir = std::string(h) + "/.cache";
  } else {
    return {};
  }
  ::mkdir(dir.c_str(), 0755);  // may exist; failures show up when the file is opened
  dir += "/mlp";
  ::mkdir(dir.c_str(), 0755);
  return dir + "/gemm-kernels.tsv";
}

std::string key_text(const ClassKey& k) {
  return fmt::format("{}{} {} {} {}", std::get<0>(k) ? 'T' : 'N', std::get<1>(k) ? 'T' : 'N',
                     std::get<2>(k), std::get<3>(k), std::get<4>(k));
}

/// The cache file, opened and locked (flock, exclusive) for the time of one decision, so that
/// processes starting together measure a size class once between them. fd -1: no cache.
class LockedCache {
 public:
  LockedCache() {
    const std::string path = cache_path();
    if (path.empty()) return;
    // O_NONBLOCK: a FIFO given as the cache must not block the open. Only a regular file of at
    // most kMaxBytes serves (not /dev/zero, a FIFO, a device); anything else is ignored.
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644);
    struct stat st {};
    if (fd_ >= 0 && (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxBytes ||
                     ::flock(fd_, LOCK_EX) != 0)) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~LockedCache() {
    if (fd_ >= 0) ::close(fd_);  // also releases the lock
  }
  LockedCache(const LockedCache&) = delete;
  LockedCache& operator=(const LockedCache&) = delete;

  /// The kernel recorded for (signature, key), if any and available here.
  std::optional<GemmKernel> find(const std::string& signature, const std::string& key) const {
    if (fd_ < 0) return std::nullopt;
    std::string text;
    char buf[4096];
    for (off_t at = 0; at < kMaxBytes;) {
      const ssize_t n = ::pread(fd_, buf, sizeof buf, at);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
      at += n;
    }
    const std::string prefix = signature + "\t" + key + "\t";
    for (std::size_t pos = 0; pos < text.size();) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) break;  // a line being written by another process
      const std::string_view line(text.data() + pos, end - pos);
      pos = end + 1;
      if (line.substr(0, std::min(line.size(), prefix.size())) != prefix) continue;
      const std::string_view name = line.substr(prefix.size());
      for (int i = 0; i < kGemmKernelCount; ++i) {
        const auto k = static_cast<GemmKernel>(i);
        if (name == kernel_name(k) && available(k)) return k;
      }
    }
    return std::nullopt;
  }

  /// Appends a decision (one write of a whole line; errors leave the file as it was read).
  void add(const std::string& signature, const std::string& key, GemmKernel k) const {
    if (fd_ < 0) return;
    const std::string line = fmt::format("{}\t{}\t{}\n", signature, key, kernel_name(k));
    [[maybe_unused]] const ssize_t n = ::write(fd_, line.data(), line.size());
  }

 private:
  static constexpr off_t kMaxBytes = 1 << 20;  // ~5000 decisions; a larger file is not ours
  int fd_ = -1;
};

}  // namespace

void run_kernel(GemmKernel k, const GemmArgs& g) {
  switch (k) {
    case GemmKernel::eigen:
      run_eigen(g);
      return;
    case GemmKernel::onednn:
#ifdef MLP_HAVE_ONEDNN
      run_onednn(g);
      return;
#else
      break;
#endif
    case GemmKernel::libxsmm:
#ifdef MLP_HAVE_LIBXSMM
      run_libxsmm(g);
      return;
#else
      break;
#endif
    case GemmKernel::openblas:
      run_openblas(g);
      return;
  }
  run_eigen(g);
}

GemmKernel kernel_for(const GemmArgs& g) {
  const ClassKey key{g.ta, g.tb, size_class(g.M), size_class(g.N), size_class(g.K)};
  Choices& c = choices();
  std::lock_guard lock(c.mutex);
  if (const auto it = c.chosen.find(key); it != c.chosen.end()) return it->second;
  const std::optional<GemmKernel> forced = forced_kernel();
  // Under auto, a choice this machine made before (in this process or another) stands.
  std::optional<LockedCache> cache;
  static const std::string signature = cache_signature();
  if (!forced) {
    cache.emplace();
    if (const auto k = cache->find(signature, key_text(key))) {
      c.chosen.emplace(key, *k);
      c.log.push_back(fmt::format("{} {}x{}x{}: {} (cached)", key_text(key).substr(0, 2), g.M, g.N,
                                  g.K, kernel_name(*k)));
      return *k;
    }
  }
  // Enough repeats for ~0.5 ms of one candidate, 3 to 25 of them (work: 2·M·N·K flop at ~100 GFLOP/s).
  const double flop = 2.0 * static_cast<double>(g.M) * static_cast<double>(g.N) *
                      static_cast<double>(g.K);
  const int repeats = static_cast<int>(std::clamp(5e-4 / (flop / 1e11), 3.0, 25.0));
  GemmKernel best = GemmKernel::eigen;
  double best_seconds = std::numeric_limits<double>::infinity();
  std::string line = fmt::format("{}{} {}x{}x{}:", g.ta ? "T" : "N", g.tb ? "T" : "N", g.M, g.N,
                                 g.K);
  for (int i = 0; i < kGemmKernelCount; ++i) {
    const auto k = static_cast<GemmKernel>(i);
    if (forced && k != *forced && k != GemmKernel::eigen) continue;
    if (!forced && k == GemmKernel::openblas) continue;  // forced only (see the file comment)
    if (!available(k) || c.wrong[static_cast<std::size_t>(i)]) continue;
    // runs_itself asks libxsmm for its kernel: its first call in a process also starts libxsmm
    // (~4 ms: its registry and scratch memory), part of the start-up counted below.
    const auto dispatch_start = std::chrono::steady_clock::now();
    if (!forced && !runs_itself(k, g)) continue;  // libxsmm on op(A) = Aᵀ: Eigen's time again
    const double dispatch =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - dispatch_start).count();
    double seconds = 0, first = 0;
    if (!check_and_time(k, g, forced ? 1 : repeats, &seconds, &first)) {
      c.wrong[static_cast<std::size_t>(i)] = true;
      line += fmt::format(" {} wrong (dropped)", kernel_name(k));
      if (forced && k == *forced) {
        throw Error(fmt::format(
            "MLP_GEMM={}: its result for a {}x{}x{} product differs from Eigen's beyond rounding "
            "— this kernel is wrong on this CPU; unset MLP_GEMM (auto drops it)",
            kernel_name(k), g.M, g.N, g.K));
      }
      continue;
    }
    // A kernel's start-up (its first call in a process beyond a steady one, measured once) is
    // counted as if spread over kAmortizedCalls products of the class: a process that runs few
    // products (a one-row `mlp predict`, a fit on a small set) must not pay ~45 ms of oneDNN's
    // start-up to save a microsecond per product. Measured the first time the kernel runs, and
    // charged to every class after, so that a choice does not depend on which ran first.
    constexpr double kAmortizedCalls = 1e4;
    double& startup = c.startup[static_cast<std::size_t>(i)];
    if (startup < 0) startup = std::max(0.0, dispatch + first - seconds);
    const double cost = seconds + startup / kAmortizedCalls;
    line += fmt::format(" {} {:.1f} GFLOP/s", kernel_name(k), flop / seconds / 1e9);
    if (startup > 1e-3) line += fmt::format(" (+{:.0f} ms once)", startup * 1e3);
    if (cost < best_seconds) {
      best_seconds = cost;
      best = k;
    }
  }
  if (forced) best = *forced;
  if (cache) cache->add(signature, key_text(key), best);
  c.chosen.emplace(key, best);
  c.log.push_back(fmt::format("{} -> {}", line, kernel_name(best)));
  return best;
}

}  // namespace mlp::detail

namespace mlp {

GemmBackend gemm_backend() {
  using detail::GemmKernel;
  GemmBackend b;
  const auto forced = detail::forced_kernel();
  b.name = forced ? detail::kernel_name(*forced) : "auto";
  b.version = fmt::format("eigen {}.{}.{}", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION,
                          EIGEN_MINOR_VERSION);
#ifdef MLP_HAVE_ONEDNN
  b.version += ", onednn " + detail::onednn_version();
#endif
#ifdef MLP_HAVE_LIBXSMM
  b.version += fmt::format(", libxsmm {}.{}.{}", LIBXSMM_VERSION_MAJOR, LIBXSMM_VERSION_MINOR,
                           LIBXSMM_VERSION_UPDATE);
#endif
  if (forced == GemmKernel::openblas) b.version += ", openblas " + detail::openblas()->version;
  b.simd = Eigen::SimdInstructionSetsInUse();
  return b;
}

std::vector<std::string> gemm_choices() {
  auto& c = detail::choices();
  std::lock_guard lock(c.mutex);
  return c.log;
}

std::string gemm_setting_error() {
  const std::string v = detail::gemm_setting();
  if (v.empty() || v == "auto") return {};
  std::string names = "auto";
  for (int i = 0; i < detail::kGemmKernelCount; ++i) {
    const auto k = static_cast<detail::GemmKernel>(i);
    if (v == detail::kernel_name(k)) {
      if (detail::available(k)) return {};
      return fmt::format("MLP_GEMM={}: this kernel is not available here ({}) — unset MLP_GEMM or "
                         "choose one that is", v,
                         k == detail::GemmKernel::onednn
                             ? "this build has no oneDNN: libdnnl-dev, MLP_ONEDNN=ON"
                         : k == detail::GemmKernel::libxsmm
                             ? "this build has no libxsmm: libxsmm-dev, MLP_LIBXSMM=ON"
                             : "libopenblas0 is not installed or this process loaded it already");
    }
    names += std::string(", ") + detail::kernel_name(k);
  }
  return fmt::format("MLP_GEMM='{}' is not a GEMM kernel — choose one of: {}", v, names);
}

}  // namespace mlp
