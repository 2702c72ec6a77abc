// `mlp import MODEL.onnx -o MODEL.mlp [--json]` — an MLP trained elsewhere (PyTorch, Keras, or
// exported by mlp) as an mlp model file (io::import_onnx, docs/deployment.md).
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common.hpp"
#include "mlp/io/model.hpp"
#include "mlp/io/onnx.hpp"

namespace mlp::cli {
namespace {

struct ImportArgs {
  std::string input;
  std::string output;
  bool json = false;
};

int run_import(const ImportArgs& a) {
  const Model model = io::import_onnx(a.input);
  model.save(a.output);
  const auto& net = model.network();
  const bool classify = model.preprocessing().task == data::Task::classification;
  std::string arch = std::to_string(net.inputs());
  for (const auto& l : net.spec().layers) arch += fmt::format("-{}({})", l.units, to_string(l.activation));
  if (a.json) {
    print_json({{"input", a.input}, {"output", a.output},
                {"task", classify ? "classification" : "regression"}, {"architecture", arch}});
  } else {
    print_out("wrote {}: {} {}\n", a.output, classify ? "classifier" : "regression model", arch);
  }
  return 0;
}

void setup(CLI::App& app, Action& action) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* sub = app.add_subcommand(
      "import", "Import an MLP from ONNX (a chain of Gemm/MatMul layers and activations, e.g. "
                "torch.onnx.export of an nn.Sequential) as an mlp model file");
  sub->add_option("MODEL", args->input, "the ONNX file")->required();
  sub->add_option("-o,--output", args->output, "the mlp model file to write (atomically)")->required();
  sub->add_flag("--json", args->json, "print what was written as JSON");
  sub->callback([args, &action] { action = [args] { return run_import(*args); }; });
}

const Registrar registrar{76, setup};

}  // namespace
}  // namespace mlp::cli
