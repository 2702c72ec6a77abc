// mlp._core: the Python binding of the library (pybind11). Thin: it turns numpy arrays into
// data::Dataset / matrices, calls the library (config::parse_config, prepare_data, model_spec,
// train_options, Trainer, Model), and turns the results back into numpy arrays and dicts. The
// scikit-learn conventions (parameter names, validation, label encoding) live in Python
// (python/mlp/_estimators.py); docs/python.md describes the module.
//
// Layout: a numpy array X of shape (m, n) in C order is, byte for byte, the library's
// n x m column-major batch (one example per column), so float32 C-contiguous inputs are read in
// place. The GIL is released while the engine trains or predicts; training asks Python for
// pending signals (Ctrl-C) between batches, at most every 20 ms.
#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mlp/autograd/graph.hpp"
#include "mlp/config/commands.hpp"
#include "mlp/config/config.hpp"
#include "mlp/config/run.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/tensor.hpp"
#include "mlp/io/model.hpp"
#include "mlp/io/safetensors.hpp"
#include "mlp/nn/graph_ops.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/report/diagnosis.hpp"
#include "mlp/train/gradient_check.hpp"
#include "mlp/train/trainer.hpp"

namespace py = pybind11;

namespace mlp::python {
namespace {

using F32In = py::array_t<float, py::array::c_style | py::array::forcecast>;
using I32In = py::array_t<std::int32_t, py::array::c_style | py::array::forcecast>;

/// The rows of a (m, n) C-order float32 array as the n x m column-major matrix it already is.
ConstMatrixMap<float> as_columns(const F32In& a, const char* what) {
  if (a.ndim() != 2) {
    throw ShapeError(std::string(what) + " must be a 2-D array (examples x features), got " +
                     std::to_string(a.ndim()) + " dimension(s)");
  }
  return {a.data(), static_cast<Index>(a.shape(1)), static_cast<Index>(a.shape(0))};
}

/// A (m, k) float32 array holding the k x m column-major matrix M.
py::array_t<float> to_rows(const MatrixF& M) {
  py::array_t<float> out({static_cast<py::ssize_t>(M.cols()), static_cast<py::ssize_t>(M.rows())});
  if (M.size() > 0) std::memcpy(out.mutable_data(), M.data(), sizeof(float) * static_cast<std::size_t>(M.size()));
  return out;
}

/// Stops training between batches when Python has a pending signal (KeyboardInterrupt): asks
/// at most every 20 ms, taking the GIL only then. The exception is kept and raised afterwards.
class InterruptCheck : public Callback {
 public:
  bool on_batch_end(const BatchInfo&) override { return poll(); }
  bool on_epoch_end(const EpochMetrics&) override { return poll(); }
  std::optional<py::error_already_set> error;

 private:
  bool poll() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(20)) return true;
    last_ = now;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      error.emplace();  // takes (and clears) the pending exception
      return false;
    }
    return true;
  }
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

py::dict metrics_dict(const Metrics& m) {
  py::dict d;
  d["loss"] = m.loss;
  if (m.accuracy) d["accuracy"] = *m.accuracy;
  if (m.rmse) d["rmse"] = *m.rmse;
  if (m.mae) d["mae"] = *m.mae;
  if (m.r2) d["r2"] = *m.r2;
  return d;
}

Metrics metrics_from(const py::dict& d) {
  Metrics m;
  m.loss = d["loss"].cast<double>();
  if (d.contains("accuracy")) m.accuracy = d["accuracy"].cast<double>();
  if (d.contains("rmse")) m.rmse = d["rmse"].cast<double>();
  if (d.contains("mae")) m.mae = d["mae"].cast<double>();
  if (d.contains("r2")) m.r2 = d["r2"].cast<double>();
  return m;
}

