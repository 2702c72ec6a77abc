// config::lint — pre-training checks of a configuration and its data (lint.hpp).
#include "mlp/config/lint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_map>

#include "mlp/config/run.hpp"

namespace mlp::config {
namespace {

Finding make(Severity s, std::string code, std::string message, std::string fix, ExitCode exit = ExitCode::usage) {
  return {s, std::move(code), std::move(message), std::move(fix), exit};
}

std::string feature_name(const data::Dataset& d, Index j) {
  return j < static_cast<Index>(d.feature_names.size()) ? fmt::format("\"{}\"", d.feature_names[static_cast<std::size_t>(j)])
                                                        : fmt::format("feature {}", j);
}

/// A value's bits for hashing and equality (every NaN alike, -0 = +0).
std::uint32_t bits(float v) {
  if (std::isnan(v)) return 0x7fc00000u;
  if (v == 0.0f) return 0;
  return std::bit_cast<std::uint32_t>(v);
}

/// bits() without branches (the same value), for the hashing loop.
std::uint64_t canonical_bits(float v) {
  const std::uint32_t w = std::bit_cast<std::uint32_t>(v);
  const std::uint32_t magnitude = w & 0x7fffffffu;
  const std::uint32_t zero_or_w = magnitude == 0 ? 0u : w;
  return magnitude > 0x7f800000u ? 0x7fc00000u : zero_or_w;
}

/// The hash of example i's features and target (as bits(): every NaN alike, -0 = +0). Example i
/// is column i of X (contiguous): two values per 64-bit word, four independent lanes of
/// multiply-xorshift mixing (a pass at memory speed), folded into one value at the end.
std::uint64_t row_hash(const data::Dataset& d, Index i) {
  constexpr std::uint64_t kPrime = 1099511628211ull;
  std::uint64_t h[4] = {1469598103934665603ull, 0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull};
  const float* x = d.X.data() + i * d.X.rows();
  const Index n = d.X.rows();
  Index j = 0;
  for (; j + 8 <= n; j += 8) {
    for (int l = 0; l < 4; ++l) {
      const std::uint64_t word = canonical_bits(x[j + 2 * l]) | (canonical_bits(x[j + 2 * l + 1]) << 32);
      h[l] = (h[l] ^ word) * kPrime;
      h[l] ^= h[l] >> 29;
    }
  }
  std::uint64_t out = h[0];
  for (int l = 1; l < 4; ++l) out = ((out ^ h[l]) * kPrime) ^ (out >> 29);
  for (; j < n; ++j) out = ((out ^ canonical_bits(x[j])) * kPrime) ^ (out >> 29);
  if (d.task == data::Task::classification) {
    if (static_cast<std::size_t>(i) < d.labels.size()) {
      out = (out ^ static_cast<std::uint32_t>(d.labels[static_cast<std::size_t>(i)])) * kPrime;
    }
  } else {
    for (Index k = 0; k < d.Y.rows(); ++k) out = ((out ^ bits(d.Y(k, i))) * kPrime) ^ (out >> 29);
  }
  return out;
}

/// Whether example a of `x` and example b of `y` have the same features and target (as bits()).
bool same_row(const data::Dataset& x, Index a, const data::Dataset& y, Index b) {
  const Index n = x.X.rows();
  const float* p = x.X.data() + a * n;
  const float* q = y.X.data() + b * n;
  for (Index j = 0; j < n; ++j) {
    if (bits(p[j]) != bits(q[j])) return false;
  }
  if (x.task == data::Task::classification) {
    const bool la = static_cast<std::size_t>(a) < x.labels.size(), lb = static_cast<std::size_t>(b) < y.labels.size();
    if (la != lb) return false;
    return !la || x.labels[static_cast<std::size_t>(a)] == y.labels[static_cast<std::size_t>(b)];
  }
  if (x.Y.rows() != y.Y.rows()) return false;
  for (Index k = 0; k < x.Y.rows(); ++k) {
    if (bits(x.Y(k, a)) != bits(y.Y(k, b))) return false;
  }
  return true;
}

bool is_saturating(Activation a) { return a == Activation::sigmoid || a == Activation::tanh; }

std::uint64_t parameter_count(const ModelSpec& spec) {
  std::uint64_t n = 0;
  Index in = spec.inputs;
  for (const LayerSpec& l : spec.layers) {
    n += static_cast<std::uint64_t>(in) * static_cast<std::uint64_t>(l.units) + static_cast<std::uint64_t>(l.units);
    in = l.units;
  }
  return n;
}

}  // namespace

std::string_view to_string(Severity s) {
  return s == Severity::error ? "error" : s == Severity::warning ? "warning" : "info";
}

const std::vector<std::string_view>& lint_codes() {
  static const std::vector<std::string_view> codes{
      "test-leak",      "dev-leak",         "split-duplicates", "missing-column",      "constant-column",
      "target-leak",    "class-imbalance",  "feature-scales",   "batch-size",          "too-many-parameters",
      "learning-rate",  "saturating-depth", "zero-init",        "output-dropout"};
  return codes;
}

LearningRateRange usual_learning_rates(std::string_view optimizer) {
  // Orders of magnitude around the defaults of the literature (docs/cli.md): adaptive methods
  // divide by a running gradient scale, so their steps are ~lr per weight; plain gradient
  // descent and momentum take lr × the gradient.
  if (optimizer == "gd" || optimizer == "momentum" || optimizer == "momentum_pytorch") return {1e-4, 1.0};
  if (optimizer == "adam" || optimizer == "adamw" || optimizer == "rmsprop") return {1e-5, 3e-2};
  if (optimizer == "adagrad") return {1e-4, 1.0};
  return {0.0, std::numeric_limits<double>::infinity()};
}

namespace {

/// The rows of a training set by hash (a bucket keeps the indices with that hash).
using RowIndex = std::unordered_map<std::uint64_t, std::vector<Index>>;

RowIndex index_rows(const data::Dataset& train) {
  RowIndex seen;
  seen.reserve(static_cast<std::size_t>(train.size()));
  for (Index i = 0; i < train.size(); ++i) seen[row_hash(train, i)].push_back(i);
  return seen;
}

/// lint_checks::duplicates with the training rows already indexed (once for dev and test).
void indexed_duplicates(const data::Dataset& train, const RowIndex& seen, const data::Dataset& other,
                        std::string_view role, bool separate_file, std::vector<Finding>& out);

}  // namespace

namespace lint_checks {

void duplicates(const data::Dataset& train, const data::Dataset& other, std::string_view role, bool separate_file,
                std::vector<Finding>& out) {
  if (other.size() == 0 || train.size() == 0 || other.X.rows() != train.X.rows()) return;
  indexed_duplicates(train, index_rows(train), other, role, separate_file, out);
}

}  // namespace lint_checks

namespace {

void indexed_duplicates(const data::Dataset& train, const RowIndex& seen, const data::Dataset& other,
                        std::string_view role, bool separate_file, std::vector<Finding>& out) {
  if (other.size() == 0 || train.size() == 0 || other.X.rows() != train.X.rows()) return;
  Index copies = 0;
  std::optional<Index> first;
  for (Index i = 0; i < other.size(); ++i) {
    const auto it = seen.find(row_hash(other, i));
    if (it == seen.end()) continue;
    const bool equal = std::any_of(it->second.begin(), it->second.end(), [&](Index t) { return same_row(other, i, train, t); });
    if (!equal) continue;
    ++copies;
    if (!first) first = i;
  }
  if (copies == 0) return;
  const double share = static_cast<double>(copies) / static_cast<double>(other.size());
  const std::string what = fmt::format("{} of the {} {} examples ({:.1f} %) also appear in the training data (same "
                                       "features and target; the first is {} example {})",
                                       copies, other.size(), role, 100 * share, role, *first + 1);
  if (separate_file && role == "test") {
    out.push_back(make(share >= 0.01 ? Severity::error : Severity::warning, "test-leak",
                       fmt::format("{}: {} — the test metrics measure memory, not generalization", other.source, what),
                       "remove those rows from the training file (or from the test file)", ExitCode::data));
  } else if (separate_file) {
    out.push_back(make(Severity::warning, "dev-leak",
                       fmt::format("{}: {} — the dev metrics, early stopping and model choice are optimistic",
                                   other.source, what),
                       "remove those rows from the training file (or from the dev file)", ExitCode::data));
  } else {
    out.push_back(make(share >= 0.01 ? Severity::warning : Severity::info, "split-duplicates",
                       fmt::format("{}: {} after the split: the file holds duplicate rows", train.source, what),
                       "deduplicate the data file before splitting it", ExitCode::data));
  }
}

}  // namespace

namespace lint_checks {

void columns(const data::Dataset& train, std::vector<Finding>& out) {
  // The range of each feature's finite values, in one pass in memory order (example by example).
  const auto n = static_cast<std::size_t>(train.X.rows());
  std::vector<float> lows(n, std::numeric_limits<float>::infinity()), highs(n, -std::numeric_limits<float>::infinity());
  for (Index i = 0; i < train.X.cols(); ++i) {
    const float* col = train.X.data() + i * train.X.rows();
    for (std::size_t j = 0; j < n; ++j) {
      const float x = col[j];
      if (!std::isfinite(x)) continue;
      lows[j] = std::min(lows[j], x);
      highs[j] = std::max(highs[j], x);
    }
  }
  for (Index j = 0; j < train.X.rows(); ++j) {
    const float lo = lows[static_cast<std::size_t>(j)], hi = highs[static_cast<std::size_t>(j)];
    if (lo > hi) {
      out.push_back(make(Severity::error, "missing-column",
                         fmt::format("{}: column {} has no value in any training example", train.source,
                                     feature_name(train, j)),
                         fmt::format("drop it (data.drop = [{}]) or fill it in", feature_name(train, j)), ExitCode::data));
    } else if (lo == hi && train.size() > 1) {
      out.push_back(make(Severity::warning, "constant-column",
                         fmt::format("{}: column {} is {} in every training example: it carries no information",
                                     train.source, feature_name(train, j), lo),
                         fmt::format("drop it: data.drop = [{}]", feature_name(train, j)), ExitCode::data));
    }
  }
}

void target_leak(const data::Dataset& train, std::vector<Finding>& out) {
  const Index m = train.size();
  if (m < 2 || !train.has_targets()) return;
  const auto leak = [&](Index j, const std::string& how) {
    out.push_back(make(Severity::error, "target-leak",
                       fmt::format("{}: feature {} {}: a model learns this column instead of the task (a leak, such "
                                   "as an ID or an encoded copy of the label)",
                                   train.source, feature_name(train, j), how),
                       fmt::format("drop it: data.drop = [{}] (or check how the column was made)", feature_name(train, j)),
                       ExitCode::data));
  };
  if (train.task == data::Task::classification) {
    if (train.n_classes() < 2) return;
    for (Index j = 0; j < train.X.rows(); ++j) {
      // One-to-one: each value seen with one class only, each class with one value only.
      std::unordered_map<std::uint32_t, std::int32_t> class_of;
      std::unordered_map<std::int32_t, std::uint32_t> value_of;
      bool ok = true;
      for (Index i = 0; i < m && ok; ++i) {
        const std::uint32_t x = bits(train.X(j, i));
        const std::int32_t c = train.labels[static_cast<std::size_t>(i)];
        const auto [a, new_x] = class_of.emplace(x, c);
        const auto [b, new_c] = value_of.emplace(c, x);
        ok = a->second == c && b->second == x;
      }
      if (ok && value_of.size() >= 2) {
        leak(j, fmt::format("takes exactly one value per class ({} values for {} classes)", class_of.size(),
                            value_of.size()));
      }
    }
    return;
  }
  for (Index k = 0; k < train.Y.rows(); ++k) {
    for (Index j = 0; j < train.X.rows(); ++j) {
      // Equal, or an exact affine copy: |Pearson correlation| = 1 up to rounding.
      double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      bool equal = true;
      for (Index i = 0; i < m; ++i) {
        const double x = train.X(j, i), y = train.Y(k, i);
        equal = equal && x == y;
        sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
      }
      const double n = static_cast<double>(m);
      const double vx = sxx - sx * sx / n, vy = syy - sy * sy / n, cxy = sxy - sx * sy / n;
      const std::string target = k < static_cast<Index>(train.target_names.size())
                                     ? fmt::format("\"{}\"", train.target_names[static_cast<std::size_t>(k)])
                                     : "the target";
      if (equal) {
        leak(j, fmt::format("equals the target {}", target));
      } else if (vx > 0 && vy > 0 && std::abs(cxy) / std::sqrt(vx * vy) > 1 - 1e-6) {
        leak(j, fmt::format("is an exact linear function of the target {} (correlation {:.6f})", target,
                            cxy / std::sqrt(vx * vy)));
      }
    }
  }
}

void class_imbalance(const data::Dataset& train, std::vector<Finding>& out) {
  if (train.task != data::Task::classification || train.n_classes() < 2) return;
  std::vector<Index> count(static_cast<std::size_t>(train.n_classes()), 0);
  for (const auto c : train.labels) {
    if (c >= 0 && c < train.n_classes()) ++count[static_cast<std::size_t>(c)];
  }
  const auto [lo, hi] = std::minmax_element(count.begin(), count.end());
  const auto name = [&](auto it) {
    const auto k = static_cast<std::size_t>(it - count.begin());
    return k < train.class_names.size() ? train.class_names[k] : std::to_string(k);
  };
  if (*lo == 0 || static_cast<double>(*hi) / static_cast<double>(*lo) > 20) {
    out.push_back(make(Severity::warning, "class-imbalance",
                       fmt::format("{}: class \"{}\" has {} training examples and class \"{}\" {}{}: the model can "
                                   "ignore the minority and still look accurate",
                                   train.source, name(hi), *hi, name(lo), *lo,
                                   *lo == 0 ? "" : fmt::format(" (ratio {:.0f})", static_cast<double>(*hi) / static_cast<double>(*lo))),
                       "resample the training file (oversample the minority class or undersample the majority) and "
                       "judge the model by per-class metrics, not accuracy alone (mlp has no class weights)",
                       ExitCode::data));
  }
}

void feature_scales(const RunConfig& cfg, const data::Dataset& train, std::vector<Finding>& out) {
  if (cfg.data.normalize != Normalize::none || train.size() < 2) return;
  double smallest = std::numeric_limits<double>::infinity(), largest = 0;
  Index j_small = 0, j_large = 0;
  for (Index j = 0; j < train.X.rows(); ++j) {
    double s = 0, ss = 0;
    Index n = 0;
    for (Index i = 0; i < train.X.cols(); ++i) {
      const double x = train.X(j, i);
      if (!std::isfinite(x)) continue;
      s += x, ss += x * x, ++n;
    }
    if (n < 2) continue;
    const double count = static_cast<double>(n);
    const double sd = std::sqrt(std::max(0.0, ss / count - (s / count) * (s / count)));
    if (!(sd > 0)) continue;
    if (sd < smallest) smallest = sd, j_small = j;
    if (sd > largest) largest = sd, j_large = j;
  }
  if (largest > 0 && std::isfinite(smallest) && largest / smallest > 100) {
    out.push_back(make(Severity::warning, "feature-scales",
                       fmt::format("{}: data.normalize = \"none\", but the standard deviation of {} ({:.3g}) is {:.0f} "
                                   "times that of {} ({:.3g}): one learning rate cannot suit both",
                                   cfg.location_of("data.normalize"), feature_name(train, j_large), largest,
                                   largest / smallest, feature_name(train, j_small), smallest),
                       "set data.normalize = \"standard\""));
  }
}

void batch_size(const RunConfig& cfg, Index train_examples, std::vector<Finding>& out) {
  if (cfg.train.batch_size <= train_examples) return;
  out.push_back(make(Severity::warning, "batch-size",
                     fmt::format("{}: train.batch_size = {} is larger than the {} training examples: every step is "
                                 "one batch of all of them",
                                 cfg.location_of("train.batch_size"), cfg.train.batch_size, train_examples),
                     fmt::format("set train.batch_size to at most {} (or keep it, for batch gradient descent)",
                                 train_examples)));
}

void parameters(const RunConfig& cfg, const ModelSpec& spec, Index train_examples, std::vector<Finding>& out) {
  const std::uint64_t n = parameter_count(spec);
  const bool dropout = std::any_of(spec.layers.begin(), spec.layers.end(), [](const LayerSpec& l) { return l.keep_prob < 1; });
  const bool regularized = cfg.train.l1 > 0 || cfg.train.l2 > 0 || dropout || cfg.train.early_stopping.enabled;
  if (regularized || static_cast<double>(n) <= 10.0 * static_cast<double>(train_examples)) return;
  out.push_back(make(Severity::warning, "too-many-parameters",
                     fmt::format("{}: the network has {} parameters for {} training examples ({:.0f} per example) and "
                                 "no regularization: it can memorize the training set",
                                 cfg.location_of("model.hidden"), n, train_examples,
                                 static_cast<double>(n) / static_cast<double>(std::max<Index>(1, train_examples))),
                     "add train.l2 (e.g. 0.01), dropout (model.keep_prob = 0.8) or [train.early_stopping], or use "
                     "smaller hidden layers"));
}

void learning_rate(const RunConfig& cfg, std::vector<Finding>& out) {
  const LearningRateRange r = usual_learning_rates(cfg.train.optimizer);
  const double lr = cfg.train.learning_rate;
  if (lr >= r.lo && lr <= r.hi) return;
  out.push_back(make(Severity::warning, "learning-rate",
                     fmt::format("{}: train.learning_rate = {:g} is {} the usual range of {} ({:g} to {:g})",
                                 cfg.location_of("train.learning_rate"), lr, lr < r.lo ? "below" : "above",
                                 cfg.train.optimizer, r.lo, r.hi),
                     "run `mlp lr-find CONFIG` and use its suggestion (--apply NEW.toml writes it)"));
}

void saturating_depth(const ModelSpec& spec, std::vector<Finding>& out) {
  const std::size_t hidden = spec.layers.empty() ? 0 : spec.layers.size() - 1;
  std::size_t saturating = 0;
  for (std::size_t k = 0; k < hidden; ++k) saturating += is_saturating(spec.layers[k].activation) ? 1 : 0;
  if (hidden < 4 || saturating == 0) return;
  out.push_back(make(Severity::warning, "saturating-depth",
                     fmt::format("model.activation: {} of the {} hidden layers use sigmoid or tanh, whose derivative "
                                 "is at most {}: gradients shrink layer by layer (vanishing gradients)",
                                 saturating, hidden, spec.layers[0].activation == Activation::tanh ? "1" : "1/4"),
                     "use relu (or leaky_relu, gelu) with init = \"he_normal\", or fewer layers"));
}

void zero_init(const ModelSpec& spec, std::vector<Finding>& out) {
  if (spec.init != Init::zeros || spec.layers.size() < 2) return;
  const bool dropout = std::any_of(spec.layers.begin(), spec.layers.end(), [](const LayerSpec& l) { return l.keep_prob < 1; });
  out.push_back(make(dropout ? Severity::warning : Severity::error, "zero-init",
                     fmt::format("model.init = \"zeros\" with {} hidden layer{}: every unit of a layer starts equal and "
                                 "gets the same gradient, so they stay equal (the symmetry problem){}",
                                 spec.layers.size() - 1, spec.layers.size() == 2 ? "" : "s",
                                 dropout ? "; only dropout's random masks tell them apart" : ""),
                     "set model.init = \"he_normal\" (relu) or \"glorot_uniform\" (tanh, sigmoid)"));
}

void output_dropout(const ModelSpec& spec, std::vector<Finding>& out) {
  if (spec.layers.empty() || !(spec.layers.back().keep_prob < 1)) return;
  out.push_back(make(Severity::error, "output-dropout",
                     fmt::format("the output layer has keep_prob = {}: dropout there zeroes predictions at random",
                                 spec.layers.back().keep_prob),
                     "set the output layer's keep_prob to 1 (model.keep_prob lists the hidden layers only)"));
}

}  // namespace lint_checks

std::vector<Finding> lint(const RunConfig& cfg, const std::vector<std::string>& ignore) {
  std::optional<PreparedData> checked;
  return lint(cfg, ignore, checked);
}

std::vector<Finding> lint(const RunConfig& cfg, const std::vector<std::string>& ignore,
                          std::optional<PreparedData>& checked) {
  checked.reset();
  for (const auto& code : ignore) {
    const auto& codes = lint_codes();
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) {
      throw ConfigError(fmt::format("unknown lint code \"{}\"; the codes are: {}", code, fmt::join(codes, ", ")));
    }
  }
  namespace lc = lint_checks;
  std::vector<Finding> f;
  lc::learning_rate(cfg, f);
  LoadedData loaded = load_data(cfg);
  lc::columns(loaded.train, f);
  const bool unusable = std::any_of(f.begin(), f.end(), [](const Finding& x) { return x.code == "missing-column"; });
  if (!unusable) {
    // The split of `mlp train`, without standardization: the checks see the values of the files.
    RunConfig raw = cfg;
    raw.data.normalize = Normalize::none;
    raw.data.normalize_target = false;
    const bool test_file = loaded.test.has_value(), dev_file = loaded.dev.has_value();
    checked = prepare_data(raw, std::move(loaded));  // the data held once
    const PreparedData& d = *checked;
    if (d.test.size() > 0 || d.dev.size() > 0) {
      const RowIndex rows = index_rows(d.train);  // hashed once for both checks
      indexed_duplicates(d.train, rows, d.test, "test", test_file, f);
      indexed_duplicates(d.train, rows, d.dev, "dev", dev_file, f);
    }
    lc::target_leak(d.train, f);
    lc::class_imbalance(d.train, f);
    lc::feature_scales(cfg, d.train, f);
    lc::batch_size(cfg, d.train.size(), f);
    const ModelSpec spec = model_spec(cfg, d.train);
    lc::parameters(cfg, spec, d.train.size(), f);
    lc::saturating_depth(spec, f);
    lc::zero_init(spec, f);
    lc::output_dropout(spec, f);
  }
  std::erase_if(f, [&](const Finding& x) { return std::find(ignore.begin(), ignore.end(), x.code) != ignore.end(); });
  std::stable_sort(f.begin(), f.end(), [](const Finding& a, const Finding& b) { return a.severity < b.severity; });
  return f;
}

std::vector<Finding> lint(const std::filesystem::path& path, const std::vector<std::string>& overrides,
                          const std::vector<std::string>& ignore) {
  RunConfig cfg = load_config(path, overrides);
  resolve_data_paths(cfg, path.parent_path());
  return lint(cfg, ignore);
}

void enforce_lint(const RunConfig& cfg, const std::vector<std::string>& ignore, std::optional<PreparedData>* checked) {
  std::optional<PreparedData> split;
  for (const Finding& x : lint(cfg, ignore, checked ? *checked : split)) {
    if (x.severity != Severity::error) continue;
    const std::string text = fmt::format("{} [{}] — fix: {}; to train anyway, skip this check with --lint-ignore {} "
                                         "(or all of them with --no-lint)",
                                         x.message, x.code, x.fix, x.code);
    if (x.exit == ExitCode::data) throw DataError(text);
    throw ConfigError(text);
  }
}

}  // namespace mlp::config
