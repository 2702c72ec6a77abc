// Reproducibility: the manifest a run records in summary.json ("manifest": the build, the
// kernels, the thread count, the seed, the SHA-256 of every data file and the effective
// configuration) and `mlp train --reproduce RUN_DIR`, which trains the run again from it and
// says whether the final weights are bit-identical (docs/cli.md, "Reproducing a run").
//
//   config::ReproduceResult r = config::reproduce_run("runs/iris", {});
//   if (!r.identical) std::cerr << r.max_abs_difference << ...;
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlp/config/commands.hpp"
#include "mlp/config/config.hpp"

namespace mlp::config {

/// The SHA-256 of the bytes of the file at `path`, 64 lowercase hex digits (OpenSSL's
/// libcrypto), read in blocks. InputError when it cannot be opened or read.
[[nodiscard]] std::string sha256_file(const std::filesystem::path& path);

/// The build this library is: version, the git commit and whether tracked files had changes
/// when CMake configured ("unknown" without git), compiler id, version, build type and flags.
[[nodiscard]] nlohmann::json build_manifest();

/// summary.json's "manifest" for a run of `cfg` (data paths resolved) in `run_dir`:
///   mlp_version, git_commit, git_dirty, compiler {id, version, build_type, flags},
///   gemm {backend, version, simd}, threads (the kernels' thread count now), seed,
///   data {key: {path (relative to run_dir, as config.toml), sha256}} for data.train and every
///   file key set (data.dev, data.test, the IDX labels, model.init_from), config (the
///   effective configuration: to_toml with every key, data paths relative to run_dir).
/// Standard input ("-") is recorded with sha256 null. InputError when a data file cannot be read.
[[nodiscard]] nlohmann::json run_manifest(const RunConfig& cfg, const std::filesystem::path& run_dir);

struct ReproduceResult {
  std::filesystem::path original;  ///< RUN_DIR
  TrainRunResult training;         ///< the new run (training.dir: where it was trained)
  bool identical = false;          ///< every weight bit-identical to RUN_DIR/model.mlp
  double max_abs_difference = 0;   ///< max |θ_new − θ_original| (inf: other shapes, NaN: NaNs)
  /// The manifest fields whose values differ between the two runs, each as
  /// "field: original → new" (git_commit, compiler.flags, threads, ...); the data files are
  /// the same by construction (a changed file is refused before training).
  std::vector<std::string> differences;
  /// {"identical", "max_abs_difference", "differences", "original", "run"} (`--json`).
  [[nodiscard]] std::string json() const;
};

/// `mlp train --reproduce RUN_DIR`: reads RUN_DIR/summary.json's manifest, checks that every
/// data file it names (resolved against RUN_DIR, as config.toml's paths) still has its SHA-256,
/// trains RUN_DIR/config.toml again with the manifest's thread count into `options.out` (empty:
/// the first free sibling RUN_DIR-reproduce, RUN_DIR-reproduce-2, ...; an existing run there is
/// refused as by train_run, so RUN_DIR is never touched) and compares the final weights with
/// RUN_DIR/model.mlp. `options` supplies the callbacks and hooks (config, overrides, resume,
/// force and lint are set here). Throws InputError when RUN_DIR, its summary.json or its
/// model.mlp is missing (exit 66), DataError when summary.json has no manifest or a data file
/// changed (naming the file and both hashes; exit 65), and whatever train_run throws.
ReproduceResult reproduce_run(const std::filesystem::path& run_dir, TrainRunOptions options);

}  // namespace mlp::config
