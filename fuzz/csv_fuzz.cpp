// Fuzz target for the CSV reader and loader: any bytes must give a Dataset or an mlp::Error,
// never a crash, a hang or another exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mlp/data/csv.hpp"
#include "mlp/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using mlp::data::CsvOptions;
  using mlp::data::Task;
  CsvOptions plain;
  plain.max_field_bytes = 4096;
  plain.max_record_bytes = 16384;
  CsvOptions classify = plain;
  classify.task = Task::classification;
  classify.missing = CsvOptions::Missing::drop_row;
  CsvOptions named = plain;
  named.targets = {"y"};
  named.drop = {"id"};
  named.missing = CsvOptions::Missing::keep_nan;  // data.missing = "mean"
  for (const CsvOptions* o : {&plain, &classify, &named}) {
    try {
      const auto d = mlp::data::parse_csv(text, "fuzz.csv", *o);
      // Whatever loads is consistent and finite (NaN only where keep_nan marks a missing
      // feature; never inf).
      const bool nan_allowed = o->missing == CsvOptions::Missing::keep_nan;
      if (d.size() < 1 || d.n_features() < 1) __builtin_trap();
      if (nan_allowed ? (d.X.array().isInf().any()) : !d.X.allFinite()) __builtin_trap();
      if (d.task == Task::classification) {
        if (d.labels.size() != static_cast<std::size_t>(d.size())) __builtin_trap();
        for (const auto c : d.labels) {
          if (c < 0 || c >= d.n_classes()) __builtin_trap();
        }
      } else if (d.Y.cols() != d.size() || !d.Y.allFinite()) {
        __builtin_trap();
      }
    } catch (const mlp::Error&) {
    }
  }
  mlp::data::CsvSchema schema{Task::classification, {"a", "b"}, {"y"}, {"cat", "dog", "1"}};
  try {
    (void)mlp::data::parse_csv(text, "fuzz.csv", schema, plain);
  } catch (const mlp::Error&) {
  }
  return 0;
}
