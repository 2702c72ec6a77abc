// metrics.jsonl / metrics.csv writers and the metrics.jsonl reader (formats: docs/diagnosis.md).
#include "mlp/train/metrics_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mlp/core/error.hpp"
#include "mlp/core/json.hpp"
#include "mlp/train/metrics_json.hpp"
#include "mlp/io/atomic_file.hpp"

namespace mlp {
namespace {

using ojson = nlohmann::ordered_json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// JSON has no NaN/inf: non-finite numbers become null.
ojson number(double v) { return json_number<ojson>(v); }

ojson norms_object(const std::vector<double>& norms, const std::vector<std::string>& names,
                   const char* what) {
  ojson o = ojson::object();
  if (norms.empty()) return o;
  if (norms.size() != names.size()) {
    throw ShapeError(fmt::format(
        "metrics: {} has {} entries but {} parameter slice names were given — pass the names "
        "of the model's parameter slices in slot order", what, norms.size(), names.size()));
  }
  for (std::size_t s = 0; s < norms.size(); ++s) o[names[s]] = number(norms[s]);
  return o;
}

/// A number for CSV: shortest round-trip form; nan, inf, -inf for non-finite values.
std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{}", v);
}
std::string csv_optional(const std::optional<double>& v) { return v ? csv_number(*v) : std::string(); }

void append_metric_columns(std::string& out, const std::string& prefix, MetricsKind kind) {
  out += fmt::format(",{}_loss", prefix);
  if (kind == MetricsKind::classification) out += fmt::format(",{}_accuracy", prefix);
  if (kind == MetricsKind::regression) out += fmt::format(",{0}_rmse,{0}_mae,{0}_r2", prefix);
}

void append_metric_values(std::string& out, const Metrics* m, MetricsKind kind) {
  out += ',';
  if (m) out += csv_number(m->loss);
  if (kind == MetricsKind::classification) {
    out += ',';
    if (m) out += csv_optional(m->accuracy);
  }
  if (kind == MetricsKind::regression) {
    for (auto field : {&Metrics::rmse, &Metrics::mae, &Metrics::r2}) {
      out += ',';
      if (m) out += csv_optional(m->*field);
    }
  }
}

// ---- reading -------------------------------------------------------------------------------

/// Context of one line for error messages: `source:line: ...`.
struct Where {
  std::string_view source;
  std::size_t line;
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(fmt::format("{}:{}: {}", source, line, what));
  }
};

const char* type_name(const ojson& v) { return v.type_name(); }

/// A number or null (NaN). `key` names the field for errors, e.g. "train.loss".
double read_number(const ojson& v, const std::string& key, const Where& at) {
  if (v.is_null()) return kNaN;
  if (!v.is_number()) {
    at.fail(fmt::format("{} must be a number or null (got {} {}) — metrics.jsonl lines are written "
                        "by `mlp train`; was the file edited?", key, type_name(v), v.dump()));
  }
  return v.get<double>();
}

double read_required(const ojson& obj, const char* key, const std::string& prefix, const Where& at) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    at.fail(fmt::format("missing key {}{} — each line needs epoch, learning_rate, objective, "
                        "train, dev, seconds, samples_per_second, grad_norms, weight_norms",
                        prefix, key));
  }
  return read_number(*it, prefix + key, at);
}

std::optional<double> read_optional(const ojson& obj, const char* key, const std::string& prefix,
                                    const Where& at) {
  const auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  return read_number(*it, prefix + key, at);
}

Metrics read_metrics(const ojson& v, const std::string& name, const Where& at) {
  if (!v.is_object()) {
    at.fail(fmt::format("{} must be an object like {{\"loss\": 0.5, \"accuracy\": 0.9}} (got {} {})",
                        name, type_name(v), v.dump()));
  }
  Metrics m;
  const std::string prefix = name + ".";
  m.loss = read_required(v, "loss", prefix, at);
  m.accuracy = read_optional(v, "accuracy", prefix, at);
  m.rmse = read_optional(v, "rmse", prefix, at);
  m.mae = read_optional(v, "mae", prefix, at);
  m.r2 = read_optional(v, "r2", prefix, at);
  return m;
}

/// Reads a {name: number} object; checks the names against `names` (set from the first
/// non-empty object of the file when `names` is still empty).
std::vector<double> read_norms(const ojson& obj, const char* key, std::vector<std::string>& names,
                               const Where& at) {
  const auto it = obj.find(key);
  if (it == obj.end()) at.fail(fmt::format("missing key {} (an object {{slice name: norm}})", key));
  if (!it->is_object()) {
    at.fail(fmt::format("{} must be an object {{\"layers.0.W\": norm, ...}} (got {} {})", key,
                        type_name(*it), it->dump()));
  }
  std::vector<double> out;
  if (it->empty()) return out;
  std::vector<std::string> here;
  for (const auto& [name, value] : it->items()) {
    here.push_back(name);
    out.push_back(read_number(value, fmt::format("{}.{}", key, name), at));
  }
  if (names.empty()) {
    names = here;
  } else if (here != names) {
    std::string expected, got;
    for (const auto& n : names) expected += (expected.empty() ? "" : ", ") + n;
    for (const auto& n : here) got += (got.empty() ? "" : ", ") + n;
    at.fail(fmt::format("{} names the slices [{}] but earlier lines name [{}] — the lines come "
                        "from different models; keep one run per metrics file",
                        key, got, expected));
  }
  return out;
}

