// `mlp lint`: checks of a configuration and its data before training, in seconds — each finding
// with a severity, a stable code, what was found and how to fix it (the codes: docs/cli.md,
// "mlp lint"). The data checks are linear in the data size (rows are hashed for duplicates).
// `mlp train` runs the error-level checks first and refuses to train on one (enforce_lint).
//
//   std::vector<config::Finding> f = config::lint("run.toml", {});
//   for (const auto& x : f) std::cout << to_string(x.severity) << " " << x.code << ": " << x.message;
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/config/config.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/error.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/nn/network.hpp"

namespace mlp::config {

enum class Severity { error, warning, info };
std::string_view to_string(Severity s);

struct Finding {
  Severity severity = Severity::warning;
  std::string code;     ///< e.g. "test-leak" (docs/cli.md lists them all)
  std::string message;  ///< what was found, where
  std::string fix;      ///< what to change
  /// For an error: the exit code `mlp train` refuses with — ExitCode::data for the data's
  /// problems, ExitCode::usage for the configuration's.
  ExitCode exit = ExitCode::usage;
  bool operator==(const Finding&) const = default;
};

/// Every check of the configuration at `path` (with `overrides`) and of its data, the data
/// split as `mlp train` splits it; findings whose code is in `ignore` are left out. Errors first,
/// then warnings, then infos. Throws as load_config and load_data (a file that cannot be read or
/// parsed), ConfigError for an unknown code in `ignore`.
std::vector<Finding> lint(const std::filesystem::path& path, const std::vector<std::string>& overrides,
                          const std::vector<std::string>& ignore = {});
/// The same for a configuration already read (data paths resolved).
std::vector<Finding> lint(const RunConfig& cfg, const std::vector<std::string>& ignore = {});
/// The same, handing the split it checked to `checked` when the data checks ran (empty
/// otherwise): the sets of prepare_data(cfg) before their normalization (one-hot columns,
/// example weights and imputation done, values as in the files), so that training goes on
/// with them through normalize(cfg, *checked) instead of reading the files a second time.
std::vector<Finding> lint(const RunConfig& cfg, const std::vector<std::string>& ignore,
                          std::optional<PreparedData>& checked);

/// For `mlp train`: throws the first error-level finding of lint(cfg, ignore) — DataError or
/// ConfigError by Finding::exit — with its message, its fix and how to skip the check. With
/// `checked`, the split lint checked goes there (as lint(cfg, ignore, checked)).
void enforce_lint(const RunConfig& cfg, const std::vector<std::string>& ignore,
                  std::optional<PreparedData>* checked = nullptr);

/// Every code a check can report, in documentation order.
const std::vector<std::string_view>& lint_codes();

/// The single checks, for tests and C++ callers. Each appends its findings to `out`.
namespace lint_checks {
/// Examples of `other` (its features and targets) that also appear in `train`, found by hashing
/// rows. `role` is "test" or "dev"; `separate_file` says whether `other` comes from its own file
/// (test-leak: an error when >= 1 % of the test rows, else a warning; dev-leak: a warning) or
/// from the split of the training file (split-duplicates: a warning, an info below 1 %).
void duplicates(const data::Dataset& train, const data::Dataset& other, std::string_view role, bool separate_file,
                std::vector<Finding>& out);
/// constant-column (warning) and missing-column (no finite value: error) over the features.
void columns(const data::Dataset& train, std::vector<Finding>& out);
/// target-leak (error): a feature equal to the target, an affine copy of a regression target,
/// or in one-to-one correspondence with the classes.
void target_leak(const data::Dataset& train, std::vector<Finding>& out);
/// class-imbalance (warning): majority / minority class count > 20.
void class_imbalance(const data::Dataset& train, std::vector<Finding>& out);
/// feature-scales (warning): normalize = "none" and the largest standard deviation of a feature
/// over the smallest (non-constant ones) > 100.
void feature_scales(const RunConfig& cfg, const data::Dataset& train, std::vector<Finding>& out);
/// batch-size (warning): train.batch_size > the training examples.
void batch_size(const RunConfig& cfg, Index train_examples, std::vector<Finding>& out);
/// too-many-parameters (warning): parameters > 10 × training examples with no L1/L2, dropout or
/// early stopping.
void parameters(const RunConfig& cfg, const ModelSpec& spec, Index train_examples, std::vector<Finding>& out);
/// learning-rate (warning): train.learning_rate outside the optimizer's usual range
/// (usual_learning_rates).
void learning_rate(const RunConfig& cfg, std::vector<Finding>& out);
/// saturating-depth (warning): 4 or more hidden layers, some of them sigmoid or tanh.
void saturating_depth(const ModelSpec& spec, std::vector<Finding>& out);
/// zero-init (error; a warning with dropout, whose masks break the symmetry): init = zeros with
/// hidden layers.
void zero_init(const ModelSpec& spec, std::vector<Finding>& out);
/// output-dropout (error): keep_prob < 1 on the output layer (the configuration's parser
/// already refuses it; a ModelSpec built in C++ can have it).
void output_dropout(const ModelSpec& spec, std::vector<Finding>& out);
}  // namespace lint_checks

/// The usual range [lo, hi] of the learning rate of an optimizer (docs/cli.md); {0, inf} for
/// an optimizer without an entry.
struct LearningRateRange {
  double lo, hi;
};
LearningRateRange usual_learning_rates(std::string_view optimizer);

}  // namespace mlp::config
