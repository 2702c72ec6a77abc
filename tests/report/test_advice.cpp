// The advice of a diagnosis: it starts from the run's settings (l2 = 2 is lowered to 0.2, not
// told "0.01"; a run that clips is never told to add clipping; a schedule is never suggested to
// a run that has one), and no list pulls one key two ways — a property over many synthetic
// histories × settings.
#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "mlp/report/advice.hpp"
#include "mlp/report/diagnosis.hpp"
#include "mlp/report/html.hpp"

namespace mlp::report {
namespace {

bool mentions(const std::vector<std::string>& recs, const std::string& needle) {
  for (const auto& r : recs) {
    if (r.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& recs) {
  std::string s;
  for (const auto& r : recs) s += r + "\n";
  return s;
}

RunSettings plain_run() {
  RunSettings r;
  r.optimizer = "gd";
  r.learning_rate = 0.1;
  r.epochs = 20;
  r.hidden = {64, 64};
  r.activation = {"relu", "relu"};
  r.init = "he_normal";
  return r;
}

DiagnosisOptions with(const RunSettings& r) {
  DiagnosisOptions o;
  o.run = r;
  return o;
}

/// L layers (W and b slices), `epochs` epochs; layer k's W norm is norm(k), its b norm a tenth.
struct Run {
  std::vector<std::string> names;
  std::vector<EpochMetrics> history;
};
template <class F>
Run history(int layers, int epochs, F norm, double train_error = 0.3, double dev_error = 0.31) {
  Run r;
  for (int k = 0; k < layers; ++k) {
    r.names.push_back(fmt::format("layers.{}.W", k));
    r.names.push_back(fmt::format("layers.{}.b", k));
  }
  for (int e = 1; e <= epochs; ++e) {
    EpochMetrics m;
    m.epoch = static_cast<std::uint64_t>(e);
    m.learning_rate = 0.01;
    m.train.loss = 1.0;
    m.train.accuracy = 1 - train_error;
    Metrics dev;
    dev.loss = 1.0;
    dev.accuracy = 1 - dev_error;
    m.dev = dev;
    for (int k = 0; k < layers; ++k) {
      m.grad_norms.push_back(norm(k));
      m.grad_norms.push_back(norm(k) / 10);
      m.weight_norms.push_back(8.0);
      m.weight_norms.push_back(0.5);
    }
    r.history.push_back(m);
  }
  return r;
}

TEST(Advice, L2OfTwoIsLoweredToAFifthOfANotToAFixedValue) {
  RunSettings r = plain_run();
  r.l2 = 2;
  const auto bias = diagnose_errors(0.15, 0.16, with(r)).recommendations;
  EXPECT_TRUE(mentions(bias, "lower train.l2 from 2 to 0.2")) << joined(bias);
  EXPECT_FALSE(mentions(bias, "0.01")) << joined(bias);
  EXPECT_FALSE(mentions(bias, "raise train.l2")) << joined(bias);
  const auto variance = diagnose_errors(0.01, 0.11, with(r)).recommendations;
  EXPECT_TRUE(mentions(variance, "raise train.l2 from 2 to 20")) << joined(variance);
  EXPECT_FALSE(mentions(variance, "add train.l2")) << joined(variance);
  EXPECT_FALSE(mentions(variance, "lower train.l2")) << joined(variance);
  // Both problems: regularization moves toward the larger gap only; the network only grows.
  for (const auto& [train, dev] : {std::pair{0.30, 0.35}, std::pair{0.05, 0.30}}) {
    const auto both = diagnose_errors(train, dev, with(r));
    EXPECT_EQ(both.verdict, Verdict::high_bias_and_variance);
    const auto& recs = both.recommendations;
    EXPECT_NE(mentions(recs, "raise train.l2"), mentions(recs, "lower train.l2")) << joined(recs);
    EXPECT_TRUE(mentions(recs, "bigger network")) << joined(recs);
    EXPECT_FALSE(mentions(recs, "smaller network")) << joined(recs);
    EXPECT_TRUE(contradictions(advise(both, r)).empty());
  }
}

TEST(Advice, TheReportShowsTheAdviceOfTheRunsSettings) {
  RunSettings r = plain_run();
  r.l2 = 2;
  const auto d = diagnose_errors(0.01, 0.11, with(r));
  const auto html = render_report_html({}, {}, d, ReportInfo{});
  EXPECT_NE(html.find("raise train.l2 from 2 to 20"), std::string::npos);
  EXPECT_EQ(html.find("e.g. 0.01"), std::string::npos);
  EXPECT_EQ(d.recommendations, recommendation_texts(d, r));
}

TEST(Advice, WhatTheRunHasIsNeverAdded) {
  RunSettings r = plain_run();
  r.optimizer = "adam";
  r.schedule = "exponential";
  r.early_stopping = true;
  r.patience = 5;
  r.min_keep_prob = 0.9;
  r.l2 = 0.01;
  const auto bias = diagnose_errors(0.15, 0.16, with(r)).recommendations;
  EXPECT_FALSE(mentions(bias, "add a decaying [train.schedule]")) << joined(bias);
  EXPECT_TRUE(mentions(bias, "already follows [train.schedule] type = \"exponential\"")) << joined(bias);
  EXPECT_FALSE(mentions(bias, "train.optimizer = \"adam\"")) << joined(bias);
  EXPECT_TRUE(mentions(bias, "raise train.epochs from 20 to 40")) << joined(bias);
  const auto variance = diagnose_errors(0.01, 0.11, with(r)).recommendations;
  EXPECT_FALSE(mentions(variance, "add a [train.early_stopping]")) << joined(variance);
  EXPECT_FALSE(mentions(variance, "dropout with")) << joined(variance);
  EXPECT_TRUE(mentions(variance, "smaller network, e.g. model.hidden = [32, 32] (now [64, 64])")) << joined(variance);
  r.schedule = "constant";
  EXPECT_TRUE(mentions(diagnose_errors(0.15, 0.16, with(r)).recommendations, "add a decaying [train.schedule]"));
}

TEST(Advice, ARunThatClipsIsToldToLowerClipNormNeverToAddIt) {
  // Weight gradients of ~3e6 in every layer (a deep linear network initialized too large).
  const auto h = history(11, 3, [](int) { return 3e6; }, 0.92, 0.94);
  RunSettings r = plain_run();
  r.optimizer = "gd";
  r.learning_rate = 1e-4;
  r.clip_norm = 1.0;
  r.hidden = std::vector<std::int64_t>(10, 64);
  r.activation = std::vector<std::string>(10, "identity");
  r.init = "normal";
  r.init_scale = 0.5;
  const auto d = diagnose(h.history, h.names, with(r));
  const auto& recs = d.recommendations;
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs.front().rfind("Exploding gradients in layers.0.W", 0), 0u) << joined(recs);
  EXPECT_TRUE(mentions(recs, "already clips at train.clip_norm = 1")) << joined(recs);
  EXPECT_TRUE(mentions(recs, "lower train.clip_norm from 1 to 0.1")) << joined(recs);
  EXPECT_TRUE(mentions(recs, "lower train.learning_rate from 0.0001 to 1e-05")) << joined(recs);
  EXPECT_TRUE(mentions(recs, "lower model.init_scale from 0.5 to 0.05")) << joined(recs);
  EXPECT_TRUE(mentions(recs, "model.init = \"glorot_normal\"")) << joined(recs);  // identity activations
  EXPECT_FALSE(mentions(recs, "add train.clip_norm")) << joined(recs);
  EXPECT_FALSE(mentions(recs, "clip_norm = 1.0")) << joined(recs);
  for (const auto& g : d.gradients) {
    if (g.status != GradientStatus::exploding) continue;
    EXPECT_EQ(g.remedy.find("add train.clip_norm"), std::string::npos) << g.remedy;
    EXPECT_NE(g.remedy.find("lower train.clip_norm from 1 to 0.1"), std::string::npos) << g.remedy;
  }
  // Without clipping: add it.
  r.clip_norm = 0;
  EXPECT_TRUE(mentions(diagnose(h.history, h.names, with(r)).recommendations, "add train.clip_norm = 1.0"));
  // A gain above 1 is lowered to 1, not the scale.
  r.init = "identity";
  r.init_gain = 2;
  const auto gain = diagnose(h.history, h.names, with(r)).recommendations;
  EXPECT_TRUE(mentions(gain, "lower model.init_gain from 2 to 1")) << joined(gain);
}

TEST(Advice, VanishingGradientsMoveAwayFromSaturatingActivationsAndNeverAddAndRemoveLayers) {
  const auto h = history(10, 3, [](int k) { return std::pow(0.25, 9 - k); }, 0.9, 0.9);
  RunSettings r = plain_run();
  r.hidden = std::vector<std::int64_t>(9, 32);
  r.activation = std::vector<std::string>(9, "sigmoid");
  r.init = "normal";
  r.init_scale = 0.1;
  const auto d = diagnose(h.history, h.names, with(r));
  EXPECT_EQ(d.verdict, Verdict::high_bias);
  const auto& recs = d.recommendations;
  EXPECT_EQ(recs.front().rfind("Vanishing gradients in layers.0.W", 0), 0u) << joined(recs);
  EXPECT_TRUE(mentions(recs, "model.activation = \"leaky_relu\" instead of sigmoid")) << joined(recs);
  EXPECT_TRUE(mentions(recs, "model.init = \"he_normal\"")) << joined(recs);  // suits leaky_relu
  EXPECT_TRUE(mentions(recs, "wider layers")) << joined(recs);
  EXPECT_FALSE(mentions(recs, "fewer")) << joined(recs);
  EXPECT_FALSE(mentions(recs, "another model.activation")) << joined(recs);
  EXPECT_TRUE(contradictions(advise(d, r)).empty());
}

TEST(Advice, ContradictionsAreFound) {
  const std::vector<Recommendation> bad = {
      {"a", {{"train.l2", Direction::raise, ""}}},
      {"b", {{"train.l2", Direction::lower, ""}, {"model.init", Direction::set, "he_normal"}}},
      {"c", {{"model.init", Direction::set, "glorot_normal"}, {"model.activation", Direction::set, "*"}}},
      {"d", {{"model.activation", Direction::set, "relu"}}}};
  const auto found = contradictions(bad);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].rfind("train.l2: raise", 0), 0u) << found[0];
  EXPECT_EQ(found[1].rfind("model.init: set he_normal", 0), 0u) << found[1];
}

// ---- the property: no contradictory pair in any verdict ----------------------------------------

RunSettings random_settings() {
  RunSettings r;
  r.optimizer = *rc::gen::element<std::string>("gd", "momentum", "rmsprop", "adam", "adamw");
  r.learning_rate = *rc::gen::element(1e-4, 0.003, 0.1, 1.0);
  r.schedule = *rc::gen::element<std::string>("constant", "exponential", "step", "plateau");
  r.clip_norm = *rc::gen::element(0.0, 0.0, 1.0, 5.0);
  r.l1 = *rc::gen::element(0.0, 0.0, 1e-3);
  r.l2 = *rc::gen::element(0.0, 0.01, 2.0);
  r.min_keep_prob = *rc::gen::element(1.0, 1.0, 0.9, 0.5);
  r.early_stopping = *rc::gen::arbitrary<bool>();
  r.patience = 5;
  r.restore_best = *rc::gen::arbitrary<bool>();
  r.epochs = *rc::gen::element<std::int64_t>(10, 200);
  const auto layers = *rc::gen::inRange(0, 12);
  for (int k = 0; k < layers; ++k) {
    r.hidden.push_back(*rc::gen::element<std::int64_t>(4, 32, 256));
    r.activation.push_back(*rc::gen::element<std::string>("relu", "leaky_relu", "sigmoid", "tanh", "identity", "gelu"));
  }
  r.init = *rc::gen::element<std::string>("zeros", "normal", "he_normal", "he_uniform", "glorot_normal", "identity");
  r.init_scale = *rc::gen::element(0.01, 0.5);
  r.init_gain = *rc::gen::element(0.5, 1.0, 1.0, 2.0);
  return r;
}

/// A history whose layer norms scale like c^(L−1−k), with growth over the epochs, zeros and
/// non-finite values now and then; costs falling, flat or turning up.
Run random_history() {
  const int layers = *rc::gen::inRange(1, 12);
  const int epochs = *rc::gen::inRange(1, 12);
  const double c = *rc::gen::element(0.25, 0.5, 1.0, 2.0, 4.0);
  const double base = *rc::gen::element(1e-9, 1e-3, 0.5, 3e6);
  const double growth = *rc::gen::element(1.0, 1.0, 10.0);
  const int shape = *rc::gen::inRange(0, 3);
  const double train_error = *rc::gen::inRange(0, 100) / 100.0;
  const double dev_gap = *rc::gen::inRange(-5, 60) / 100.0;
  const bool has_dev = *rc::gen::element(true, true, true, false);
  Run r;
  for (int k = 0; k < layers; ++k) {
    r.names.push_back(fmt::format("layers.{}.W", k));
    r.names.push_back(fmt::format("layers.{}.b", k));
  }
  for (int e = 1; e <= epochs; ++e) {
    EpochMetrics m;
    m.epoch = static_cast<std::uint64_t>(e);
    m.learning_rate = 0.01;
    const double cost = shape == 0 ? 1.0 / e : shape == 1 ? 1.0 : 1.0 + 0.1 * std::abs(e - epochs / 2.0);
    m.train.loss = cost;
    m.train.accuracy = 1 - train_error;
    if (has_dev) {
      Metrics dev;
      dev.loss = cost + dev_gap;
      dev.accuracy = std::clamp(1 - train_error - dev_gap, 0.0, 1.0);
      m.dev = dev;
    }
    for (int k = 0; k < layers; ++k) {
      for (int s = 0; s < 2; ++s) {
        double g = base * std::pow(c, layers - 1 - k) * std::pow(growth, e - 1) / (s ? 10 : 1);
        switch (*rc::gen::inRange(0, 40)) {
          case 0: g = 0.0; break;
          case 1: g = std::numeric_limits<double>::infinity(); break;
          default: break;
        }
        m.grad_norms.push_back(g);
        m.weight_norms.push_back(4.0);
      }
    }
    r.history.push_back(m);
  }
  return r;
}

RC_GTEST_PROP(AdviceProperties, NoVerdictContainsAContradictoryPair, ()) {
  const Run h = random_history();
  DiagnosisOptions o;
  if (*rc::gen::element(true, true, true, false)) o.run = random_settings();
  if (*rc::gen::arbitrary<bool>()) o.baseline_error = *rc::gen::inRange(0, 30) / 100.0;
  const Diagnosis d = diagnose(h.history, h.names, o);
  const auto advice = advise(d, o.run);
  const auto found = contradictions(advice);
  RC_ASSERT(found.empty());
  std::vector<std::string> texts;
  for (const auto& a : advice) texts.push_back(a.text);
  RC_ASSERT(texts == d.recommendations);
  RC_LOG() << joined(texts);
  // The same in words: no key both raised and lowered; never a bigger and a smaller network.
  for (const char* key : {"train.l2", "train.l1", "model.keep_prob", "train.learning_rate", "train.epochs",
                          "train.clip_norm", "model.init_scale", "model.init_gain"}) {
    RC_ASSERT(!(mentions(texts, fmt::format("raise {}", key)) && mentions(texts, fmt::format("lower {}", key))));
  }
  RC_ASSERT(!(mentions(texts, "bigger network") && mentions(texts, "smaller network")));
  RC_ASSERT(!(mentions(texts, "bigger network") && mentions(texts, "fewer")));
  if (!o.run) return;
  // Nothing the run already has is added.
  const RunSettings& r = *o.run;
  if (r.clip_norm > 0) RC_ASSERT(!mentions(texts, "add train.clip_norm"));
  if (r.schedule != "constant") RC_ASSERT(!mentions(texts, "add a decaying [train.schedule]"));
  if (r.l2 > 0) RC_ASSERT(!mentions(texts, "add train.l2"));
  if (r.early_stopping) RC_ASSERT(!mentions(texts, "add a [train.early_stopping]"));
  if (r.optimizer == "adam") RC_ASSERT(!mentions(texts, "train.optimizer = \"adam\""));
  if (r.min_keep_prob < 1) RC_ASSERT(!mentions(texts, "dropout with"));
  static const std::regex init(R"re(model\.init = "(\w+)")re");
  static const std::regex activation(R"re(model\.activation = "(\w+)")re");
  for (const auto& t : texts) {
    for (std::sregex_iterator it(t.begin(), t.end(), init), end; it != end; ++it) RC_ASSERT((*it)[1] != r.init);
    for (std::sregex_iterator it(t.begin(), t.end(), activation), end; it != end; ++it) {
      const std::string a = (*it)[1];
      RC_ASSERT(!(r.activation.size() > 0 && std::all_of(r.activation.begin(), r.activation.end(),
                                                         [&](const std::string& x) { return x == a; })));
    }
  }
  for (const auto& g : d.gradients) {
    if (r.clip_norm > 0) RC_ASSERT(g.remedy.find("add train.clip_norm") == std::string::npos);
  }
}

}  // namespace
}  // namespace mlp::report
