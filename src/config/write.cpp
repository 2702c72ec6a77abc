// Writes a RunConfig back as TOML: the resolved configuration a run directory keeps. Keys are in
// documentation order; keys that the chosen variants do not use (another optimizer's betas,
// another schedule's parameters, CSV keys for IDX data) are left out, so that the text parses
// back to an equal RunConfig.
#include <fmt/format.h>

#include <algorithm>

#include "schema.hpp"
#include "mlp/config/config.hpp"

namespace mlp {
namespace {

using namespace config;
namespace sc = config::schema;

std::string str(std::string_view s) { return sc::quoted(s); }

/// A finite double in TOML float syntax that reads back to the same value.
std::string real(double x) {
  std::string t = fmt::format("{}", x);
  if (t.find_first_of(".eEn") == std::string::npos) t += ".0";
  return t;
}

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

class Writer {
 public:
  void section(std::string_view name) {
    if (!out_.empty()) out_ += "\n";
    out_ += fmt::format("[{}]\n", name);
  }
  void key(std::string_view k, const std::string& value) {
    out_ += fmt::format("{} = {}\n", k, value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

bool used(const std::vector<std::string_view>& keys, std::string_view k) {
  return std::find(keys.begin(), keys.end(), k) != keys.end();
}

}  // namespace

std::string to_toml(const RunConfig& cfg) {
  const auto& d = cfg.data;
  const auto& m = cfg.model;
  const auto& t = cfg.train;
  Writer w;

  w.section("data");
  w.key("train", str(d.train));
  if (d.dev) w.key("dev", str(*d.dev));
  if (d.test) w.key("test", str(*d.test));
  const bool idx = d.format == DataFormat::idx;
  if (idx) {
    if (d.train_labels) w.key("train_labels", str(*d.train_labels));
    if (d.dev_labels) w.key("dev_labels", str(*d.dev_labels));
    if (d.test_labels) w.key("test_labels", str(*d.test_labels));
  }
  w.key("format", str(to_string(d.format)));
  if (!idx) {
    w.key("target", d.target.size() == 1 ? str(d.target[0]) : list(d.target, str));
    w.key("drop", list(d.drop, str));
  }
  w.key("split", d.split ? list(std::vector<double>(d.split->begin(), d.split->end()), real)
                         : str("auto"));
  w.key("normalize", str(to_string(d.normalize)));
  if (d.task != Task::classification) {
    w.key("normalize_target", d.normalize_target ? "true" : "false");
  }
  w.key("task", str(to_string(d.task)));
  if (!idx) {
    w.key("missing", str(to_string(d.missing)));
    w.key("max_field_bytes", fmt::format("{}", d.max_field_bytes));
  }

  w.section("model");
  w.key("hidden", list(m.hidden, [](std::int64_t h) { return fmt::format("{}", h); }));
  const auto act = [](Activation a) { return str(mlp::to_string(a)); };
  if (m.activation.empty()) {
    w.key("activation", act(Activation::relu));
  } else if (uniform(m.activation)) {
    w.key("activation", act(m.activation.front()));
  } else {
    w.key("activation", list(m.activation, act));
  }
  if (std::find(m.activation.begin(), m.activation.end(), Activation::leaky_relu) !=
      m.activation.end()) {
    w.key("leaky_slope", real(m.leaky_slope));
  }
  w.key("output", m.output ? act(*m.output) : str("auto"));
  w.key("init", str(mlp::to_string(m.init)));
  if (m.init == Init::normal) w.key("init_scale", real(m.init_scale));
  if (m.keep_prob.empty()) {
    w.key("keep_prob", real(1.0));
  } else if (uniform(m.keep_prob)) {
    w.key("keep_prob", real(m.keep_prob.front()));
  } else {
    w.key("keep_prob", list(m.keep_prob, real));
  }

  w.section("train");
  w.key("loss", t.loss ? str(mlp::to_string(*t.loss)) : str("auto"));
  w.key("optimizer", str(to_string(t.optimizer)));
  w.key("learning_rate", real(t.learning_rate));
  w.key("batch_size", fmt::format("{}", t.batch_size));
  w.key("epochs", fmt::format("{}", t.epochs));
  w.key("l1", real(t.l1));
  w.key("l2", real(t.l2));
  w.key("seed", fmt::format("{}", t.seed));
  w.key("threads", fmt::format("{}", t.threads));
  const auto opt = sc::keys_used_by(t.optimizer);
  if (used(opt, "beta")) w.key("beta", real(t.beta));
  if (used(opt, "beta1")) w.key("beta1", real(t.beta1));
  if (used(opt, "beta2")) w.key("beta2", real(t.beta2));
  if (used(opt, "epsilon")) w.key("epsilon", real(t.epsilon));
  if (used(opt, "nesterov")) w.key("nesterov", t.nesterov ? "true" : "false");
  if (used(opt, "weight_decay")) w.key("weight_decay", real(t.weight_decay));
  if (used(opt, "line_search")) w.key("line_search", t.line_search ? "true" : "false");
  w.key("clip_norm", real(t.clip_norm));
  w.key("drop_last", t.drop_last ? "true" : "false");
  w.key("checkpoint_every", fmt::format("{}", t.checkpoint_every));
  w.key("keep_checkpoints", fmt::format("{}", t.keep_checkpoints));
  w.key("eval_every", fmt::format("{}", t.eval_every));

  const auto& s = t.schedule;
  w.section("train.schedule");
  w.key("type", str(to_string(s.type)));
  const auto sch = sc::keys_used_by(s.type);
  if (used(sch, "decay")) w.key("decay", real(s.decay));
  if (used(sch, "gamma")) w.key("gamma", real(s.gamma));
  if (used(sch, "k")) w.key("k", real(s.k));
  if (used(sch, "step")) w.key("step", fmt::format("{}", s.step));
  if (used(sch, "factor")) w.key("factor", real(s.factor));
  if (used(sch, "patience")) w.key("patience", fmt::format("{}", s.patience));
  if (used(sch, "threshold")) w.key("threshold", real(s.threshold));
  if (used(sch, "min_lr")) w.key("min_lr", real(s.min_lr));

  const auto& es = t.early_stopping;
  w.section("train.early_stopping");
  w.key("enabled", es.enabled ? "true" : "false");
  w.key("patience", fmt::format("{}", es.patience));
  w.key("min_delta", real(es.min_delta));
  w.key("restore_best", es.restore_best ? "true" : "false");

  return "# Resolved run configuration: every key with its value (docs/config.md).\n\n" +
         w.take();
}

}  // namespace mlp