/// One epoch of the history as a dict: epoch, learning_rate, objective, train_cost, train, dev (or None),
/// seconds, samples_per_second, grad_norms, weight_norms.
py::dict epoch_dict(const EpochMetrics& e) {
  py::dict d;
  d["epoch"] = e.epoch;
  d["learning_rate"] = e.learning_rate;
  d["objective"] = e.objective;
  d["train_cost"] = std::string(to_string(e.train_cost));  // how "train" was measured
  d["train"] = metrics_dict(e.train);
  d["dev"] = e.dev ? py::object(metrics_dict(*e.dev)) : py::object(py::none());
  d["seconds"] = e.seconds;
  d["samples_per_second"] = e.samples_per_second;
  d["grad_norms"] = e.grad_norms;
  d["weight_norms"] = e.weight_norms;
  return d;
}

EpochMetrics epoch_from(const py::handle& h) {
  const py::dict d = py::reinterpret_borrow<py::dict>(h);
  EpochMetrics e;
  e.epoch = d["epoch"].cast<std::uint64_t>();
  e.learning_rate = d.contains("learning_rate") ? d["learning_rate"].cast<double>() : 0.0;
  e.objective = d.contains("objective") ? d["objective"].cast<double>() : 0.0;
  e.train = metrics_from(d["train"].cast<py::dict>());
  if (d.contains("train_cost")) e.train_cost = parse_train_cost(d["train_cost"].cast<std::string>());
  if (d.contains("dev") && !d["dev"].is_none()) e.dev = metrics_from(d["dev"].cast<py::dict>());
  if (d.contains("grad_norms")) e.grad_norms = d["grad_norms"].cast<std::vector<double>>();
  if (d.contains("weight_norms")) e.weight_norms = d["weight_norms"].cast<std::vector<double>>();
  return e;
}

py::object json_loads(const std::string& text) {
  return py::module_::import("json").attr("loads")(text);
}

/// The trainable model behind MLPClassifier / MLPRegressor: a configuration (the estimator's
/// parameters as "section.key=value" overrides), the Model (network + preprocessing) once fitted,
/// the trainer state for partial_fit, and the history of epochs.
class Core {
 public:
  Core() = default;
  explicit Core(Model model) : model_(std::move(model)) {}

  /// Parses and validates the configuration (ConfigError -> ValueError naming the key).
  void configure(const std::vector<std::string>& overrides) {
    cfg_ = parse_config(kBase, "parameters", overrides);
  }