std::uint64_t read_epoch(const ojson& obj, const Where& at) {
  const auto it = obj.find("epoch");
  if (it == obj.end()) at.fail("missing key epoch (the epoch number, from 1)");
  if (it->is_number_unsigned() && it->get<std::uint64_t>() >= 1) return it->get<std::uint64_t>();
  at.fail(fmt::format("epoch must be an integer >= 1 (got {} {})", type_name(*it), it->dump()));
}

/// "running_mean" or "exact"; absent in files of versions that always made the exact pass.
TrainCost read_train_cost(const ojson& obj, const Where& at) {
  const auto it = obj.find("train_cost");
  if (it == obj.end()) return TrainCost::exact;
  if (it->is_string()) {
    const auto name = it->get<std::string>();
    for (const auto known : train_cost_names()) {
      if (name == known) return parse_train_cost(name);
    }
  }
  at.fail(fmt::format("train_cost must be \"running_mean\" or \"exact\" (got {} {}) — metrics.jsonl "
                      "lines are written by `mlp train`; was the file edited?", type_name(*it), it->dump()));
}

EpochMetrics parse_line(std::string_view line, std::vector<std::string>& names, const Where& at) {
  ojson obj;
  try {
    obj = parse_ordered_json(line, fmt::format("{}:{}", at.source, at.line));
  } catch (const JsonError& e) {
    // SOURCE:LINE:COLUMN, the column 1-based in bytes.
    const std::string where = e.offset() ? fmt::format("{}:{}:{}", at.source, at.line, *e.offset() + 1)
                                         : fmt::format("{}:{}", at.source, at.line);
    if (e.kind() != JsonError::Kind::syntax) throw DataError(fmt::format("{}: {}", where, e.detail()));
    throw DataError(fmt::format("{}: not a JSON object: {}{}", where, e.detail(),
                                e.offset() && line.size() && line.back() != '}'
                                    ? " (a truncated last line? the run may have been killed "
                                      "while writing; delete the line)"
                                    : ""));
  }
  if (!obj.is_object()) at.fail(fmt::format("expected a JSON object, got {} {}", type_name(obj), obj.dump()));

  EpochMetrics em;
  em.epoch = read_epoch(obj, at);
  em.learning_rate = read_required(obj, "learning_rate", "", at);
  em.objective = read_required(obj, "objective", "", at);
  em.train_cost = read_train_cost(obj, at);
  const auto train = obj.find("train");
  if (train == obj.end()) at.fail("missing key train (an object {\"loss\": ..., ...})");
  em.train = read_metrics(*train, "train", at);
  const auto dev = obj.find("dev");
  if (dev == obj.end()) at.fail("missing key dev (an object, or null without a dev evaluation)");
  if (!dev->is_null()) em.dev = read_metrics(*dev, "dev", at);
  em.seconds = read_required(obj, "seconds", "", at);
  em.samples_per_second = read_required(obj, "samples_per_second", "", at);
  em.grad_norms = read_norms(obj, "grad_norms", names, at);
  em.weight_norms = read_norms(obj, "weight_norms", names, at);
  return em;
}

}  // namespace

MetricsKind metrics_kind(const Metrics& m) {
  if (m.accuracy) return MetricsKind::classification;
  if (m.rmse || m.mae || m.r2) return MetricsKind::regression;
  return MetricsKind::loss_only;
}

std::string metrics_jsonl_line(const EpochMetrics& e, const std::vector<std::string>& slice_names) {
  ojson o = ojson::object();
  o["epoch"] = e.epoch;
  o["learning_rate"] = number(e.learning_rate);
  o["objective"] = number(e.objective);
  o["train_cost"] = std::string(to_string(e.train_cost));
  o["train"] = metrics_json<ojson>(e.train);
  o["dev"] = e.dev ? metrics_json<ojson>(*e.dev) : ojson(nullptr);
  o["seconds"] = number(e.seconds);
  o["samples_per_second"] = number(e.samples_per_second);
  o["grad_norms"] = norms_object(e.grad_norms, slice_names, "grad_norms");
  o["weight_norms"] = norms_object(e.weight_norms, slice_names, "weight_norms");
  return o.dump();
}

CsvLayout CsvLayout::from(const EpochMetrics& first, bool has_dev, std::vector<std::string> names) {
  CsvLayout layout;
  layout.kind = metrics_kind(first.train);
  layout.dev = has_dev;
  layout.slice_names = std::move(names);
  return layout;
}

std::string metrics_csv_header(const CsvLayout& layout) {
  std::string out = "epoch,learning_rate,objective,train_cost";
  append_metric_columns(out, "train", layout.kind);
  if (layout.dev) append_metric_columns(out, "dev", layout.kind);
  out += ",seconds,samples_per_second";
  for (const auto& name : layout.slice_names) out += ",grad_norm." + name;
  return out + '\n';
}

