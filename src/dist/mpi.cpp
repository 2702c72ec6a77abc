#include "mlp/dist/mpi.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <memory>

#include "mlp/core/error.hpp"

#ifdef MLP_HAS_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only (Open MPI's deprecated C++ bindings are not wanted)
#include <mpi.h>
#endif

namespace mlp::dist {

bool launched() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(var) != nullptr) return true;
  }
  return false;
}

#ifdef MLP_HAS_MPI

namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw Error(fmt::format("{}: {}", what, std::string(text, static_cast<std::size_t>(len))));
}

class MpiWorld final : public Communicator {
 public:
  MpiWorld() {
    int ready = 0;
    MPI_Initialized(&ready);
    if (!ready) check(MPI_Init(nullptr, nullptr), "MPI_Init");
    // Errors are returned (and thrown as mlp::Error) instead of aborting the job silently.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
  }
  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }

 protected:
  void allreduce(std::span<double> values, bool max) override {
    check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE,
                        max ? MPI_MAX : MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
  }

 private:
  int rank_ = 0, size_ = 1;
};

std::unique_ptr<MpiWorld>& instance() {
  static std::unique_ptr<MpiWorld> world;
  return world;
}

}  // namespace

bool compiled_in() { return true; }

std::string description() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(text, &len);
  std::string s(text, static_cast<std::size_t>(len));
  if (const auto comma = s.find(','); comma != std::string::npos) s.resize(comma);  // "Open MPI v4.1.4"
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Communicator* world() {
  if (!launched()) return nullptr;
  auto& w = instance();
  if (!w) w = std::make_unique<MpiWorld>();
  return w.get();
}

void finish(int exit_code) {
  if (!instance()) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (exit_code == 0 && !finalized) MPI_Finalize();
}

#else  // built without MPI

bool compiled_in() { return false; }
std::string description() { return "none (built without MPI: -DMLP_MPI=OFF or no MPI found)"; }
Communicator* world() {
  // The launcher's own variables, read only to refuse clearly: N copies of a one-process run
  // would each train the whole model into the same run directory.
  const char* n = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (n == nullptr) n = std::getenv("PMI_SIZE");
  if (n != nullptr && std::atoi(n) > 1) {
    throw ConfigError(fmt::format(
        "this mlp was built without MPI (MLP_MPI=OFF), so it cannot train data-parallel over the {} "
        "processes the launcher started — run it as one process, or build with libopenmpi-dev "
        "installed (docs/distributed.md)", n));
  }
  return nullptr;
}
void finish(int) {}

#endif

}  // namespace mlp::dist