  /// fit / partial_fit on X (m, n) with class indices `labels` (classification, with
  /// `class_names`) or targets Y (m, k) (regression). `partial`: one more epoch on this data,
  /// continuing the network, its standardization and the optimizer state (initialized from
  /// this data on the first call). Returns false when a KeyboardInterrupt stopped training
  /// (the weights reached are kept; the caller re-raises).
  bool fit(const F32In& X, const std::optional<I32In>& labels, const std::optional<F32In>& Y,
           const std::vector<std::string>& class_names, const std::vector<std::string>& feature_names,
           const std::vector<std::string>& target_names, const std::map<std::string, std::string>& info,
           bool partial) {
    const auto lock = exclusive();
    if (!cfg_) throw ConfigError("configure() must be called before fit()");
    const RunConfig& cfg = *cfg_;
    data::Dataset ds;
    ds.source = "fit(X, y)";
    ds.X = as_columns(X, "X");  // the engine's own copy: it is standardized in place
    ds.feature_names = feature_names;
    ds.target_names = target_names;
    if (labels) {
      ds.task = data::Task::classification;
      ds.class_names = class_names;
      ds.labels.assign(labels->data(), labels->data() + labels->size());
    } else if (Y) {
      ds.task = data::Task::regression;
      ds.Y = as_columns(*Y, "y");
    } else {
      throw ConfigError("fit() needs labels or targets");
    }
    if (ds.size() == 0) throw DataError("fit(X, y): no examples");
    if (!partial || !model_) {
      LoadedData loaded;
      loaded.train = std::move(ds);
      data_ = prepare_data(cfg, loaded);  // split (dev for early stopping) + standardization
      const ModelSpec spec = model_spec(cfg, data_.train);
      std::map<std::string, std::string> meta = info;
      meta["mlp.version"] = MLP_VERSION;
      meta["config"] = to_toml(cfg);
      meta["train_data"] = "numpy arrays (Python)";
      model_.emplace(Network<float>(spec), preprocessing_of(data_), meta);
      state_.reset();
      history_.clear();
    } else {
      // partial_fit after the first call: this data through the model's own preprocessing.
      const Preprocessing& pre = model_->preprocessing();
      if (ds.task != pre.task) throw ConfigError("partial_fit: the task differs from the first call's");
      check_data_fits(model_->network(), ds, "partial_fit");
      pre.apply(ds.X);
      if (pre.targets) pre.targets->transform(ds.Y);
      data_ = PreparedData{};
      data_.train = std::move(ds);
      if (pre.targets) data_.normalization.targets = pre.targets;
    }
    TrainOptions o = train_options(cfg);
    if (partial) {
      o.epochs = (state_ ? state_->epoch : 0) + 1;
      o.early_stopping.enabled = false;
    }
    if (o.early_stopping.enabled && data_.dev.size() == 0) {
      throw ConfigError("early_stopping needs a validation set: validation_fraction leaves no example for it");
    }
    // The thread count is process-wide (set_threads: not while another thread computes), so it
    // is only set when it changes: concurrent fits with the same setting never touch it.
    const int wanted = cfg.train.threads > 0 ? static_cast<int>(cfg.train.threads) : available_cores();
    if (wanted != threads()) set_threads(wanted);
    Trainer trainer(model_->network(), o);
    if (state_) trainer.restore(*state_);
    InterruptCheck interrupt;
    TrainResult r;
    {
      py::gil_scoped_release release;
      r = trainer.fit(data_.train, data_.dev_or_null(), {&interrupt}, data_.target_scaler());
    }
    state_ = trainer.state();
    history_ = r.history;
    reason_ = r.reason;
    best_epoch_ = r.best_epoch;
    model_->info()["epochs_run"] = std::to_string(r.epochs_run);
    data_ = PreparedData{};  // the training copy is not kept
    if (interrupt.error) {
      interrupted_ = true;
      return false;
    }
    interrupted_ = false;
    return true;
  }

  /// Class probabilities (m, classes) or values in the original units (m, targets).
  py::array_t<float> predict(const F32In& X) {
    Model& model = fitted();
    const ConstMatrixMap<float> cols = as_columns(X, "X");
    if (cols.rows() != model.network().inputs()) {
      throw ShapeError("X has " + std::to_string(cols.rows()) + " features, but the model expects " +
                       std::to_string(model.network().inputs()));
    }
    MatrixF out;
    {
      py::gil_scoped_release release;
      const std::lock_guard lock(*mutex_);
      MatrixF in = cols;  // standardized in place by Model::predict's preprocessing
      out = model.predict(in);
    }
    Model::check_finite_outputs(out, "X", 0);  // like `mlp predict`: a row with no prediction
    return to_rows(out);
  }