std::string metrics_csv_row(const EpochMetrics& e, const CsvLayout& layout) {
  if (!e.grad_norms.empty() && e.grad_norms.size() != layout.slice_names.size()) {
    throw ShapeError(fmt::format(
        "metrics.csv: epoch {} has {} gradient norms but the header names {} slices", e.epoch,
        e.grad_norms.size(), layout.slice_names.size()));
  }
  std::string out = fmt::format("{},{},{},{}", e.epoch, csv_number(e.learning_rate), csv_number(e.objective),
                                to_string(e.train_cost));
  append_metric_values(out, &e.train, layout.kind);
  if (layout.dev) append_metric_values(out, e.dev ? &*e.dev : nullptr, layout.kind);
  out += ',' + csv_number(e.seconds) + ',' + csv_number(e.samples_per_second);
  for (std::size_t s = 0; s < layout.slice_names.size(); ++s) {
    out += ',';
    if (!e.grad_norms.empty()) out += csv_number(e.grad_norms[s]);
  }
  return out + '\n';
}

// ---- MetricsFiles ----------------------------------------------------------------------------

MetricsFiles::MetricsFiles(const std::filesystem::path& dir, std::vector<std::string> slice_names,
                           const std::vector<EpochMetrics>& history)
    : slice_names_(std::move(slice_names)) {
  jsonl_.path = dir / "metrics.jsonl";
  csv_.path = dir / "metrics.csv";
  std::string jsonl, csv;
  for (const auto& e : history) jsonl += metrics_jsonl_line(e, slice_names_) + "\n";
  if (!history.empty()) {
    layout_ = CsvLayout::from(history.front(), history.front().dev.has_value(), slice_names_);
    csv = metrics_csv_header(*layout_);
    for (const auto& e : history) csv += metrics_csv_row(e, *layout_);
  }
  open(jsonl_, jsonl);
  open(csv_, csv);
}

MetricsFiles::~MetricsFiles() {
  for (File* f : {&jsonl_, &csv_}) {
    if (f->fd >= 0) ::close(f->fd);
  }
}

void MetricsFiles::open(File& f, std::string_view content) {
  io::write_file_atomic(f.path, content);
  f.fd = ::open(f.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (f.fd < 0) throw IoError(fmt::format("{}: {}", f.path.string(), std::strerror(errno)));
  struct stat st {};
  f.size = ::fstat(f.fd, &st) == 0 && S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
}

void MetricsFiles::write(File& f, std::string_view text) {
  // An append to a file that was deleted (or whose directory was) would succeed unseen.
  struct stat st {};
  if (::fstat(f.fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0) {
    throw IoError(fmt::format("{}: {}", f.path.string(), std::strerror(ENOENT)));
  }
  while (!text.empty()) {
    const ssize_t n = ::write(f.fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      cut_back(f);
      throw IoError(fmt::format("{}: {}", f.path.string(), std::strerror(error)));
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void MetricsFiles::cut_back(File& f) noexcept {
  struct stat st {};
  if (::fstat(f.fd, &st) == 0 && S_ISREG(st.st_mode)) static_cast<void>(::ftruncate(f.fd, static_cast<off_t>(f.size)));
}

void MetricsFiles::append(const EpochMetrics& e) {
  const CsvLayout layout = layout_ ? *layout_ : CsvLayout::from(e, e.dev.has_value(), slice_names_);
  std::string csv = layout_ ? std::string() : metrics_csv_header(layout);
  csv += metrics_csv_row(e, layout);
  const std::string jsonl = metrics_jsonl_line(e, slice_names_) + "\n";
  write(jsonl_, jsonl);
  try {
    write(csv_, csv);
  } catch (const IoError&) {
    cut_back(jsonl_);  // the two files keep the same epochs
    throw;
  }
  jsonl_.size += jsonl.size();
  csv_.size += csv.size();
  layout_ = layout;
}

void MetricsFiles::sync() {
  for (File* f : {&jsonl_, &csv_}) {
    struct stat st {};
    if (::fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode)) continue;  // a FIFO or device: nothing to sync
    if (::fsync(f->fd) != 0) throw IoError(fmt::format("{}: {}", f->path.string(), std::strerror(errno)));
  }
}

MetricsLog parse_metrics_jsonl(std::string_view text, std::string_view source) {
  MetricsLog log;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const Where at{source, line_no};
    EpochMetrics em = parse_line(line, log.slice_names, at);
    // A resumed run re-runs epochs after its checkpoint: drop what it replaces.
    while (!log.history.empty() && log.history.back().epoch >= em.epoch) log.history.pop_back();
    log.history.push_back(std::move(em));
  }
  return log;
}

MetricsLog read_metrics_jsonl(const std::filesystem::path& path) {
  constexpr std::uint64_t max_bytes = std::uint64_t{1} << 30;
  const auto bytes = io::read_file(path, max_bytes);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return parse_metrics_jsonl(text, path.string());
}

}  // namespace mlp
