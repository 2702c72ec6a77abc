// `mlp predict MODEL INPUT [-o OUT] [--json]` — predictions of a trained model for the rows of
// a CSV file (docs/cli.md).
//
// Input: the model's feature columns by name, in any order; other columns are ignored. For a
// classifier, a target column that is present is checked against the known classes (a label
// not seen in training is an error naming it); for regression the target columns are not read.
// Output (CSV, one row per input row, in input order):
//   classifier  label,p_<class 0>,p_<class 1>,...   predicted class and class probabilities
//   regression  <target names>                      predictions in the original units
// Numbers are printed as the shortest decimal that reads back as the same float32.
// "-" is standard input (INPUT) / standard output (OUT, the default). A file OUT is written
// atomically. --json prints a JSON array of objects (the CSV columns as keys) instead of the
// CSV; with -o FILE, the CSV goes to FILE and {"rows": N, "output": FILE} to standard output.
// A reader that closes the pipe early (`mlp predict ... | head -1`) ends the command quietly.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/core/error.hpp"
#include "mlp/io/atomic_file.hpp"
#include "mlp/io/model.hpp"

namespace mlp::cli {
namespace {

struct PredictArgs {
  std::string model;
  std::string input;
  std::string output = "-";
  bool json = false;
};

/// The reader of standard output went away (EPIPE with SIGPIPE ignored): stop quietly.
struct BrokenPipe {};

/// Standard output or an atomically written file.
class Output {
 public:
  explicit Output(const std::string& path) {
    if (path != "-") file_.emplace(path);
  }
  void write(std::string_view text) {
    if (file_) {
      file_->write(text);
      return;
    }
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) stdout_failed();
  }
  void commit() {
    if (file_) {
      file_->commit();
      return;
    }
    if (std::fflush(stdout) != 0) stdout_failed();
  }

 private:
  [[noreturn]] static void stdout_failed() {
    const int error = errno;
    if (error == EPIPE) throw BrokenPipe{};
    throw IoError(fmt::format("<stdout>: {}", std::strerror(error)));
  }
  std::optional<io::AtomicWriter> file_;
};

/// The shortest decimal that reads back as the same float ("0.97", not "0.970000029").
std::string number_text(float v) { return fmt::format("{}", v); }

/// The same value for JSON: a double whose shortest form is the float's (null if not finite).
nlohmann::ordered_json number_json(float v) {
  if (!std::isfinite(v)) return nullptr;
  return std::stod(number_text(v));
}

/// Column names of the output: "label", "p_<class>"... or the target names.
std::vector<std::string> output_columns(const Preprocessing& pre) {
  if (pre.task == data::Task::regression) return pre.target_names;
  std::vector<std::string> cols{"label"};
  for (const auto& c : pre.class_names) cols.push_back("p_" + c);
  return cols;
}

int run_predict(const PredictArgs& args) {
  Model model = Model::load(args.model);
  const Preprocessing& pre = model.preprocessing();
  const bool classify = pre.task == data::Task::classification;
  const bool to_stdout = args.output == "-";

  // Create the output before reading the input, so an unwritable -o fails first.
  Output out(args.output);

  data::CsvSchema schema;
  schema.task = pre.task;
  schema.feature_names = pre.feature_names;
  if (classify) schema.target_names = pre.target_names;  // checks the labels if present
  schema.class_names = pre.class_names;
  // A model trained with data.missing = "mean" fills in missing features with its training means.
  const data::Dataset ds = data::load_csv(args.input, schema, pre.csv_options());

  const std::vector<std::string> columns = output_columns(pre);
  const bool json_rows = args.json && to_stdout;
  const bool single_sigmoid = classify && model.network().outputs() == 1;
  const Index m = ds.size();
  constexpr Index kBatch = 4096;

  if (json_rows) out.write("[");
  else out.write(data::csv_row(columns));
  std::string text;
  for (Index start = 0; start < m; start += kBatch) {
    const Index b = std::min(kBatch, m - start);
    // P [n_out x b]: class probabilities, or predictions in the original units.
    const MatrixF P = model.predict(ds.X.middleCols(start, b));
    text.clear();
    for (Index j = 0; j < b; ++j) {
      nlohmann::ordered_json row;
      std::vector<std::string> fields;
      if (classify) {
        // The predicted class, as `mlp eval` counts it: argmax of the probabilities (the first
        // on a tie); a single sigmoid unit predicts class 1 when P(class 1) >= 0.5.
        Index best = 0;
        if (single_sigmoid) {
          best = P(1, j) >= 0.5f ? 1 : 0;
        } else {
          P.col(j).maxCoeff(&best);
        }
        const std::string& label = pre.class_names[static_cast<std::size_t>(best)];
        if (json_rows) row["label"] = label;
        else fields.push_back(label);
      }
      for (Index k = 0; k < P.rows(); ++k) {
        const auto& key = columns[static_cast<std::size_t>(classify ? k + 1 : k)];
        if (json_rows) row[key] = number_json(P(k, j));
        else fields.push_back(number_text(P(k, j)));
      }
      if (json_rows) {
        text += (start + j == 0) ? "\n  " : ",\n  ";
        text += row.dump();
      } else {
        text += data::csv_row(fields);
      }
    }
    out.write(text);
  }
  if (json_rows) out.write(m > 0 ? "\n]\n" : "]\n");
  out.commit();
  if (args.json && !to_stdout) {
    print_json(nlohmann::json{{"rows", m}, {"output", args.output}});
  }
  return 0;
}

int run_predict_quiet_on_broken_pipe(const PredictArgs& args) {
  try {
    return run_predict(args);
  } catch (const BrokenPipe&) {
    // The reader has what it wanted; end as a program killed by SIGPIPE would, without a
    // message (128 + 13).
    return 141;
  }
}

void setup(CLI::App& app, Action& action) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* sub = app.add_subcommand(
      "predict", "Predict with a trained model: a CSV of class labels and probabilities "
                 "(classifiers) or values in the original units (regression)");
  sub->add_option("MODEL", args->model, "model file written by mlp train")->required();
  sub->add_option("INPUT", args->input,
                  "CSV file with the model's feature columns, any order ('-' = stdin)")
      ->required();
  sub->add_option("-o,--output", args->output,
                  "output CSV file, written atomically ('-' = stdout, the default)");
  sub->add_flag("--json", args->json,
                "print a JSON array of objects instead of the CSV; with -o FILE, write the CSV "
                "to FILE and print {\"rows\": N, \"output\": FILE}");
  sub->callback([args, &action] {
    action = [args] { return run_predict_quiet_on_broken_pipe(*args); };
  });
}

const Registrar registrar{30, setup};

}  // namespace
}  // namespace mlp::cli
