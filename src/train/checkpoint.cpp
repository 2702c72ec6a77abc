#include "mlp/train/checkpoint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

#include "mlp/core/error.hpp"
#include "mlp/core/json.hpp"
#include "mlp/train/metrics_log.hpp"

namespace mlp {

namespace {

constexpr const char* kKey = "mlp.checkpoint";

nlohmann::json rng_json(const Rng::State& s) {
  return {{"s", s.s}, {"has_spare", s.has_spare}, {"spare", s.spare}};
}

Rng::State rng_from(const nlohmann::json& j) {
  Rng::State s{};
  const auto v = j.at("s").get<std::vector<std::uint64_t>>();
  if (v.size() != 4) throw DataError("rng state must have 4 words");
  std::copy(v.begin(), v.end(), s.s.begin());
  s.has_spare = j.at("has_spare").get<bool>();
  s.spare = j.at("spare").get<double>();
  return s;
}

io::TensorData flat_tensor(std::string name, const Vector<float>& v) {
  auto t = io::tensor_from_matrix<float>(std::move(name), MatrixCRef<float>(v));
  t.shape = {static_cast<std::int64_t>(v.size())};
  return t;
}

Vector<float> flat_from(const io::Container& c, const std::string& name, std::size_t n,
                        const std::string& source) {
  const io::TensorData* t = c.find(name);
  if (!t) throw DataError(fmt::format("{}: checkpoint tensor {} is missing", source, name));
  if (t->shape.size() != 1 || static_cast<std::size_t>(t->shape[0]) != n) {
    throw DataError(fmt::format("{}: checkpoint tensor {} has {} shape, expected [{}]", source, name,
                                t->shape.size() == 1 ? fmt::format("[{}]", t->shape[0]) : "a wrong", n));
  }
  MatrixF m = io::matrix_from_tensor<float>(*t, source);
  return m.reshaped();
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const Model& model, const TrainerState& st,
                     const std::vector<std::string>& slice_names) {
  io::Container c = model.to_container();
  nlohmann::json j;
  j["epoch"] = st.epoch;
  j["batch"] = st.batch;
  j["epoch_objective_sum"] = st.epoch_objective_sum;
  const MetricsSums& t = st.epoch_train_sums;
  j["epoch_train_sums"] = {{"examples", t.examples}, {"loss", t.loss}, {"correct", t.correct},
                           {"squared", t.squared}, {"absolute", t.absolute}};
  j["epoch_grad_norm_sums"] = st.epoch_grad_norm_sums;
  j["epoch_seconds"] = st.epoch_seconds;
  j["optimizer"] = {{"name", st.optimizer.optimizer}, {"step", st.optimizer.step},
                    {"buffers", st.optimizer.buffer_names}};
  const auto& b = st.batcher;
  j["batcher"] = {{"epoch", b.epoch}, {"rng_at_epoch_start", rng_json(b.rng_at_epoch_start)},
                  {"rng", rng_json(b.rng)}, {"position", b.position}, {"size", b.size},
                  {"batch_size", b.batch_size}};
  j["dropout_rng"] = rng_json(st.dropout_rng);
  j["plateau"] = {{"lr", st.plateau.lr},
                  {"best", st.plateau.best ? nlohmann::json(*st.plateau.best) : nlohmann::json(nullptr)},
                  {"bad_epochs", st.plateau.bad_epochs}, {"cooldown_left", st.plateau.cooldown_left}};
  j["best_dev"] = st.best_dev ? nlohmann::json(*st.best_dev) : nlohmann::json(nullptr);
  j["monitor"] = st.monitor;  // the metric best_dev is of
  j["best_epoch"] = st.best_epoch;
  j["bad_epochs"] = st.bad_epochs;
  // Divergence recovery: the learning-rate multiplier in effect and every recovery so far.
  j["lr_multiplier"] = st.lr_multiplier;
  j["epoch_skipped"] = st.epoch_skipped;
  j["first_cost"] = st.first_cost ? nlohmann::json(*st.first_cost) : nlohmann::json(nullptr);
  j["recoveries"] = nlohmann::json::array();
  for (const Recovery& r : st.recoveries) {
    j["recoveries"].push_back({{"epoch", r.epoch}, {"batch", r.batch}, {"tensor", r.tensor},
                               {"lr_before", r.lr_before}, {"lr_after", r.lr_after},
                               {"steps_undone", r.steps_undone}});
  }
  std::string history;
  for (const auto& e : st.history) history += metrics_jsonl_line(e, slice_names) + "\n";
  j["history"] = history;
  c.metadata[kKey] = j.dump();
  for (std::size_t i = 0; i < st.optimizer.buffers.size(); ++i) {
    c.tensors.push_back(flat_tensor("optimizer." + st.optimizer.buffer_names.at(i), st.optimizer.buffers[i]));
  }
  if (st.best_theta.size()) c.tensors.push_back(flat_tensor("trainer.best_theta", st.best_theta));
  io::save(path, c);
}

Checkpoint load_checkpoint(const std::filesystem::path& path) {
  const std::string source = path.string();
  io::Container c = io::load(path);
  const auto it = c.metadata.find(kKey);
  if (it == c.metadata.end()) {
    throw DataError(fmt::format("{}: not a checkpoint (metadata {} is missing) — a model file?", source, kKey));
  }
  // Split off our tensors; the rest is the model.
  io::Container model_part = c;
  std::erase_if(model_part.tensors, [](const io::TensorData& t) {
    return t.name.rfind("optimizer.", 0) == 0 || t.name.rfind("trainer.", 0) == 0;
  });
  Model model = Model::from_container(model_part, source);
  const std::size_t n = model.network().params().size();
  TrainerState st;
  try {
    const auto j = parse_json(it->second, fmt::format("{}: metadata {}", source, kKey));
    st.epoch = j.at("epoch").get<std::uint64_t>();
    st.batch = j.at("batch").get<std::uint64_t>();
    st.epoch_objective_sum = j.at("epoch_objective_sum").get<double>();
    // Absent from checkpoints of older versions: the running metrics then restart at the resumed batch.
    if (const auto t = j.find("epoch_train_sums"); t != j.end()) {
      MetricsSums& sums = st.epoch_train_sums;
      sums.examples = t->at("examples").get<double>();
      sums.loss = t->at("loss").get<double>();
      sums.correct = t->at("correct").get<double>();
      sums.squared = t->at("squared").get<double>();
      sums.absolute = t->at("absolute").get<double>();
    }
    st.epoch_grad_norm_sums = j.at("epoch_grad_norm_sums").get<std::vector<double>>();
    st.epoch_seconds = j.at("epoch_seconds").get<double>();
    const auto& o = j.at("optimizer");
    st.optimizer.optimizer = o.at("name").get<std::string>();
    st.optimizer.step = o.at("step").get<std::uint64_t>();
    st.optimizer.buffer_names = o.at("buffers").get<std::vector<std::string>>();
    for (const auto& name : st.optimizer.buffer_names) {
      st.optimizer.buffers.push_back(flat_from(c, "optimizer." + name, n, source));
    }
    const auto& b = j.at("batcher");
    st.batcher.epoch = b.at("epoch").get<std::uint64_t>();
    st.batcher.rng_at_epoch_start = rng_from(b.at("rng_at_epoch_start"));
    st.batcher.rng = rng_from(b.at("rng"));
    st.batcher.position = b.at("position").get<Index>();
    st.batcher.size = b.at("size").get<Index>();
    st.batcher.batch_size = b.at("batch_size").get<Index>();
    st.dropout_rng = rng_from(j.at("dropout_rng"));
    const auto& p = j.at("plateau");
    st.plateau.lr = p.at("lr").get<double>();
    if (!p.at("best").is_null()) st.plateau.best = p.at("best").get<double>();
    st.plateau.bad_epochs = p.at("bad_epochs").get<std::uint64_t>();
    st.plateau.cooldown_left = p.at("cooldown_left").get<std::uint64_t>();
    if (!j.at("best_dev").is_null()) st.best_dev = j.at("best_dev").get<double>();
    // Absent from checkpoints of older versions, which watched the dev cost only.
    if (const auto m = j.find("monitor"); m != j.end()) st.monitor = m->get<std::string>();
    st.best_epoch = j.at("best_epoch").get<std::uint64_t>();
    st.bad_epochs = j.at("bad_epochs").get<std::uint64_t>();
    // Absent from checkpoints of older versions (no recovery then): multiplier 1.
    if (const auto m = j.find("lr_multiplier"); m != j.end()) {
      st.lr_multiplier = m->get<double>();
      if (!(st.lr_multiplier > 0) || !(st.lr_multiplier <= 1)) {
        throw DataError(fmt::format("{}: checkpoint lr_multiplier {} is not in (0, 1]", source, st.lr_multiplier));
      }
    }
    if (const auto k = j.find("epoch_skipped"); k != j.end()) st.epoch_skipped = k->get<std::uint64_t>();
    // Absent from checkpoints of older versions: the first batch after resuming sets it.
    if (const auto f = j.find("first_cost"); f != j.end() && !f->is_null()) {
      st.first_cost = f->get<double>();
      if (!std::isfinite(*st.first_cost) || *st.first_cost < 0) {
        throw DataError(fmt::format("{}: checkpoint first_cost {} is not a finite cost ≥ 0", source, *st.first_cost));
      }
    }
    if (const auto rs = j.find("recoveries"); rs != j.end()) {
      for (const auto& r : *rs) {
        st.recoveries.push_back(Recovery{r.at("epoch").get<std::uint64_t>(), r.at("batch").get<std::uint64_t>(),
                                         r.at("tensor").get<std::string>(), r.at("lr_before").get<double>(),
                                         r.at("lr_after").get<double>(), r.at("steps_undone").get<std::uint64_t>()});
      }
    }
    const auto history = j.at("history").get<std::string>();
    if (!history.empty()) st.history = parse_metrics_jsonl(history, source).history;
  } catch (const nlohmann::json::exception& e) {
    throw DataError(fmt::format("{}: checkpoint state: {}", source, e.what()));
  }
  if (c.find("trainer.best_theta")) st.best_theta = flat_from(c, "trainer.best_theta", n, source);
  return Checkpoint{std::move(model), std::move(st)};
}

bool is_checkpoint_file_name(std::string_view name) {
  static const std::regex pattern(R"(ckpt-(\d{6,})\.mlpck)");
  return std::regex_match(name.begin(), name.end(), pattern);
}

std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && is_checkpoint_file_name(e.path().filename().string())) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.filename().string().size() != b.filename().string().size()
               ? a.filename().string().size() > b.filename().string().size()
               : a.filename().string() > b.filename().string();
  });
  return out;
}

std::optional<Checkpoint> load_newest_checkpoint(const std::filesystem::path& dir,
                                                 std::vector<std::string>* skipped,
                                                 std::filesystem::path* chosen) {
  for (const auto& p : list_checkpoints(dir)) {
    try {
      auto c = load_checkpoint(p);
      if (chosen) *chosen = p;
      return c;
    } catch (const Error& e) {
      if (skipped) skipped->push_back(e.what());
    }
  }
  return std::nullopt;
}

}  // namespace mlp
