// `mlp export MODEL -o OUT [--format onnx|c] [--opset N] [--prefix NAME] [--int8] [--json]` —
// a trained model for deployment (docs/deployment.md): an ONNX file (io::export_onnx) or
// dependency-free C99 source (io::export_c).
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common.hpp"
#include "mlp/io/c_export.hpp"
#include "mlp/io/model.hpp"
#include "mlp/io/onnx.hpp"

namespace mlp::cli {
namespace {

struct ExportArgs {
  std::string model;
  std::string output;
  std::string format = "onnx";
  int opset = 17;
  std::string prefix = "mlp_model";
  bool int8 = false;
  bool json = false;
};

int run_export(const ExportArgs& a) {
  const Model model = Model::load(a.model);
  if (a.format == "onnx") {
    io::export_onnx(model, a.output, io::OnnxExportOptions{a.opset});
    if (a.json) print_json({{"format", "onnx"}, {"output", a.output}, {"opset", a.opset}});
    else print_out("wrote {} (ONNX, opset {})\n", a.output, a.opset);
    return 0;
  }
  const io::CExportResult r = io::export_c(model, a.output, io::CExportOptions{a.prefix, a.int8});
  if (a.json) {
    print_json({{"format", "c"}, {"header", r.header.string()}, {"source", r.source.string()},
                {"int8", a.int8}, {"weight_bytes", r.weight_bytes}});
  } else {
    print_out("wrote {} and {} (C99{}, {} bytes of weights)\n", r.header.string(), r.source.string(),
              a.int8 ? ", int8 weights" : "", r.weight_bytes);
  }
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* sub = app.add_subcommand(
      "export", "Export a trained model for deployment: an ONNX file (standardization, layers and "
                "label in one graph) or dependency-free C99 source for microcontrollers");
  sub->add_option("MODEL", args->model, "model file written by mlp train")->required();
  sub->add_option("-o,--output", args->output,
                  "the ONNX file (written atomically), or with --format c the directory for "
                  "PREFIX.h and PREFIX.c (created if missing)")
      ->required();
  sub->add_option("--format", args->format, "onnx (default) or c")
      ->check(CLI::IsMember({"onnx", "c"}));
  add_number(sub, "--opset", args->opset, "ONNX opset of the graph, 13..17 (default 17)",
             Interval{13, false, 17, false});
  sub->add_option("--prefix", args->prefix,
                  "--format c: prefix of the file names and of every C symbol (default mlp_model)");
  sub->add_flag("--int8", args->int8,
                "--format c: int8 weights with one float scale per row (4x smaller), float "
                "accumulation");
  sub->add_flag("--json", args->json, "print what was written as JSON");
  sub->callback([args, sub, &action] {
    if (args->format != "c" && (sub->count("--prefix") > 0 || args->int8)) {
      throw CLI::ValidationError("--prefix/--int8", "only apply with --format c");
    }
    if (args->format == "c" && sub->count("--opset") > 0) {
      throw CLI::ValidationError("--opset", "only applies to --format onnx");
    }
    action = [args] { return run_export(*args); };
  });
}

const Registrar registrar{75, setup};

}  // namespace
}  // namespace mlp::cli