  py::bytes to_bytes() const {
    const auto lock = exclusive();
    const std::vector<std::byte> b = io::serialize(fitted().to_container());
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  static Core from_bytes(const py::bytes& data, const std::string& source) {
    const std::string_view v = data;
    const io::Container c = io::parse(std::as_bytes(std::span(v.data(), v.size())), source);
    return Core(Model::from_container(c, source));
  }
  void save(const std::string& path) const {
    const auto lock = exclusive();
    fitted().save(path);
  }
  static Core load(const std::string& path) { return Core(Model::load(path)); }

  [[nodiscard]] bool is_fitted() const { return model_.has_value(); }
  [[nodiscard]] py::list history() const {
    py::list l;
    for (const auto& e : history_) l.append(epoch_dict(e));
    return l;
  }
  [[nodiscard]] py::dict describe() const {
    const Model& m = fitted();
    const Preprocessing& p = m.preprocessing();
    py::dict d;
    d["task"] = p.task == data::Task::classification ? "classification" : "regression";
    d["inputs"] = m.network().inputs();
    d["outputs"] = m.network().outputs();
    d["feature_names"] = p.feature_names;
    d["target_names"] = p.target_names;
    d["class_names"] = p.class_names;
    d["spec"] = json_loads(m.network().spec().to_json());
    d["info"] = m.info();
    d["standardized"] = p.features.has_value();
    d["stop_reason"] = reason_ == StopReason::early_stopping ? "early_stopping"
                       : reason_ == StopReason::callback     ? "interrupted"
                                                             : "completed";
    d["best_epoch"] = best_epoch_;
    d["parameters"] = m.network().params().size();
    return d;
  }
  /// The weights and biases per layer, as (W [n_out, n_in], b [n_out]) float32 copies.
  [[nodiscard]] py::list weights() const {
    const auto lock = exclusive();
    Model& m = const_cast<Core*>(this)->fitted();
    py::list l;
    for (std::size_t k = 0; k < m.network().layer_count(); ++k) {
      const MatrixF W = m.network().W(k);
      const MatrixF b = m.network().b(k);
      l.append(py::make_tuple(py::cast(W), py::cast(Vector<float>(b.col(0)))));
    }
    return l;
  }
  [[nodiscard]] py::object diagnose(std::optional<double> baseline_error) const {
    const Model& m = fitted();
    std::vector<std::string> names;
    for (const auto& s : m.network().params().slices()) names.push_back(s.name);
    report::DiagnosisOptions o;
    o.baseline_error = baseline_error;
    if (cfg_) o.run = config::run_settings(*cfg_);
    return json_loads(report::to_json(report::diagnose(history_, names, o)));
  }

 private:
  static constexpr const char* kBase =
      "[data]\ntrain = \"(numpy arrays)\"\ntarget = [\"y\"]\nsplit = [1.0, 0.0, 0.0]\n"
      "[model]\nhidden = [64]\n";
  Model& fitted() {
    if (!model_) throw ConfigError("the model is not fitted yet: call fit() first");
    return *model_;
  }
  const Model& fitted() const { return const_cast<Core*>(this)->fitted(); }

  /// One call at a time uses the model (the network keeps its buffers between calls, and fit
  /// replaces or trains it): fit, predict, to_bytes and save take mutex_. It is waited for with
  /// the GIL released, and whoever holds it takes the GIL only to poll for signals, so Python
  /// threads calling one estimator at once take turns instead of racing or deadlocking.
  [[nodiscard]] std::unique_lock<std::mutex> exclusive() const {
    std::unique_lock lock(*mutex_, std::defer_lock);
    py::gil_scoped_release release;
    lock.lock();
    return lock;
  }
  std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();  // (Core stays movable)
  std::optional<RunConfig> cfg_;
  std::optional<Model> model_;
  std::optional<TrainerState> state_;
  PreparedData data_;
  std::vector<EpochMetrics> history_;
  StopReason reason_ = StopReason::completed;
  std::uint64_t best_epoch_ = 0;
  bool interrupted_ = false;
};

// ---- teaching: Network, Graph, gradient check, diagnosis ------------------------------------

ModelSpec spec_from_json(const std::string& text) {
  ModelSpec s = ModelSpec::from_json(text);
  s.validate();
  return s;
}

/// A double-precision network for experiments: forward, loss, backward, weights, as one graph
/// node. Inputs are numpy-shaped (examples x features).
class PyNetwork {
 public:
  explicit PyNetwork(const std::string& spec_json) : net_(spec_from_json(spec_json)) {}
  Network<double>& net() { return net_; }
  Eigen::MatrixXd forward(const Eigen::MatrixXd& X, bool training, std::uint64_t seed) {
    Rng rng(seed);
    return net_.forward(X.transpose(), training, &rng).transpose();
  }
  double loss(const Eigen::MatrixXd& Y, bool gradient) {
    return net_.loss(Y.transpose(), gradient);
  }
  [[nodiscard]] std::string spec_json() const { return net_.spec().to_json(); }

