// The table of configuration keys. Defaults are not written here: they are the values of a
// default-constructed RunConfig, whose members take them from the library's option structs
// (config.hpp) and, for optimizer and schedule settings, from the registries.
#include "schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "mlp/config/keys.hpp"
#include "mlp/nn/names.hpp"
#include "mlp/optim/optimizer.hpp"
#include "mlp/optim/schedule.hpp"
#include "mlp/train/monitor.hpp"

namespace mlp::config {
namespace schema {
namespace {

constexpr double kMaxEpochs = 10'000'000;
constexpr double kMaxWidth = 10'000'000;
constexpr double kMaxThreads = 4096;
constexpr double kMaxCsvBytes = double(std::int64_t{1} << 30);
constexpr double kNoMax = std::numeric_limits<double>::infinity();

template <class E>
std::vector<std::string_view> names_of(const NameTable<E>& t) {
  std::vector<std::string_view> v;
  for (const auto& [n, e] : t) v.push_back(n);
  return v;
}

template <class E, class Keep>
std::vector<std::string_view> registry_names(std::span<const NameEntry<E>> table, Keep keep,
                                             bool with_auto) {
  std::vector<std::string_view> v;
  if (with_auto) v.push_back("auto");
  for (const auto& e : table) {
    if (keep(e.value)) v.push_back(e.name);
  }
  return v;
}

std::vector<std::string_view> hidden_names() {
  return registry_names(activation_table(), hidden_allowed, false);
}
std::vector<std::string_view> output_names() {
  return registry_names(activation_table(), output_allowed, true);
}
std::vector<std::string_view> loss_names() {
  return registry_names(loss_table(), [](Loss) { return true; }, true);
}
std::vector<std::string_view> init_names() {
  return registry_names(init_table(), [](Init) { return true; }, false);
}

bool is_csv(const RunConfig& c) { return c.data.format == DataFormat::csv; }
bool is_idx(const RunConfig& c) { return c.data.format == DataFormat::idx; }

std::string str(std::string_view s) { return schema::quoted(s); }

template <class T, class F>
std::string list(const std::vector<T>& v, F item) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + item(v[i]);
  return out + "]";
}

template <class T>
bool uniform(const std::vector<T>& v) {
  return std::adjacent_find(v.begin(), v.end(), std::not_equal_to<>()) == v.end();
}

Key path_key(std::string name, std::optional<std::string>* (*field)(RunConfig&),
             bool (*used)(const RunConfig&), std::string allowed, std::string doc) {
  Key k{std::move(name), Kind::path};
  k.type = "string (path)";
  k.path = field;
  k.used = used;
  k.allowed = std::move(allowed);
  k.doc = std::move(doc);
  return k;
}

Key real_key(std::string name, double* (*field)(RunConfig&), Interval range, std::string doc,
             bool (*used)(const RunConfig&) = nullptr, std::string allowed = {}) {
  Key k{std::move(name), Kind::real};
  k.type = "number";
  k.real = field;
  k.range = range;
  k.doc = std::move(doc);
  k.used = used;
  k.allowed = std::move(allowed);
  return k;
}

Key int_key(std::string name, std::int64_t* (*field)(RunConfig&), double lo, double hi,
            std::string doc) {
  Key k{std::move(name), Kind::integer};
  k.type = "integer";
  k.integer = field;
  k.range = Interval{lo, false, hi, false};
  k.doc = std::move(doc);
  return k;
}

Key bool_key(std::string name, bool* (*field)(RunConfig&), std::string doc,
             bool (*used)(const RunConfig&) = nullptr) {
  Key k{std::move(name), Kind::boolean};
  k.type = "bool";
  k.boolean = field;
  k.doc = std::move(doc);
  k.used = used;
  return k;
}

Key choice_key(std::string name, std::vector<std::string_view> (*names)(),
               std::string_view (*get)(const RunConfig&), void (*set)(RunConfig&, std::string_view),
               std::string doc, bool (*used)(const RunConfig&) = nullptr) {
  Key k{std::move(name), Kind::choice};
  k.type = "name";
  k.names = names;
  k.get_name = get;
  k.set_name = set;
  k.doc = std::move(doc);
  k.used = used;
  return k;
}

Key custom_key(std::string name, std::string type, std::string allowed, std::string doc,
               std::string (*write)(const RunConfig&), bool (*used)(const RunConfig&) = nullptr) {
  Key k{std::move(name), Kind::custom};
  k.type = std::move(type);
  k.allowed = std::move(allowed);
  k.doc = std::move(doc);
  k.write = write;
  k.used = used;
  return k;
}

template <class E>
E lookup(const NameTable<E>& t, std::string_view name) {
  for (const auto& [n, e] : t) {
    if (n == name) return e;
  }
  return t.front().second;
}

void data_keys(std::vector<Key>& k) {
  k.push_back(custom_key("data.train", "string (path)", "non-empty", "the training data file",
                         [](const RunConfig& c) { return str(c.data.train); }));
  k.push_back(path_key("data.dev", [](RunConfig& c) { return &c.data.dev; }, nullptr,
                       "non-empty; the dev set then comes from this file", "dev data file"));
  k.push_back(path_key("data.test", [](RunConfig& c) { return &c.data.test; }, nullptr,
                       "non-empty; the test set then comes from this file", "test data file"));
  k.push_back(path_key("data.train_labels", [](RunConfig& c) { return &c.data.train_labels; },
                       is_idx, "IDX only; required with IDX data", "labels of the training images"));
  k.push_back(path_key("data.dev_labels", [](RunConfig& c) { return &c.data.dev_labels; }, is_idx,
                       "IDX only; required when `dev` is set with IDX data", "labels of the dev images"));
  k.push_back(path_key("data.test_labels", [](RunConfig& c) { return &c.data.test_labels; }, is_idx,
                       "IDX only; required when `test` is set with IDX data",
                       "labels of the test images"));
  k.push_back(custom_key(
      "data.format", "`\"auto\"` \\| `\"csv\"` \\| `\"idx\"`",
      "`auto` = `idx` when the file name of `train` contains `idx` (any case) or a labels file is "
      "given, else `csv`. The resolved value is stored and written.",
      "the data format", [](const RunConfig& c) { return str(to_string(c.data.format)); }));
  k.push_back(custom_key(
      "data.target", "string or list of strings", "CSV only; non-empty, distinct column names",
      "the column(s) to predict",
      [](const RunConfig& c) {
        return c.data.target.size() == 1 ? str(c.data.target[0]) : list(c.data.target, str);
      },
      is_csv));
  k.push_back(custom_key("data.drop", "list of strings (or one string)",
                         "CSV only; distinct, must not name a target column", "columns to ignore",
                         [](const RunConfig& c) { return list(c.data.drop, str); }, is_csv));
  k.push_back(custom_key(
      "data.split", "`\"auto\"` or `[train, dev, test]`",
      "each fraction finite and ≥ 0, train > 0, sum ≤ 1 (+1e-9). `auto` = the size rule of SPEC "
      "§3 (60/20/20 up to 10⁴ examples … 96/2/2 from 10⁶). A sum below 1 uses only that part of "
      "the data.",
      "fractions of the data for the train, dev and test sets", [](const RunConfig& c) {
        return c.data.split
                   ? list(std::vector<double>(c.data.split->begin(), c.data.split->end()), real_text)
                   : str("auto");
      }));
  k.push_back(choice_key(
      "data.normalize", [] { return names_of(normalizations()); },
      [](const RunConfig& c) { return to_string(c.data.normalize); },
      [](RunConfig& c, std::string_view n) { c.data.normalize = lookup(normalizations(), n); },
      "standardize inputs with the training set's μ, σ"));
  k.push_back(bool_key(
      "data.normalize_target", [](RunConfig& c) { return &c.data.normalize_target; },
      "regression only: standardize the targets too",
      [](const RunConfig& c) { return c.data.task != Task::classification; }));
  k.push_back(choice_key(
      "data.task", [] { return names_of(tasks()); },
      [](const RunConfig& c) { return to_string(c.data.task); },
      [](RunConfig& c, std::string_view n) { c.data.task = lookup(tasks(), n); },
      "classification or regression; auto = decided from the target column"));
  k.push_back(choice_key(
      "data.missing", [] { return names_of(missing_policies()); },
      [](const RunConfig& c) { return to_string(c.data.missing); },
      [](RunConfig& c, std::string_view n) { c.data.missing = lookup(missing_policies(), n); },
      "CSV only: what an empty, `nan` or `inf` value does — an error naming file:line:column, "
      "drop the row, or (features only) take the feature's mean over the training split, saved "
      "in the model for `mlp predict` and `mlp eval`",
      is_csv));
  k.push_back(custom_key(
      "data.categorical", "`\"auto\"` \\| `\"error\"` \\| list of strings",
      "CSV only; a list names feature columns (distinct, not the target, weight or dropped)",
      "text feature columns: `auto` one-hot encodes every feature column whose first row is "
      "text, a list exactly those columns (integer codes too), `error` refuses text in a "
      "feature; categories are learned from the training split (docs/data.md)",
      [](const RunConfig& c) {
        return c.data.categorical == "list" ? list(c.data.categorical_columns, str)
                                            : str(c.data.categorical);
      },
      is_csv));
  k.push_back(choice_key(
      "data.unknown_category",
      [] { return std::vector<std::string_view>{"ignore", "error"}; },
      [](const RunConfig& c) { return std::string_view(c.data.unknown_category); },
      [](RunConfig& c, std::string_view n) { c.data.unknown_category = std::string(n); },
      "CSV only: a category not seen in training — all zeros with a warning per column, or an "
      "error naming file:line:column (saved in the model for `mlp predict` and `mlp eval`)",
      is_csv));
  Key max_categories = int_key(
      "data.max_categories", [](RunConfig& c) { return &c.data.max_categories; }, 1, 1000000,
      "CSV only: the most distinct values a categorical column may have in the training split");
  max_categories.used = is_csv;
  k.push_back(max_categories);
  k.push_back(custom_key(
      "data.weight", "string", "CSV only; a column that is not a target, dropped or categorical",
      "the column of per-example weights (finite, ≥ 0, not all 0): J = (1/m) Σ w_i·L_i; not a "
      "feature",
      [](const RunConfig& c) { return c.data.weight ? str(*c.data.weight) : std::string(); },
      is_csv));
  Key field = int_key("data.max_field_bytes", [](RunConfig& c) { return &c.data.max_field_bytes; },
                      1, kMaxCsvBytes, "CSV only: the longest field accepted");
  field.used = is_csv;
  k.push_back(field);
  Key record = int_key(
      "data.max_record_bytes", [](RunConfig& c) { return &c.data.max_record_bytes; }, 1,
      kMaxCsvBytes,
      "CSV only: the longest record (line, or lines of one quoted record) accepted; at least "
      "`max_field_bytes`");
  record.used = is_csv;
  k.push_back(record);
}

void model_keys(std::vector<Key>& k) {
  Key hidden = custom_key("model.hidden", "list of integers",
                          fmt::format("each in [1, {}]; `[]` is valid", kMaxWidth),
                          "widths of the hidden layers", [](const RunConfig& c) {
                            return list(c.model.hidden,
                                        [](std::int64_t h) { return fmt::format("{}", h); });
                          });
  hidden.range = Interval{1, false, kMaxWidth, false};  // of each element
  k.push_back(hidden);
  k.push_back(custom_key(
      "model.activation", "name, or list of names (one per hidden layer)", {},
      "activation of the hidden layers; a list must have one entry per hidden layer; `softmax` "
      "is only valid as `output`",
      [](const RunConfig& c) {
        const auto act = [](Activation a) { return str(mlp::to_string(a)); };
        const auto& a = c.model.activation;
        if (a.empty()) return act(Activation::relu);
        return uniform(a) ? act(a.front()) : list(a, act);
      }));
  k.push_back(real_key(
      "model.leaky_slope", [](RunConfig& c) { return &c.model.leaky_slope; }, kNonNegativeReal,
      "slope of leaky_relu for x < 0; only with a `leaky_relu` layer", [](const RunConfig& c) {
        const auto& a = c.model.activation;
        return std::find(a.begin(), a.end(), Activation::leaky_relu) != a.end();
      }));
  k.push_back(choice_key(
      "model.output", output_names,
      [](const RunConfig& c) {
        return c.model.output ? mlp::to_string(*c.model.output) : std::string_view("auto");
      },
      [](RunConfig& c, std::string_view n) {
        if (n == "auto") c.model.output.reset();
        else c.model.output = parse_activation(n);
      },
      "activation of the output layer; auto = softmax for classification, identity for "
      "regression"));
  k.push_back(choice_key(
      "model.init", init_names, [](const RunConfig& c) { return mlp::to_string(c.model.init); },
      [](RunConfig& c, std::string_view n) { c.model.init = parse_init(n); },
      "weight initializer (biases start at zero)"));
  k.push_back(real_key(
      "model.init_scale", [](RunConfig& c) { return &c.model.init_scale; }, kPositiveReal,
      "standard deviation of `init = \"normal\"` (only then)",
      [](const RunConfig& c) { return c.model.init == Init::normal; }));
  k.push_back(real_key(
      "model.init_gain", [](RunConfig& c) { return &c.model.init_gain; }, kPositiveReal,
      "multiplies the initial weights: W = init_gain · W_init, e.g. `init = \"identity\"` with "
      "`init_gain = c` gives W = c·I (not with `init = \"zeros\"`)",
      [](const RunConfig& c) { return c.model.init != Init::zeros; }));
  Key keep_prob = custom_key(
      "model.keep_prob", "number, or list (one per hidden layer)",
      "each in (0, 1]; 1 = no dropout. A single number applies to every hidden layer. The output "
      "layer has no dropout, so a list has exactly one entry per hidden layer.",
      "dropout keep-probability of the hidden layers", [](const RunConfig& c) {
        const auto& p = c.model.keep_prob;
        if (p.empty()) return real_text(1.0);
        return uniform(p) ? real_text(p.front()) : list(p, real_text);
      });
  keep_prob.range = kUnitOpenLeft;  // of the number or of each element
  k.push_back(keep_prob);
  // Fine-tuning: a saved model's weights as the start (src/config/train_run.cpp).
  k.push_back(path_key("model.init_from", [](RunConfig& c) { return &c.model.init_from; }, nullptr,
                       "non-empty; relative to the configuration file; the saved network must have "
                       "this configuration's input size, layers, units and activations",
                       "a saved model (model.mlp) whose weights training starts from; its input "
                       "standardization is kept (docs/optimization.md, \"Fine-tuning\")"));
}

void train_keys(std::vector<Key>& k) {
  k.push_back(choice_key(
      "train.loss", loss_names,
      [](const RunConfig& c) {
        return c.train.loss ? mlp::to_string(*c.train.loss) : std::string_view("auto");
      },
      [](RunConfig& c, std::string_view n) {
        if (n == "auto") c.train.loss.reset();
        else c.train.loss = parse_loss(n);
      },
      "the loss; `binary_cross_entropy` needs a sigmoid output, `cross_entropy` a softmax "
      "output, regression allows only `mse`"));
  k.push_back(custom_key(
      "train.class_weight", "`\"none\"` \\| `\"balanced\"` \\| inline table",
      "classification only; a table maps class labels to finite weights ≥ 0, every label known",
      "weights of the classes in the cost: `balanced` = n/(k·n_c) on the training split "
      "(scikit-learn's compute_class_weight), or `{label = weight, ...}` (unlisted classes 1)",
      [](const RunConfig& c) {
        if (c.train.class_weight != "table") return str(c.train.class_weight);
        std::string out = "{";
        for (const auto& [label, w] : c.train.class_weights) {
          out += (out.size() > 1 ? ", " : "") + str(label) + " = " + real_text(w);
        }
        return out + "}";
      }));
  k.push_back(choice_key(
      "train.optimizer", optim::optimizer_names,
      [](const RunConfig& c) { return std::string_view(c.train.optimizer); },
      [](RunConfig& c, std::string_view n) { c.train.optimizer = std::string(n); },
      "the update rule (docs/optimization.md)"));
  k.push_back(real_key("train.learning_rate", [](RunConfig& c) { return &c.train.learning_rate; },
                       kPositiveReal, "α₀, the step size of the first epoch"));
  k.push_back(int_key("train.batch_size", [](RunConfig& c) { return &c.train.batch_size; }, 1,
                      kNoMax,
                      "examples per step; larger than the training set = batch gradient descent"));
  Key epochs = int_key("train.epochs", [](RunConfig& c) { return &c.train.epochs; }, 1, kMaxEpochs,
                       "passes over the training set");
  epochs.resume_safe = true;  // training longer (or shorter) continues the same run
  k.push_back(epochs);
  k.push_back(real_key("train.l1", [](RunConfig& c) { return &c.train.l1; }, kNonNegativeReal,
                       "λ of the L1 penalty (λ/m)‖W‖₁, weights only"));
  k.push_back(real_key("train.l2", [](RunConfig& c) { return &c.train.l2; }, kNonNegativeReal,
                       "λ of the L2 penalty (λ/2m)‖W‖², weights only"));
  Key seed = custom_key("train.seed", "integer", "≥ 0",
                        "seeds the initialization, the split, the shuffles and dropout",
                        [](const RunConfig& c) { return fmt::format("{}", c.train.seed); });
  seed.range = Interval{0, false};  // an unsigned 64-bit seed, written as a TOML (signed) integer
  k.push_back(seed);
  k.push_back(int_key("train.threads", [](RunConfig& c) { return &c.train.threads; }, 0,
                      kMaxThreads, "threads of the kernels; 0 = all cores"));
  k.push_back(int_key("train.max_memory", [](RunConfig& c) { return &c.train.max_memory; }, 0,
                      1 << 30,
                      "MiB that training may take (parameters, gradients, optimizer state, one "
                      "batch's activations), estimated before data is read; 0 = 75 % of the "
                      "memory available (physical or the cgroup's limit)"));
  // The optimizers' settings, in registration order, each key once.
  for (auto name : optim::optimizer_names()) {
    for (const Setting& s : optimizer_settings(name)) {
      const std::string dotted = fmt::format("train.{}", s.key);
      if (std::any_of(k.begin(), k.end(), [&](const Key& e) { return e.name == dotted; })) continue;
      Key key{dotted, Kind::optimizer_setting, Group::optimizer};
      key.type = s.kind == Setting::Kind::boolean ? "bool"
                 : s.kind == Setting::Kind::integer ? "integer" : "number";
      key.doc = std::string(s.doc);
      k.push_back(key);
    }
  }
  Key ls = bool_key("train.line_search", [](RunConfig& c) { return &c.train.line_search; },
                    "backtracking (Armijo) line search along −∇J; meant for a full batch",
                    [](const RunConfig& c) { return c.train.optimizer == "gd"; });
  ls.group = Group::optimizer;
  ls.allowed = "`gd` only";
  k.push_back(ls);
  k.push_back(real_key("train.clip_norm", [](RunConfig& c) { return &c.train.clip_norm; },
                       kNonNegativeReal, "gradient-norm clipping; 0 = off"));
  k.push_back(bool_key("train.drop_last", [](RunConfig& c) { return &c.train.drop_last; },
                       "drop the last partial mini-batch of each epoch"));
  k.push_back(choice_key(
      "train.train_cost", train_cost_names,
      [](const RunConfig& c) { return to_string(c.train.train_cost); },
      [](RunConfig& c, std::string_view n) { c.train.train_cost = parse_train_cost(n); },
      "what the per-epoch train metrics measure: `running_mean` = the mean over the epoch's "
      "batches (weighted by batch size) of the training-mode outputs before each update, dropout "
      "active, no penalties (free); `exact` = one more pass over the whole training set after "
      "the epoch, without dropout (docs/optimization.md)"));
  // A step that does not diverge computes the same bits under either policy: the policy only
  // decides whether a divergence ends the run (like train.epochs, how long it runs), so a run
  // stopped by a divergence can be resumed from its last checkpoint with "recover".
  Key on_div = choice_key(
      "train.on_divergence", on_divergence_names,
      [](const RunConfig& c) { return to_string(c.train.on_divergence); },
      [](RunConfig& c, std::string_view n) { c.train.on_divergence = parse_on_divergence(n); },
      "what a non-finite cost, gradient or update does: `stop` = an error naming the first "
      "non-finite tensor; `recover` = put back θ and the optimizer state of before the step, "
      "halve the learning rate for the rest of the run, skip the batch and go on; `recover` also "
      "treats a cost above 10⁴ × the run's first batch cost, and a non-finite or exploded dev cost "
      "at an epoch's end (back to the epoch's start), as divergences (docs/optimization.md)");
  on_div.resume_safe = true;
  k.push_back(on_div);
  Key max_rec = int_key("train.max_recoveries", [](RunConfig& c) { return &c.train.max_recoveries; }, 0,
                        1000, "with `on_divergence = \"recover\"`: recoveries before a divergence "
                        "stops the run (each halves the learning rate); read only then, allowed always so "
                        "that `--resume` may switch the policy");
  max_rec.resume_safe = true;
  k.push_back(max_rec);
  // Checkpoints are read, never fed back into training: how often and how many changes no bit.
  Key every = int_key("train.checkpoint_every",
                      [](RunConfig& c) { return &c.train.checkpoint_every; }, 0, kMaxEpochs,
                      "epochs between checkpoints; 0 = no checkpoints");
  every.resume_safe = true;
  k.push_back(every);
  Key keep = int_key("train.keep_checkpoints",
                     [](RunConfig& c) { return &c.train.keep_checkpoints; }, 0, 1'000'000,
                     "newest checkpoints kept; 0 = keep all");
  keep.resume_safe = true;
  k.push_back(keep);
  // Fine-tuning and refit (docs/optimization.md); neither may change on --resume.
  k.push_back(custom_key(
      "train.freeze", "list of strings",
      "layer prefixes (`\"layers.0\"`) or slice names (`\"layers.0.W\"`) of the network",
      "parameter slices kept fixed: no gradient step, no penalty, no weight decay",
      [](const RunConfig& c) { return list(c.train.freeze, str); }));
  k.push_back(bool_key("train.refit", [](RunConfig& c) { return &c.train.refit; },
                       "after training, train again from the initial weights on train + dev for "
                       "the best epoch's number of epochs; needs a dev set"));
}

void schedule_keys(std::vector<Key>& k) {
  k.push_back(choice_key(
      "train.schedule.type", optim::schedule_names,
      [](const RunConfig& c) { return std::string_view(c.train.schedule.type); },
      [](RunConfig& c, std::string_view n) { c.train.schedule.type = std::string(n); },
      "the learning-rate schedule (docs/optimization.md)"));
  for (auto name : optim::schedule_names()) {
    for (const Setting& s : schedule_settings(name)) {
      const std::string dotted = fmt::format("train.schedule.{}", s.key);
      if (std::any_of(k.begin(), k.end(), [&](const Key& e) { return e.name == dotted; })) continue;
      Key key{dotted, Kind::schedule_setting, Group::schedule};
      key.type = s.kind == Setting::Kind::integer ? "integer" : "number";
      key.doc = std::string(s.doc);
      k.push_back(key);
    }
  }
}

void early_stopping_keys(std::vector<Key>& k) {
  Key enabled = bool_key("train.early_stopping.enabled",
                         [](RunConfig& c) { return &c.train.early_stopping.enabled; },
                         "`false` switches early stopping off while keeping the settings");
  enabled.allowed = "`true` when the table is present";
  k.push_back(enabled);
  k.push_back(int_key("train.early_stopping.patience",
                      [](RunConfig& c) { return &c.train.early_stopping.patience; }, 0, kMaxEpochs,
                      "epochs without improvement of the monitored metric before stopping"));
  k.push_back(real_key("train.early_stopping.min_delta",
                       [](RunConfig& c) { return &c.train.early_stopping.min_delta; },
                       kNonNegativeReal,
                       "a smaller improvement of the monitored metric does not count"));
  Key monitor = choice_key(
      "train.early_stopping.monitor", monitor_names,
      [](const RunConfig& c) { return std::string_view(c.train.early_stopping.monitor); },
      [](RunConfig& c, std::string_view n) { c.train.early_stopping.monitor = std::string(n); },
      "the dev metric watched; lower (cost, RMSE, MAE) or higher (accuracy, macro F1, R²) is "
      "better. The best epoch, restore_best and the summary follow it");
  monitor.allowed = "`dev_cost` (any task); classification: `dev_accuracy`, `dev_f1`; "
                    "regression: `dev_rmse`, `dev_mae`, `dev_r2`";
  k.push_back(monitor);
  k.push_back(bool_key("train.early_stopping.restore_best",
                       [](RunConfig& c) { return &c.train.early_stopping.restore_best; },
                       "restore the best epoch's weights at the end"));
}

}  // namespace

std::string_view Key::section() const {
  return std::string_view(name).substr(0, name.rfind('.'));
}
std::string_view Key::leaf() const { return std::string_view(name).substr(name.rfind('.') + 1); }

const NameTable<DataFormat>& formats() {
  static const NameTable<DataFormat> t{
      {"auto", DataFormat::automatic}, {"csv", DataFormat::csv}, {"idx", DataFormat::idx}};
  return t;
}
const NameTable<Normalize>& normalizations() {
  static const NameTable<Normalize> t{{"standard", Normalize::standard},
                                      {"none", Normalize::none}};
  return t;
}
const NameTable<Task>& tasks() {
  static const NameTable<Task> t{{"auto", Task::automatic},
                                 {"classification", Task::classification},
                                 {"regression", Task::regression}};
  return t;
}
const NameTable<Missing>& missing_policies() {
  static const NameTable<Missing> t{
      {"error", Missing::error}, {"drop_row", Missing::drop_row}, {"mean", Missing::mean}};
  return t;
}

const std::vector<Key>& keys() {
  static const std::vector<Key> k = [] {
    std::vector<Key> v;
    data_keys(v);
    model_keys(v);
    train_keys(v);
    schedule_keys(v);
    early_stopping_keys(v);
    return v;
  }();
  return k;
}

const Key* find_key(std::string_view dotted) {
  for (const auto& k : keys()) {
    if (k.name == dotted) return &k;
  }
  return nullptr;
}

const std::vector<Section>& sections() {
  static const std::vector<Section> s = [] {
    std::vector<Section> v{{"", {}, {"data", "model", "train"}},
                           {"data", {}, {}},
                           {"model", {}, {}},
                           {"train", {}, {"schedule", "early_stopping"}},
                           {"train.schedule", {}, {}},
                           {"train.early_stopping", {}, {}}};
    for (const auto& k : keys()) {
      for (auto& sec : v) {
        if (sec.name == k.section()) sec.keys.push_back(k.leaf());
      }
    }
    return v;
  }();
  return s;
}

const Section* find_section(std::string_view name) {
  for (const auto& s : sections()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<Setting> optimizer_settings(std::string_view optimizer) {
  const auto names = optim::optimizer_names();
  if (std::find(names.begin(), names.end(), optimizer) == names.end()) return {};
  const auto s = optim::optimizer_settings(optimizer);
  return {s.begin(), s.end()};
}

std::vector<Setting> schedule_settings(std::string_view schedule) {
  const auto names = optim::schedule_names();
  if (std::find(names.begin(), names.end(), schedule) == names.end()) return {};
  const auto s = optim::schedule_settings(schedule);
  return {s.begin(), s.end()};
}

std::optional<Setting> any_setting(Group group, std::string_view key) {
  const auto names = group == Group::optimizer ? optim::optimizer_names() : optim::schedule_names();
  for (auto n : names) {
    for (const Setting& s : group == Group::optimizer ? optimizer_settings(n) : schedule_settings(n)) {
      if (s.key == key) return s;
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> keys_used(Group group, const RunConfig& cfg) {
  // The chosen component's settings in its own order, then the other keys that apply to it.
  std::vector<std::string_view> v;
  const auto settings = group == Group::optimizer ? optimizer_settings(cfg.train.optimizer)
                                                  : schedule_settings(cfg.train.schedule.type);
  for (const Setting& s : settings) {
    if (const Key* k = find_key(fmt::format("{}.{}", group == Group::optimizer ? "train" : "train.schedule", s.key))) {
      v.push_back(k->leaf());
    }
  }
  for (const auto& k : keys()) {
    const bool setting = k.kind == Kind::optimizer_setting || k.kind == Kind::schedule_setting;
    if (k.group == group && !setting && (k.used == nullptr || k.used(cfg))) v.push_back(k.leaf());
  }
  return v;
}

std::string value_text(const Key& key, const RunConfig& cfg) {
  auto& c = const_cast<RunConfig&>(cfg);  // the accessors are shared with the parser
  switch (key.kind) {
    case Kind::real: return real_text(*key.real(c));
    case Kind::integer: return fmt::format("{}", *key.integer(c));
    case Kind::boolean: return *key.boolean(c) ? "true" : "false";
    case Kind::path: return *key.path(c) ? schema::quoted(**key.path(c)) : std::string();
    case Kind::choice: return schema::quoted(key.get_name(cfg));
    case Kind::optimizer_setting:
    case Kind::schedule_setting: {
      const auto& m = key.kind == Kind::optimizer_setting ? cfg.train.optimizer_settings
                                                          : cfg.train.schedule.settings;
      const auto it = m.find(key.leaf());
      if (it == m.end()) return {};
      const auto s = any_setting(key.group, key.leaf());
      if (s && s->kind == Setting::Kind::boolean) return it->second != 0.0 ? "true" : "false";
      if (s && s->kind == Setting::Kind::integer) {
        return fmt::format("{}", static_cast<std::int64_t>(it->second));
      }
      return real_text(it->second);
    }
    case Kind::custom: return key.write(cfg);
  }
  return {};
}

std::string applied_value_text(const Key& key, const RunConfig& cfg) {
  if (key.used != nullptr && !key.used(cfg)) return {};
  return value_text(key, cfg);
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    switch (u) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += fmt::format("\\u{:04X}", u);
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string join(const std::vector<std::string_view>& v, std::string_view sep) {
  std::string out;
  for (auto s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string real_text(double x) {
  std::string t = fmt::format("{}", x);
  if (t.find_first_of(".eEn") == std::string::npos) t += ".0";
  return t;
}

}  // namespace schema

std::string_view to_string(DataFormat v) { return schema::name_of(v, schema::formats()); }
std::string_view to_string(Normalize v) { return schema::name_of(v, schema::normalizations()); }
std::string_view to_string(Task v) { return schema::name_of(v, schema::tasks()); }
std::string_view to_string(Missing v) { return schema::name_of(v, schema::missing_policies()); }

}  // namespace mlp::config
