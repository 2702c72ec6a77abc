// The Open MPI transport of data-parallel training (docs/distributed.md). Only this area links
// MPI; built with the CMake option MLP_MPI (on when find_package(MPI) finds it). Without it the
// functions below still exist: world() then returns null and compiled_in() false.
#pragma once

#include <string>

#include "mlp/train/distributed.hpp"

namespace mlp::dist {

/// True when this build has MPI support.
[[nodiscard]] bool compiled_in();
/// "Open MPI 4.1.4" (the library this build runs with) or "none (built without MPI)".
[[nodiscard]] std::string description();

/// True when the process was started by an MPI launcher: Open MPI's mpirun/mpiexec
/// (OMPI_COMM_WORLD_SIZE), or a PMIx / PMI launcher such as Slurm's srun (PMIX_RANK, PMI_RANK).
/// Only then does world() initialize MPI, so a plain `mlp train` never pays for MPI_Init.
[[nodiscard]] bool launched();

/// The ranks of this job (MPI_COMM_WORLD), initializing MPI on the first call; null when the
/// build has no MPI or the process was not launched by an MPI launcher. The number of ranks
/// comes from MPI_Comm_size, not from the environment.
[[nodiscard]] Communicator* world();

/// To be called once at the end of main() with its exit code. After MPI was initialized: exit
/// code 0 finalizes MPI (every rank gets there); any other code leaves it unfinalized, so that
/// the launcher ends the whole job instead of ranks waiting for a rank that failed alone.
void finish(int exit_code);

}  // namespace mlp::dist
