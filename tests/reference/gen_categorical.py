"""Reference one-hot encoding from scikit-learn's OneHotEncoder(handle_unknown="ignore").

Run with Debian's interpreter (it has scikit-learn and numpy), from the repository root:

    /usr/bin/python3 tests/reference/gen_categorical.py

Writes tests/fixtures/data/categorical_train.csv and categorical_test.csv (a numeric feature,
a text column `color` whose values hold commas, quotes, UTF-8 and an empty cell, an
integer-coded column `zip`, and a label), and tests/fixtures/data/categorical_onehot.json, read
by tests/data/test_categorical.cpp: the categories scikit-learn learns from the training file
(categories_, each column read as text, as pandas' dtype=str gives it) and the encoded
matrices of both files (rows = examples, the color block then the zip block). The test file
has categories the training file lacks (`purple`, zip `99`): all-zero rows.
"""
import csv
import io
import json
import os

import numpy as np
import sklearn
from sklearn.preprocessing import OneHotEncoder

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures", "data")

TRAIN = [
    ("1.5", "red", "10115", "a"),
    ("2.0", "dark, red", "8001", "b"),
    ("0.5", 'say "hi"', "10115", "a"),
    ("3.0", "café", "75001", "b"),
    ("1.0", "", "8001", "a"),
    ("2.5", "blue", "10115", "b"),
    ("0.0", "red", "9", "a"),
    ("4.0", "Zürich-grün", "75001", "b"),
]
TEST = [
    ("1.0", "blue", "8001", "a"),
    ("2.0", "purple", "10115", "b"),
    ("0.5", "red", "99", "a"),
    ("1.5", "dark, red", "9", "b"),
    ("2.5", "", "75001", "a"),
]


def write(path, rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["size", "color", "zip", "y"])
    for r in rows:
        w.writerow(r)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(out.getvalue())


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def main():
    write(os.path.join(FIX, "categorical_train.csv"), TRAIN)
    write(os.path.join(FIX, "categorical_test.csv"), TEST)
    _, train = read(os.path.join(FIX, "categorical_train.csv"))
    _, test = read(os.path.join(FIX, "categorical_test.csv"))
    cats_train = np.array([[r[1], r[2]] for r in train], dtype=object)
    cats_test = np.array([[r[1], r[2]] for r in test], dtype=object)
    enc = OneHotEncoder(handle_unknown="ignore")
    enc.fit(cats_train)
    out = {
        "sklearn_version": sklearn.__version__,
        "columns": ["color", "zip"],
        "categories": [list(map(str, c)) for c in enc.categories_],
        "train": enc.transform(cats_train).toarray().astype(int).tolist(),
        "test": enc.transform(cats_test).toarray().astype(int).tolist(),
    }
    with open(os.path.join(FIX, "categorical_onehot.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
