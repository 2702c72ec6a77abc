"""Reference classification and regression scores from scikit-learn.

Run with Debian's interpreter (it has scikit-learn and numpy), from the repository root:

    /usr/bin/python3 tests/reference/gen_scores.py

Writes tests/fixtures/train/scores.json, read by tests/train/test_scores.cpp: committed labels
and predicted probabilities (float64) and what scikit-learn computes from them —
classification_report(output_dict=True, zero_division=0), confusion_matrix, log_loss,
roc_auc_score (binary; multi_class="ovr", average="macro"); for regression
mean_squared_error, mean_absolute_error, r2_score, mean_absolute_percentage_error and
max_error per target, their averages over the targets (multioutput="uniform_average", the
largest max error) and the pooled RMSE, MAE and variance-weighted R² of Metrics.
"""
import json
import os

import numpy as np
import sklearn
from sklearn import metrics

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "train", "scores.json")
rng = np.random.default_rng(20261130)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def classification_case(name, labels, proba):
    k = proba.shape[1]
    if k == 1:
        predicted = (proba[:, 0] >= 0.5).astype(int)
        score = proba[:, 0]
        classes = [0, 1]
    else:
        predicted = proba.argmax(axis=1)
        score = proba
        classes = list(range(k))
    report = metrics.classification_report(labels, predicted, labels=classes, output_dict=True,
                                           zero_division=0)
    case = {
        "name": name, "labels": labels.tolist(), "proba": proba.tolist(),
        "per_class": [{key: report[str(c)][key] for key in
                       ("precision", "recall", "f1-score", "support")} for c in classes],
        "macro": report["macro avg"], "weighted": report["weighted avg"],
        "accuracy": metrics.accuracy_score(labels, predicted),
        "confusion": metrics.confusion_matrix(labels, predicted, labels=classes).tolist(),
        "log_loss": metrics.log_loss(labels, proba if k > 1 else proba[:, 0], labels=classes),
    }
    present = np.unique(labels)
    if len(present) == len(classes):
        case["roc_auc"] = metrics.roc_auc_score(labels, score, multi_class="ovr",
                                                average="macro") if k > 1 else \
            metrics.roc_auc_score(labels, score)
    else:
        case["roc_auc"] = None  # undefined: a class with no example
    return case


cases = []
# Binary, one sigmoid unit, with ties in the scores.
m = 200
y = rng.integers(0, 2, size=m)
p = 1 / (1 + np.exp(-(1.5 * (2 * y - 1) + rng.normal(size=m))))
p[:20] = np.round(p[:20], 1)
cases.append(classification_case("binary", y, p[:, None]))
# Four classes, softmax, one class never predicted (precision 0/0 = 0).
m, k = 300, 4
y = rng.integers(0, k, size=m)
z = rng.normal(size=(m, k)) + 2.0 * np.eye(k)[y]
z[:, 3] -= 8.0
cases.append(classification_case("multiclass", y, softmax(z)))
# Three classes, one absent from the labels: ROC-AUC undefined.
m, k = 60, 3
y = rng.integers(0, 2, size=m)
cases.append(classification_case("absent_class", y, softmax(rng.normal(size=(m, k)))))

m, t = 150, 2
truth = rng.normal(size=(m, t)) * [3.0, 0.5] + [10.0, 0.0]
truth[0, 1] = 0.0  # MAPE divides by max(|y|, eps)
pred = truth + rng.normal(size=(m, t)) * [1.0, 0.2]
regression = {
    "truth": truth.tolist(), "pred": pred.tolist(),
    "rmse": np.sqrt(metrics.mean_squared_error(truth, pred, multioutput="raw_values")).tolist(),
    "mae": metrics.mean_absolute_error(truth, pred, multioutput="raw_values").tolist(),
    "r2": metrics.r2_score(truth, pred, multioutput="raw_values").tolist(),
    "mape": metrics.mean_absolute_percentage_error(truth, pred, multioutput="raw_values").tolist(),
    "max_error": [metrics.max_error(truth[:, i], pred[:, i]) for i in range(t)],
    # Over the targets: mean_scores (multioutput="uniform_average"; RMSE as the mean of the
    # per-target RMSEs, squared=False) and the pooled Metrics (sqrt of the mean MSE,
    # R² multioutput="variance_weighted" = 1 − Σ SSE / Σ SS_tot).
    "mean": {
        "rmse": metrics.mean_squared_error(truth, pred, squared=False),
        "mae": metrics.mean_absolute_error(truth, pred),
        "r2": metrics.r2_score(truth, pred),
        "mape": metrics.mean_absolute_percentage_error(truth, pred),
        "max_error": max(metrics.max_error(truth[:, i], pred[:, i]) for i in range(t)),
    },
    "pooled": {
        "rmse": np.sqrt(metrics.mean_squared_error(truth, pred)),
        "mae": metrics.mean_absolute_error(truth, pred),
        "r2": metrics.r2_score(truth, pred, multioutput="variance_weighted"),
    },
}

with open(OUT, "w") as f:
    json.dump({"generator": "tests/reference/gen_scores.py", "sklearn": sklearn.__version__,
               "classification": cases, "regression": regression}, f, indent=1)
    f.write("\n")
