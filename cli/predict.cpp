// `mlp predict MODEL INPUT [-o OUT] [--json]` — predictions of a trained model for the rows of
// a CSV file, or the images of an IDX file (docs/cli.md).
//
// Input: IDX images (by name or magic bytes: Model::predict_file), one output row per image,
// or a CSV with the model's feature columns by name, in any order; other columns are ignored. For a
// classifier, a target column that is present is checked against the known classes (a label
// not seen in training is an error naming it); for regression the target columns are not read.
// Output (CSV, one row per input row, in input order):
//   classifier  label,p_<class 0>,p_<class 1>,...   predicted class and class probabilities
//   regression  <target names>                      predictions in the original units
// Numbers are printed as the shortest decimal that reads back as the same float32.
// "-" is standard input (INPUT) / standard output (OUT, the default). A file OUT is written
// atomically; a FIFO, a device or /dev/fd/N is written in place and a symlink's target is
// replaced (io::AtomicWriter). --json prints a JSON array of objects (the CSV columns as keys) instead of the
// CSV; with -o FILE, the CSV goes to FILE and {"rows": N, "output": FILE} to standard output.
// A reader that closes the pipe early (`mlp predict ... | head -1`) ends the command quietly.
// The input is read and predicted in blocks of kPredictBlockRows rows (Model::predict_csv):
// memory stays bounded and each block's rows are written (to stdout: flushed) before the next
// block is read, so an endless stdin gets answers as it goes. A bad row fails the command
// (exit 65) after the rows before its block were written to stdout (a file -o is left alone).
// A row whose output is not finite (inputs near +-FLT_MAX) is such an error, naming the row.
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

/// Rows read and predicted at a time: the memory bound of a prediction, and the most input
/// rows read before the first output.
constexpr std::size_t kPredictBlockRows = 4096;

struct PredictArgs {
  std::string model;
  std::string input;
  std::string output = "-";
  bool json = false;
};

/// Standard output, or the file -o names (atomically replaced, or streamed into a FIFO, a device
/// or /dev/fd/N: io::AtomicWriter).
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
    write_stdout(text);  // flushed: a reader gets each block as soon as it is predicted
  }
  void commit() {
    if (file_) {
      file_->commit();
      return;
    }
    if (std::fflush(stdout) != 0) stdout_failed(errno);
  }

 private:
  std::optional<io::AtomicWriter> file_;
};

/// The shortest decimal that reads back as the same float ("0.97", not "0.970000029").
std::string number_text(float v) { return fmt::format("{}", v); }

/// The same value for JSON: a double whose shortest form is the float's (null if not finite).
nlohmann::ordered_json number_json(float v) {
  if (!std::isfinite(v)) return nullptr;
  return std::stod(number_text(v));
}

/// Column names of the output: "label", "p_<class>"... or the target names (output0,
/// output1, ... for a model saved without names). Model's constructor guarantees one class
/// name per class and one target name per output, or none.
std::vector<std::string> output_columns(const Preprocessing& pre, Index outputs) {
  if (pre.task == data::Task::regression) {
    if (!pre.target_names.empty()) return pre.target_names;
    std::vector<std::string> cols;
    for (Index k = 0; k < outputs; ++k) cols.push_back(fmt::format("output{}", k));
    return cols;
  }
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

  const std::vector<std::string> columns = output_columns(pre, model.network().outputs());
  const bool json_rows = args.json && to_stdout;
  const bool single_sigmoid = classify && model.network().outputs() == 1;
  std::size_t m = 0;  // rows written
  std::string text;
  // The input is read and predicted block by block (memory stays bounded, an endless stdin
  // included); each block's rows are written before the next is read. A model trained with
  // data.missing = "mean" fills in missing features with its training means.
  model.predict_file(args.input, kPredictBlockRows, [&](const MatrixF& P, std::size_t first) {
    // P [n_out x b]: class probabilities, or predictions in the original units.
    text.clear();
    if (first == 0) {
      // The header once the first rows are read, so an input that fails early writes nothing.
      if (json_rows) text += "[";
      else text += data::csv_row(columns);
    }
    for (Index j = 0; j < P.cols(); ++j) {
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
        text += (first + static_cast<std::size_t>(j) == 0) ? "\n  " : ",\n  ";
        text += row.dump();
      } else {
        text += data::csv_row(fields);
      }
    }
    m = first + static_cast<std::size_t>(P.cols());
    out.write(text);
  }, [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); });
  if (json_rows) out.write(m > 0 ? "\n]\n" : "]\n");
  out.commit();
  if (args.json && !to_stdout) {
    print_json(nlohmann::json{{"rows", m}, {"output", args.output}});
  }
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* sub = app.add_subcommand(
      "predict", "Predict with a trained model: a CSV of class labels and probabilities "
                 "(classifiers) or values in the original units (regression)");
  sub->add_option("MODEL", args->model, "model file written by mlp train")->required();
  sub->add_option("INPUT", args->input,
                  "CSV file with the model's feature columns, any order ('-' = stdin), or "
                  "IDX images (e.g. t10k-images-idx3-ubyte.gz)")
      ->required();
  sub->add_option("-o,--output", args->output,
                  "output CSV file, written atomically; a FIFO, device or /dev/fd/N is written "
                  "in place ('-' = stdout, the default)");
  sub->add_flag("--json", args->json,
                "print a JSON array of objects instead of the CSV; with -o FILE, write the CSV "
                "to FILE and print {\"rows\": N, \"output\": FILE}");
  sub->callback([args, &action] {
    action = [args] { return run_predict(*args); };  // a closed pipe: BrokenPipe, exit 141 (main)
  });
}

const Registrar registrar{30, setup};

}  // namespace
}  // namespace mlp::cli