 private:
  Network<double> net_;
};

struct PyVar {
  std::size_t id;
};

class PyGraph {
 public:
  Graph<double>& g() { return g_; }
  PyVar wrap(Var v) { return {v.id}; }
  static Var unwrap(const PyVar& v) { return Var{v.id}; }

 private:
  Graph<double> g_;
};

py::dict check_dict(const NetworkGradientCheck& c) {
  py::dict d;
  d["relative_error"] = c.result.relative_error;
  d["max_abs_difference"] = c.result.max_abs_difference;
  d["cost"] = c.result.cost;
  d["passed"] = c.result.passed;
  d["examples"] = c.examples;
  d["parameters"] = c.parameters;
  py::dict slices;
  for (const auto& s : c.result.slices) {
    py::dict e;
    e["relative_error"] = s.relative_error;
    e["max_abs_difference"] = s.max_abs_difference;
    e["passed"] = s.passed;
    slices[py::str(s.name)] = e;
  }
  d["slices"] = slices;
  return d;
}

}  // namespace
}  // namespace mlp::python

PYBIND11_MODULE(_core, m) {
  using namespace mlp;
  using namespace mlp::python;
  m.doc() = "The C++ engine of mlp (use the mlp package, not this module directly).";
  m.attr("__version__") = MLP_VERSION;

  // Errors: each library error type becomes a Python exception class deriving from the builtin
  // that fits it, so `except ValueError` works, and carries the library's message.
  static py::exception<ConfigError> config_error(m, "ConfigError", PyExc_ValueError);
  static py::exception<DataError> data_error(m, "DataError", PyExc_ValueError);
  static py::exception<ShapeError> shape_error(m, "ShapeError", PyExc_ValueError);
  static py::exception<InputError> input_error(m, "InputError", PyExc_FileNotFoundError);
  static py::exception<IoError> io_error(m, "IoError", PyExc_OSError);
  static py::exception<NumericError> numeric_error(m, "NumericError", PyExc_FloatingPointError);
  static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ConfigError& e) {
      config_error(e.what());
    } catch (const ShapeError& e) {
      shape_error(e.what());
    } catch (const DataError& e) {
      data_error(e.what());
    } catch (const InputError& e) {
      input_error(e.what());
    } catch (const IoError& e) {
      io_error(e.what());
    } catch (const NumericError& e) {
      numeric_error(e.what());
    } catch (const Error& e) {
      error(e.what());
    }
  });

  py::class_<Core>(m, "Core")
      .def(py::init<>())
      .def("configure", &Core::configure, py::arg("overrides"))
      .def("fit", &Core::fit, py::arg("X"), py::arg("labels"), py::arg("Y"), py::arg("class_names"),
           py::arg("feature_names"), py::arg("target_names"), py::arg("info"), py::arg("partial"))
      .def("predict", &Core::predict, py::arg("X"))
      .def("to_bytes", &Core::to_bytes)
      .def_static("from_bytes", &Core::from_bytes, py::arg("data"), py::arg("source") = "<bytes>")
      .def("save", &Core::save, py::arg("path"))
      .def_static("load", &Core::load, py::arg("path"))
      .def_property_readonly("fitted", &Core::is_fitted)
      .def("history", &Core::history)
      .def("describe", &Core::describe)
      .def("weights", &Core::weights)
      .def("diagnose", &Core::diagnose, py::arg("baseline_error") = py::none());

  py::class_<PyNetwork>(m, "Network")
      .def(py::init<const std::string&>(), py::arg("spec_json"))
      .def("forward", &PyNetwork::forward, py::arg("X"), py::arg("training") = false, py::arg("seed") = 0)
      .def("loss", &PyNetwork::loss, py::arg("Y"), py::arg("gradient") = true)
      .def_property_readonly("spec_json", &PyNetwork::spec_json)
      .def_property_readonly("layer_count", [](PyNetwork& n) { return n.net().layer_count(); })
      .def("get_W", [](PyNetwork& n, std::size_t k) { return Eigen::MatrixXd(n.net().W(k)); })
      .def("get_b", [](PyNetwork& n, std::size_t k) { return Eigen::VectorXd(n.net().b(k).col(0)); })
      .def("get_dW", [](PyNetwork& n, std::size_t k) { return Eigen::MatrixXd(n.net().dW(k)); })
      .def("get_db", [](PyNetwork& n, std::size_t k) { return Eigen::VectorXd(n.net().db(k).col(0)); })
      .def("set_W", [](PyNetwork& n, std::size_t k, const Eigen::MatrixXd& W) {
        auto dst = n.net().W(k);
        if (W.rows() != dst.rows() || W.cols() != dst.cols()) {
          throw ShapeError("layers." + std::to_string(k) + ".W must be " + std::to_string(dst.rows()) +
                           " x " + std::to_string(dst.cols()));
        }
        dst = W;
      })
      .def("set_b", [](PyNetwork& n, std::size_t k, const Eigen::VectorXd& b) {
        auto dst = n.net().b(k);
        if (b.size() != dst.rows()) {
          throw ShapeError("layers." + std::to_string(k) + ".b must have " + std::to_string(dst.rows()) + " values");
        }
        dst.col(0) = b;
      })
      .def("node", [](PyNetwork& n, PyGraph& g, PyVar x) {
        return PyVar{n.net().node(g.g(), PyGraph::unwrap(x)).id};
      })
      .def("zero_grad", [](PyNetwork& n) { n.net().params().zero_grad(); })
      .def("gradient_check", [](PyNetwork& n, const Eigen::MatrixXd& X, std::optional<std::vector<std::int32_t>> labels,
                                std::optional<Eigen::MatrixXd> Y, Index n_classes, double l1, double l2,
                                double epsilon, double threshold) {
        data::Dataset ds;
        ds.X = X.transpose().cast<float>();
        if (labels) {
          ds.task = data::Task::classification;
          ds.labels = *labels;
          for (Index k = 0; k < n_classes; ++k) ds.class_names.push_back(std::to_string(k));
        } else if (Y) {
          ds.Y = Y->transpose().cast<float>();
        }
        NetworkGradientCheckOptions o;
        o.examples = ds.size();
        o.l1 = l1;
        o.l2 = l2;
        o.check.epsilon = epsilon;
        o.check.threshold = threshold;
        return check_dict(check_network_gradients(n.net().spec(), ds, o));
      }, py::arg("X"), py::arg("labels"), py::arg("Y"), py::arg("n_classes"), py::arg("l1"), py::arg("l2"),
         py::arg("epsilon"), py::arg("threshold"));

  py::class_<PyVar>(m, "Var").def_readonly("id", &PyVar::id);

  py::class_<PyGraph>(m, "Graph")
      .def(py::init<>())
      .def("variable", [](PyGraph& g, const Eigen::MatrixXd& v, const std::string& name) {
        return g.wrap(g.g().variable(v, name));
      }, py::arg("value"), py::arg("name") = "")
      .def("scalar", [](PyGraph& g, double v, const std::string& name) { return g.wrap(g.g().scalar(v, name)); },
           py::arg("value"), py::arg("name") = "")
      .def("constant", [](PyGraph& g, const Eigen::MatrixXd& v, const std::string& name) {
        return g.wrap(g.g().constant(v, name));
      }, py::arg("value"), py::arg("name") = "")
      .def("matmul", [](PyGraph& g, PyVar a, PyVar b) { return g.wrap(g.g().matmul(PyGraph::unwrap(a), PyGraph::unwrap(b))); })
      .def("add", [](PyGraph& g, PyVar a, PyVar b) { return g.wrap(g.g().add(PyGraph::unwrap(a), PyGraph::unwrap(b))); })
      .def("sub", [](PyGraph& g, PyVar a, PyVar b) { return g.wrap(g.g().sub(PyGraph::unwrap(a), PyGraph::unwrap(b))); })
      .def("mul", [](PyGraph& g, PyVar a, PyVar b) { return g.wrap(g.g().mul(PyGraph::unwrap(a), PyGraph::unwrap(b))); })
      .def("scale", [](PyGraph& g, PyVar a, double s) { return g.wrap(g.g().scale(PyGraph::unwrap(a), s)); })
      .def("sum", [](PyGraph& g, PyVar a) { return g.wrap(g.g().sum(PyGraph::unwrap(a))); })
      .def("mean", [](PyGraph& g, PyVar a) { return g.wrap(g.g().mean(PyGraph::unwrap(a))); })
      .def("sum_cols", [](PyGraph& g, PyVar a) { return g.wrap(g.g().sum_cols(PyGraph::unwrap(a))); })
      .def("exp", [](PyGraph& g, PyVar a) { return g.wrap(g.g().exp(PyGraph::unwrap(a))); })
      .def("log", [](PyGraph& g, PyVar a) { return g.wrap(g.g().log(PyGraph::unwrap(a))); })
      .def("square", [](PyGraph& g, PyVar a) { return g.wrap(g.g().square(PyGraph::unwrap(a))); })
      .def("abs", [](PyGraph& g, PyVar a) { return g.wrap(g.g().abs(PyGraph::unwrap(a))); })
      .def("activation", [](PyGraph& g, PyVar a, const std::string& name, double slope) {
        return g.wrap(activation(g.g(), PyGraph::unwrap(a), parse_activation(name), slope));
      }, py::arg("a"), py::arg("name"), py::arg("leaky_slope") = 0.01)
      .def("loss", [](PyGraph& g, const std::string& name, PyVar a, PyVar y) {
        return g.wrap(loss(g.g(), parse_loss(name), PyGraph::unwrap(a), PyGraph::unwrap(y)));
      }, py::arg("name"), py::arg("a"), py::arg("y"))
      .def("forward", [](PyGraph& g) { g.g().forward(); })
      .def("backward", [](PyGraph& g, PyVar out) { g.g().backward(PyGraph::unwrap(out)); })
      .def("zero_grad", [](PyGraph& g) { g.g().zero_grad(); })
      .def("value", [](PyGraph& g, PyVar v) { return Eigen::MatrixXd(g.g().value(PyGraph::unwrap(v))); })
      .def("grad", [](PyGraph& g, PyVar v) { return Eigen::MatrixXd(g.g().grad(PyGraph::unwrap(v))); })
      .def("set_value", [](PyGraph& g, PyVar v, const Eigen::MatrixXd& value) {
        auto dst = g.g().value(PyGraph::unwrap(v));
        if (value.rows() != dst.rows() || value.cols() != dst.cols()) {
          throw ShapeError("the new value must be " + std::to_string(dst.rows()) + " x " + std::to_string(dst.cols()));
        }
        dst = value;
      })
      .def("__len__", [](PyGraph& g) { return g.g().size(); });

  m.def("diagnose_history", [](const py::list& history, const std::vector<std::string>& slice_names,
                               std::optional<double> baseline_error, bool use_best_epoch) {
    std::vector<EpochMetrics> h;
    for (const auto& e : history) h.push_back(epoch_from(e));
    report::DiagnosisOptions o;
    o.baseline_error = baseline_error;
    o.use_best_epoch = use_best_epoch;
    return json_loads(report::to_json(report::diagnose(h, slice_names, o)));
  }, py::arg("history"), py::arg("slice_names"), py::arg("baseline_error") = py::none(),
     py::arg("use_best_epoch") = false);
  m.def("set_threads", &set_threads, py::arg("n"));
  m.def("threads", &threads);
}
