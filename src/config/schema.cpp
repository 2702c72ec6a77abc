#include "schema.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mlp::config {
namespace schema {

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
const NameTable<Optimizer>& optimizers() {
  static const NameTable<Optimizer> t{{"gd", Optimizer::gd},
                                      {"momentum", Optimizer::momentum},
                                      {"momentum_pytorch", Optimizer::momentum_pytorch},
                                      {"rmsprop", Optimizer::rmsprop},
                                      {"adam", Optimizer::adam},
                                      {"adamw", Optimizer::adamw}};
  return t;
}
const NameTable<ScheduleType>& schedule_types() {
  static const NameTable<ScheduleType> t{{"constant", ScheduleType::constant},
                                         {"inverse_time", ScheduleType::inverse_time},
                                         {"exponential", ScheduleType::exponential},
                                         {"inverse_sqrt", ScheduleType::inverse_sqrt},
                                         {"step", ScheduleType::step},
                                         {"plateau", ScheduleType::plateau}};
  return t;
}
const NameTable<Activation>& hidden_activations() {
  static const NameTable<Activation> t{{"relu", Activation::relu},
                                       {"leaky_relu", Activation::leaky_relu},
                                       {"tanh", Activation::tanh},
                                       {"sigmoid", Activation::sigmoid},
                                       {"identity", Activation::identity},
                                       {"linear", Activation::identity}};
  return t;
}
const NameTable<std::optional<Activation>>& output_activations() {
  static const NameTable<std::optional<Activation>> t{{"auto", std::nullopt},
                                                      {"softmax", Activation::softmax},
                                                      {"sigmoid", Activation::sigmoid},
                                                      {"identity", Activation::identity},
                                                      {"linear", Activation::identity}};
  return t;
}
const NameTable<std::optional<Loss>>& losses() {
  static const NameTable<std::optional<Loss>> t{{"auto", std::nullopt},
                                                {"mse", Loss::mse},
                                                {"binary_cross_entropy", Loss::binary_cross_entropy},
                                                {"cross_entropy", Loss::cross_entropy}};
  return t;
}
const NameTable<Init>& inits() {
  static const NameTable<Init> t{{"he_normal", Init::he_normal},
                                 {"he_uniform", Init::he_uniform},
                                 {"glorot_normal", Init::glorot_normal},
                                 {"glorot_uniform", Init::glorot_uniform},
                                 {"xavier", Init::glorot_normal},
                                 {"xavier_normal", Init::glorot_normal},
                                 {"xavier_uniform", Init::glorot_uniform},
                                 {"normal", Init::normal},
                                 {"zeros", Init::zeros}};
  return t;
}

const std::vector<Section>& sections() {
  static const std::vector<Section> s{
      {"", {}, {"data", "model", "train"}},
      {"data",
       {"train", "dev", "test", "train_labels", "dev_labels", "test_labels", "format", "target",
        "drop", "split", "normalize", "normalize_target", "task", "missing", "max_field_bytes"},
       {}},
      {"model", {"hidden", "activation", "leaky_slope", "output", "init", "init_scale", "keep_prob"},
       {}},
      {"train",
       {"loss", "optimizer", "learning_rate", "batch_size", "epochs", "l1", "l2", "seed",
        "threads", "beta", "beta1", "beta2", "epsilon", "nesterov", "weight_decay", "clip_norm",
        "line_search", "drop_last", "checkpoint_every", "keep_checkpoints", "eval_every"},
       {"schedule", "early_stopping"}},
      {"train.schedule",
       {"type", "decay", "gamma", "k", "step", "factor", "patience", "min_lr", "threshold"},
       {}},
      {"train.early_stopping", {"enabled", "patience", "min_delta", "restore_best"}, {}},
  };
  return s;
}

const Section* find_section(std::string_view name) {
  for (const auto& s : sections()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const std::vector<std::string_view>& optimizer_keys() {
  static const std::vector<std::string_view> k{"beta",     "beta1",        "beta2",      "epsilon",
                                               "nesterov", "weight_decay", "line_search"};
  return k;
}

std::vector<std::string_view> keys_used_by(Optimizer o) {
  switch (o) {
    case Optimizer::gd: return {"line_search"};
    case Optimizer::momentum: return {"beta"};
    case Optimizer::momentum_pytorch: return {"beta", "nesterov"};
    case Optimizer::rmsprop: return {"beta", "epsilon"};
    case Optimizer::adam: return {"beta1", "beta2", "epsilon"};
    case Optimizer::adamw: return {"beta1", "beta2", "epsilon", "weight_decay"};
  }
  return {};
}

const std::vector<std::string_view>& schedule_keys() {
  static const std::vector<std::string_view> k{"decay",    "gamma",  "k",        "step",
                                               "factor",   "patience", "min_lr", "threshold"};
  return k;
}

std::vector<std::string_view> keys_used_by(ScheduleType t) {
  switch (t) {
    case ScheduleType::constant: return {};
    case ScheduleType::inverse_time: return {"decay", "min_lr"};
    case ScheduleType::exponential: return {"gamma", "min_lr"};
    case ScheduleType::inverse_sqrt: return {"k", "min_lr"};
    case ScheduleType::step: return {"step", "gamma", "min_lr"};
    case ScheduleType::plateau: return {"factor", "patience", "threshold", "min_lr"};
  }
  return {};
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", c);
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

}  // namespace schema

std::string_view to_string(DataFormat v) { return schema::name_of(v, schema::formats()); }
std::string_view to_string(Normalize v) { return schema::name_of(v, schema::normalizations()); }
std::string_view to_string(Task v) { return schema::name_of(v, schema::tasks()); }
std::string_view to_string(Missing v) { return schema::name_of(v, schema::missing_policies()); }
std::string_view to_string(Optimizer v) { return schema::name_of(v, schema::optimizers()); }
std::string_view to_string(ScheduleType v) { return schema::name_of(v, schema::schedule_types()); }

}  // namespace mlp::config

namespace mlp {

const std::vector<std::string_view>& config_keys() {
  static const std::vector<std::string_view> keys = [] {
    static std::vector<std::string> storage;
    for (const auto& s : config::schema::sections()) {
      for (auto k : s.keys) storage.push_back(std::string(s.name) + "." + std::string(k));
    }
    std::vector<std::string_view> v(storage.begin(), storage.end());
    return v;
  }();
  return keys;
}

}  // namespace mlp
