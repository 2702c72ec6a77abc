#include "mlp/train/gradient_check.hpp"

#include <algorithm>

#include "mlp/core/error.hpp"
#include "mlp/optim/regularization.hpp"
#include "mlp/train/trainer.hpp"

namespace mlp {

namespace {

/// Per layer k: the relative error over slices 2k (W) and 2k+1 (b) together.
std::vector<LayerGradientError> layer_errors(const Network<double>& net, const GradCheckResult& r) {
  const Parameters<double>& p = net.params();
  std::vector<LayerGradientError> layers;
  for (std::size_t k = 0; k < net.layer_count(); ++k) {
    const auto& w = p.slice(2 * k);
    const auto& b = p.slice(2 * k + 1);
    const auto off = static_cast<Index>(w.offset);
    const auto n = static_cast<Index>(w.size() + b.size());
    layers.push_back({net.layer_name(k), relative_error(r.approx.segment(off, n), r.exact.segment(off, n)),
                      r.slices[2 * k].relative_error, r.slices[2 * k + 1].relative_error});
  }
  return layers;
}

}  // namespace

NetworkGradientCheck check_network_gradients(const ModelSpec& spec, const data::Dataset& train,
                                             const NetworkGradientCheckOptions& options) {
  if (train.size() == 0) throw ConfigError("gradient check: the training data has no examples");
  ModelSpec deterministic = spec;
  for (auto& l : deterministic.layers) l.keep_prob = 1.0;  // dropout off: a deterministic J
  Network<double> net(deterministic);
  const Index m = std::min<Index>(options.examples, train.size());
  std::vector<Index> idx(static_cast<std::size_t>(m));
  for (Index i = 0; i < m; ++i) idx[static_cast<std::size_t>(i)] = i;
  const MatrixD X = train.X.leftCols(m).cast<double>();
  MatrixF Yf;
  fill_targets(deterministic, train, idx, Yf);
  const MatrixD Y = Yf.cast<double>();
  const auto m_train = static_cast<std::size_t>(train.size());
  Parameters<double>& p = net.params();
  auto cost = [&] {
    net.forward(X);
    double J = net.loss(Y, false);
    if (options.l2 > 0) J += optim::l2_cost(p, options.l2, m_train);
    if (options.l1 > 0) J += optim::l1_cost(p, options.l1, m_train);
    return J;
  };
  auto gradient = [&] {
    net.forward(X);
    net.loss(Y, true);
    if (options.l2 > 0) optim::l2_penalty(p, options.l2, m_train);
    if (options.l1 > 0) optim::l1_penalty(p, options.l1, m_train);
  };
  NetworkGradientCheck out;
  out.result = gradient_check(p, cost, gradient, options.check);
  out.layers = layer_errors(net, out.result);
  out.examples = m;
  out.parameters = p.size();
  return out;
}

}  // namespace mlp
