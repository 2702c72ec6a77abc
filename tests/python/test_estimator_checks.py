"""scikit-learn's own estimator checks (sklearn.utils.estimator_checks.check_estimator) on both
estimators. The checks each estimator marks as expected to fail (_xfail_checks, with the reason)
and the ones scikit-learn skips itself (pandas not installed) are listed exactly, so that a
newly skipped check fails this test."""
import warnings

import pytest
from sklearn.exceptions import SkipTestWarning
from sklearn.utils.estimator_checks import check_estimator

import mlp

# Skipped by scikit-learn when pandas is not installed (it is not a dependency of the project).
PANDAS = {"check_sample_weights_pandas_series", "check_classifier_data_not_an_array",
          "check_regressor_data_not_an_array"}
EXPECTED_XFAIL = {
    "MLPClassifier": {"check_sample_weights_invariance", "check_methods_subset_invariance"},
    "MLPRegressor": {"check_sample_weights_invariance", "check_methods_subset_invariance"},
}


def skipped_checks(caught):
    names = set()
    for w in caught:
        if issubclass(w.category, SkipTestWarning):
            text = str(w.message)
            for word in text.replace(":", " ").split():
                if word.startswith("check_"):
                    names.add(word)
                    break
    return names


@pytest.mark.parametrize("Estimator", [mlp.MLPClassifier, mlp.MLPRegressor])
def test_check_estimator(Estimator):
    # One thread: the checks fit hundreds of tiny models, where threads only cost hand-offs.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_estimator(Estimator(threads=1))
    skipped = skipped_checks(caught)
    xfail = set(Estimator()._get_tags()["_xfail_checks"])
    assert xfail == EXPECTED_XFAIL[Estimator.__name__]
    try:
        import pandas  # noqa: F401
        expected = xfail
    except ImportError:
        expected = xfail | PANDAS
    assert skipped <= expected, f"unexpected skipped checks: {skipped - expected}"
    assert xfail <= skipped
