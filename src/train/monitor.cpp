#include "mlp/train/monitor.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <cmath>

#include "mlp/core/error.hpp"

namespace mlp {

namespace {

constexpr std::array<MonitorMetric, 6> kMetrics{{
    {"dev_cost", false, MonitorTask::any, "the dev cost J (no penalties); lower is better"},
    {"dev_accuracy", true, MonitorTask::classification, "dev accuracy; higher is better"},
    {"dev_f1", true, MonitorTask::classification, "dev macro F1 over the classes; higher is better"},
    {"dev_rmse", false, MonitorTask::regression, "dev RMSE in the targets' units; lower is better"},
    {"dev_mae", false, MonitorTask::regression, "dev MAE in the targets' units; lower is better"},
    {"dev_r2", true, MonitorTask::regression, "dev R²; higher is better"},
}};

bool applies(const MonitorMetric& m, data::Task task) {
  return m.task == MonitorTask::any ||
         (m.task == MonitorTask::classification) == (task == data::Task::classification);
}

}  // namespace

std::span<const MonitorMetric> monitor_metrics() { return kMetrics; }

std::vector<std::string_view> monitor_names() {
  std::vector<std::string_view> v;
  for (const auto& m : kMetrics) v.push_back(m.name);
  return v;
}

std::vector<std::string_view> monitor_names_for(data::Task task) {
  std::vector<std::string_view> v;
  for (const auto& m : kMetrics) {
    if (applies(m, task)) v.push_back(m.name);
  }
  return v;
}

std::string monitor_names_text() {
  return fmt::format("classification: {}; regression: {}",
                     fmt::join(monitor_names_for(data::Task::classification), ", "),
                     fmt::join(monitor_names_for(data::Task::regression), ", "));
}

const MonitorMetric& find_monitor(std::string_view name) {
  for (const auto& m : kMetrics) {
    if (m.name == name) return m;
  }
  throw ConfigError(fmt::format("train.early_stopping.monitor: unknown metric \"{}\" — use one of {}",
                                name, monitor_names_text()));
}

void check_monitor_fits(std::string_view name, data::Task task) {
  const MonitorMetric& m = find_monitor(name);
  if (applies(m, task)) return;
  const bool classify = task == data::Task::classification;
  throw ConfigError(fmt::format(
      "train.early_stopping.monitor = \"{}\" is a {} metric, but the task is {}; use one of {}", name,
      classify ? "regression" : "classification", classify ? "classification" : "regression",
      fmt::join(monitor_names_for(task), ", ")));
}

double macro_f1(const std::vector<std::vector<std::int64_t>>& C) {
  const std::size_t k = C.size();
  if (k == 0) return 0.0;
  double sum = 0;
  for (std::size_t c = 0; c < k; ++c) {
    double predicted = 0, actual = 0;  // Σ_t C[t][c], Σ_p C[c][p]
    for (std::size_t o = 0; o < k; ++o) {
      predicted += static_cast<double>(C[o][c]);
      actual += static_cast<double>(C[c][o]);
    }
    const auto tp = static_cast<double>(C[c][c]);
    const double precision = predicted > 0 ? tp / predicted : 0.0;
    const double recall = actual > 0 ? tp / actual : 0.0;
    sum += precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
  }
  return sum / static_cast<double>(k);
}

double monitored_value(std::string_view name, const Metrics& m) {
  const MonitorMetric& metric = find_monitor(name);
  const auto need = [&](const std::optional<double>& v) {
    if (!v) {
      throw ConfigError(fmt::format("train.early_stopping.monitor = \"{}\": the dev metrics do not "
                                    "carry it (a {} metric); use one of {}",
                                    name, metric.task == MonitorTask::regression ? "regression" : "classification",
                                    monitor_names_text()));
    }
    return *v;
  };
  if (name == "dev_cost") return m.loss;
  if (name == "dev_accuracy") return need(m.accuracy);
  if (name == "dev_f1") {
    need(m.accuracy);  // a classification's metrics
    return macro_f1(m.confusion);
  }
  if (name == "dev_rmse") return need(m.rmse);
  if (name == "dev_mae") return need(m.mae);
  return need(m.r2);  // dev_r2
}

bool improves(const MonitorMetric& metric, double value, double best, double min_delta) {
  return metric.maximize ? value > best + min_delta : value < best - min_delta;
}

}  // namespace mlp
