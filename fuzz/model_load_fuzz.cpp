// Fuzz target for the model container parser (RELIABILITY M1-M4).
//
// Each input is parsed twice: as given, and "resealed" (its checksum digits rewritten to the
// correct CRC32 when it has a checksum field), so that mutations get past the checksum and reach
// the header and tensor checks. parse() may only succeed or throw mlp::DataError; anything else
// (another exception, a crash, a sanitizer report, an allocation beyond -malloc_limit_mb) is a bug.
// A parsed container must survive serialize -> parse unchanged. It is then read as a model
// (Model::from_container: the metadata JSON, the header against the network), which may also only
// succeed or throw mlp::DataError; a model that loads predicts one example with as many outputs as
// it has names for.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "io/safetensors_internal.hpp"
#include "mlp/core/error.hpp"
#include "mlp/io/model.hpp"
#include "mlp/io/safetensors.hpp"

namespace {

void check_model(const mlp::io::Container& c) {
  std::optional<mlp::Model> model;
  try {
    model.emplace(mlp::Model::from_container(c, "fuzz.mlp"));
  } catch (const mlp::DataError&) {
    return;
  }
  const mlp::Preprocessing& pre = model->preprocessing();
  const mlp::MatrixF P = model->predict(mlp::MatrixF::Zero(model->network().inputs(), 1));
  const auto rows = static_cast<std::size_t>(P.rows());
  const bool classify = pre.task == mlp::data::Task::classification;
  if (classify ? pre.class_names.size() != rows
               : !pre.target_names.empty() && pre.target_names.size() != rows) {
    std::abort();
  }
}

void check(std::span<const std::byte> bytes) {
  mlp::io::Container c;
  try {
    c = mlp::io::parse(bytes, "fuzz.mlp");
  } catch (const mlp::DataError&) {
    return;
  }
  const std::vector<std::byte> again = mlp::io::serialize(c);
  if (!(mlp::io::parse(again, "fuzz-again.mlp") == c)) std::abort();
  check_model(c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto* first = reinterpret_cast<const std::byte*>(data);
  check(std::span<const std::byte>(first, size));
  std::vector<std::byte> resealed(first, first + size);
  if (mlp::io::detail::seal(resealed)) check(resealed);
  return 0;
}
