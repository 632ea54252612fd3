"""Model-assisted coding: a scikit-learn estimator that learns codes from human codings.

``estimator.py`` is the model (a scikit-learn estimator), ``data.py`` what it
learns from, ``validate.py`` how it is judged (cross-validation by interview,
per-code thresholds for the hybrid, learning curves), ``storage.py`` how it is
kept in the project database, ``train.py`` and ``apply.py`` the two commands.
"""

from coding.errors import ModelError
from coding.suggest.apply import SuggestReport, suggest, uncertainty, uncertainty_order
from coding.suggest.data import TrainingData, training_data
from coding.suggest.estimator import (  # models pickled before the package name them here
    MIN_EXAMPLES,
    CodeSuggester,
    _chars,  # noqa: F401
    _words,  # noqa: F401
    codes_above,
)
from coding.suggest.storage import StoredModel, load_model, save_model
from coding.suggest.train import Training, TrainResult, per_code_summary, train, train_and_report
from coding.suggest.validate import GAIN, cross_validate, interview_halves, learning_curve

__all__ = [
    "GAIN",
    "MIN_EXAMPLES",
    "CodeSuggester",
    "ModelError",
    "StoredModel",
    "SuggestReport",
    "TrainResult",
    "Training",
    "TrainingData",
    "codes_above",
    "cross_validate",
    "interview_halves",
    "learning_curve",
    "load_model",
    "per_code_summary",
    "save_model",
    "suggest",
    "train",
    "train_and_report",
    "training_data",
    "uncertainty",
    "uncertainty_order",
]
