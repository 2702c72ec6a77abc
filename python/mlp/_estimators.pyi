# Type stubs of mlp.MLPClassifier and mlp.MLPRegressor.
from os import PathLike
from typing import Any, Mapping, Sequence

import numpy as np
import numpy.typing as npt

class _MLPBase:
    hidden: int | Sequence[int]
    activation: str | Sequence[str]
    output: str
    loss: str
    init: str
    keep_prob: float | Sequence[float]
    optimizer: str
    optimizer_settings: Mapping[str, float | bool] | None
    learning_rate: float
    schedule: str
    schedule_settings: Mapping[str, float] | None
    batch_size: int
    epochs: int
    l1: float
    l2: float
    clip_norm: float
    early_stopping: bool
    patience: int
    min_delta: float
    validation_fraction: float
    normalize: bool
    seed: int
    threads: int
    verbose: bool
    n_features_in_: int
    feature_names_in_: npt.NDArray[np.object_]
    loss_curve_: list[float]
    history_: list[dict[str, Any]]
    n_iter_: int
    best_epoch_: int
    stop_reason_: str
    def __init__(self, hidden: int | Sequence[int] = ..., activation: str | Sequence[str] = ...,
                 output: str = ..., loss: str = ..., init: str = ...,
                 keep_prob: float | Sequence[float] = ..., optimizer: str = ...,
                 optimizer_settings: Mapping[str, float | bool] | None = ...,
                 learning_rate: float = ..., schedule: str = ...,
                 schedule_settings: Mapping[str, float] | None = ..., batch_size: int = ...,
                 epochs: int = ..., l1: float = ..., l2: float = ..., clip_norm: float = ...,
                 early_stopping: bool = ..., patience: int = ..., min_delta: float = ...,
                 validation_fraction: float = ..., normalize: bool = ..., seed: int = ...,
                 threads: int = ..., verbose: bool = ...) -> None: ...
    def get_params(self, deep: bool = ...) -> dict[str, Any]: ...
    def set_params(self, **params: Any) -> Any: ...
    def save(self, path: str | PathLike[str]) -> None: ...
    def to_bytes(self) -> bytes: ...
    def weights(self) -> list[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]]: ...

class MLPClassifier(_MLPBase):
    classes_: npt.NDArray[Any]
    def fit(self, X: npt.ArrayLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = ...) -> MLPClassifier: ...
    def partial_fit(self, X: npt.ArrayLike, y: npt.ArrayLike, classes: npt.ArrayLike | None = ...,
                    sample_weight: npt.ArrayLike | None = ...) -> MLPClassifier: ...
    def predict(self, X: npt.ArrayLike) -> npt.NDArray[Any]: ...
    def predict_proba(self, X: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    def predict_log_proba(self, X: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    def score(self, X: npt.ArrayLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = ...) -> float: ...

class MLPRegressor(_MLPBase):
    def fit(self, X: npt.ArrayLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = ...) -> MLPRegressor: ...
    def partial_fit(self, X: npt.ArrayLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = ...) -> MLPRegressor: ...
    def predict(self, X: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    def score(self, X: npt.ArrayLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = ...) -> float: ...

def load(path: str | PathLike[str]) -> MLPClassifier | MLPRegressor: ...
def from_bytes(data: bytes) -> MLPClassifier | MLPRegressor: ...
