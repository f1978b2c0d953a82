"""Integrations of skopt_hp with other systems, each behind an optional extra.

Submodules are imported on use and import their third-party packages lazily,
so ``import skopt_hp`` never imports them:

* :mod:`skopt_hp.integrations.spark` — :class:`~skopt_hp.integrations.spark.SparkTrials`
  (``fmin`` trials run as Spark tasks) and a joblib Spark backend for
  :class:`~skopt_hp.HyperoptSearchCV` (``pip install "skopt_hp[spark]"``).
* :mod:`skopt_hp.integrations.mlflow` — :func:`~skopt_hp.integrations.mlflow.autolog`
  and the MLflow tracker behind ``mlflow_logging=True`` (``pip install "skopt_hp[mlflow]"``).
"""

__all__: list[str] = []
