"""SparkTrials on real local Spark sessions, classic and Spark Connect: parallel trials,
failures, timeout, interrupts, the same results on both."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from _spark_helpers import (
    active_jobs,
    is_connect,
    pickle_by_value,
    requires_spark,
    seconds_to_get_every_slot,
)

from skopt_hp import STATUS_FAIL, STATUS_OK, Trials, TrialState, early_stop, fmin, hp, tpe

pytestmark = requires_spark
pickle_by_value(__name__)

SPACE = {"x": hp.uniform("x", -5, 5), "c": hp.choice("c", ["a", "b"])}


def _timed(p):
    """A cheap objective that reports when and where it ran; fails for x > 3 (20% a priori)."""
    start = time.time()
    if p["x"] > 3:
        raise ValueError(f"x={p['x']:.3f} is out of the valid range")
    time.sleep(0.05)
    loss = (p["x"] - 1) ** 2 + (0.5 if p["c"] == "b" else 0.0)
    return {"loss": loss, "status": STATUS_OK, "start": start, "end": time.time()}


def _max_overlap(intervals):
    # An interval ending when another starts does not overlap it (ends sort first).
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def _run(trials, fn=_timed, **kwargs):
    kwargs.setdefault("algo", tpe.suggest)
    kwargs.setdefault("show_progressbar", False)
    kwargs.setdefault("rstate", 0)
    return fmin(fn, kwargs.pop("space", SPACE), trials=trials, **kwargs)


def test_parallel_trials_complete_max_evals_and_record_failures(spark):
    from skopt_hp.integrations.spark import SparkTrials

    trials = SparkTrials(parallelism=2, spark_session=spark)
    best = _run(trials, max_evals=12)

    assert [t.tid for t in trials.records] == list(range(12))
    assert all(t.is_finished for t in trials.records)
    failed = [t for t in trials.records if t.state == TrialState.ERROR]
    assert failed, "the objective fails for x > 3; some trial should have hit it"
    for trial in failed:
        assert trial.params["x"] > 3
        assert trial.result["status"] == STATUS_FAIL
        failure = trial.result["failure"]
        assert failure["type"] == "ValueError"
        assert "is out of the valid range" in failure["message"]
        assert "ValueError" in failure["traceback"]
    ok = [t for t in trials.records if t.state == TrialState.DONE]
    assert len(ok) + len(failed) == 12 and trials.count_failed_trials() == len(failed)
    # hyperopt's views leave the failed trials out, as hyperopt's SparkTrials does.
    assert len(trials) == len(ok) and trials.tids == [t.tid for t in ok]
    assert best == trials.argmin
    # Two trials were in flight at once, never more (as the driver saw them: from launch to
    # result; executors' own clocks depend on how busy the machine is).
    assert _max_overlap([(t.book_time, t.refresh_time) for t in trials.records]) == 2
    assert all(t.result["end"] >= t.result["start"] for t in ok)
    # hyperopt's document views, as with plain Trials.
    doc = trials.trials[0]
    assert set(doc) == set(Trials.trials.fget(_plain_run()).pop())
    assert doc["misc"]["vals"].keys() == {"x", "c"}


def _plain_run():
    plain = Trials()
    _run(plain, lambda p: p["x"] ** 2, max_evals=1)
    return plain


def test_parallelism_one_gives_the_same_trials_as_plain_trials(spark):
    from skopt_hp.integrations.spark import SparkTrials

    def quadratic(p):
        return (p["x"] - 1) ** 2 + (0.5 if p["c"] == "b" else 0.0)

    plain, on_spark = Trials(), SparkTrials(parallelism=1, spark_session=spark)
    assert _run(plain, quadratic, max_evals=6) == _run(on_spark, quadratic, max_evals=6)
    assert [t.params for t in plain.records] == [t.params for t in on_spark.records]
    assert plain.losses() == on_spark.losses()
    assert [d["misc"] for d in plain.trials] == [d["misc"] for d in on_spark.trials]


def test_a_crashed_python_worker_is_a_failed_trial(spark, tmp_path):
    from skopt_hp.integrations.spark import SparkTrials

    flag = str(tmp_path / "crashed")

    def crash_once(p):
        try:
            # Created atomically: of two trials running at once, exactly one crashes.
            os.close(os.open(flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return p["x"] ** 2
        os._exit(3)  # the executor's Python worker dies without a word

    trials = SparkTrials(parallelism=2, spark_session=spark)
    _run(trials, crash_once, max_evals=4)
    # Four trials; hyperopt's len(trials) leaves the failed one out, as hyperopt's SparkTrials.
    assert len(trials.records) == 4 and len(trials) == 3
    (crashed,) = [t for t in trials.records if t.state == TrialState.ERROR]
    message = crashed.result["failure"]["message"]
    assert "Python worker exited unexpectedly" in message or "crashed" in message, message
    assert trials.count_successful_trials() == 3


def _no_trial_left_running(spark):
    # A cancelled trial still sleeping would hold one of the two task slots for ~30 s.
    assert seconds_to_get_every_slot(spark) < 15
    if not is_connect(spark):
        assert active_jobs(spark) == []


def test_timeout_cancels_running_trials_and_returns(spark):
    from skopt_hp.integrations.spark import SparkTrials

    def slow_for_positive_x(p):
        time.sleep(0.3 if p["x"] < 0 else 60)
        return p["x"] ** 2

    # 15 s: on a loaded machine a Spark Connect job alone can take several seconds to start,
    # and the quick trial must finish before the timeout.
    trials = SparkTrials(parallelism=2, timeout=15, spark_session=spark)
    start = time.monotonic()
    # A quick first trial and a slow second one, whatever the sampler proposes next.
    first = [{"x": -1.0, "c": 0}, {"x": 2.0, "c": 0}]
    best = _run(trials, slow_for_positive_x, max_evals=20, points_to_evaluate=first)
    elapsed = time.monotonic() - start

    assert elapsed < 45, f"fmin took {elapsed:.1f} s with timeout=15 (the slow trial sleeps 60 s)"
    states = [t.state for t in trials.records]
    assert TrialState.DONE in states and TrialState.CANCEL in states
    assert len(trials) < 20
    cancelled = [t for t in trials.records if t.state == TrialState.CANCEL]
    assert all(t.result["failure"]["type"] == "Cancelled" for t in cancelled)
    assert all(t.params["x"] >= 0 for t in cancelled)
    assert trials.fmin_cancelled_reason == "timeout"
    assert trials.count_cancelled_trials() == len(cancelled)
    assert best == trials.argmin
    _no_trial_left_running(spark)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
def test_keyboard_interrupt_cancels_running_jobs_and_keeps_finished_trials(spark, tmp_path):
    from skopt_hp.integrations.spark import SparkTrials

    started = str(tmp_path / "started")

    def slow(p):
        # The first three trials take 0.4 s, the later ones 30 s: they are running, and
        # must be cancelled, when the interrupt comes.
        with open(started, "a") as file:
            file.write("x\n")
        with open(started) as file:
            rank = len(file.readlines())
        time.sleep(0.4 if rank <= 3 else 30)
        return p["x"] ** 2

    sent = []

    def interrupt_after_three(trials, *args):
        # A real Ctrl-C: SIGINT to this process. PySpark's handler (installed with the
        # classic session) cancels the classic context's jobs, then raises
        # KeyboardInterrupt in the driver's loop, which cancels the running trials.
        if len(trials) >= 3 and not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        return False, args

    trials = SparkTrials(parallelism=2, spark_session=spark)
    best = _run(trials, slow, max_evals=20, early_stop_fn=interrupt_after_three)
    assert sent and len(trials) == 3
    assert all(t.state == TrialState.DONE for t in trials.records)
    assert best == trials.argmin
    _no_trial_left_running(spark)
    # The same trials can go on (the interrupted trials' ids are not reused).
    kept = trials.tids
    _run(trials, lambda p: p["x"] ** 2, max_evals=len(kept) + 2, rstate=1)
    assert len(trials) == len(kept) + 2 and trials.tids[: len(kept)] == kept
    assert trials.tids == sorted(set(trials.tids))


def test_the_callers_spark_connect_tags_reach_the_trials(spark_connect):
    """``spark.interruptTag(tag)`` of the user's own tag interrupts the running trials."""
    from skopt_hp.integrations.spark import SparkTrials

    def slow_for_positive_x(p):
        time.sleep(0.2 if p["x"] < 0 else 30)
        return p["x"] ** 2

    done = threading.Event()

    def interrupt_mine_repeatedly():
        # As a user's other thread would, until the search ends.
        while not done.wait(0.3):
            spark_connect.interruptTag("my-tuning")

    def start_interrupting(trials, *args):
        if len(trials) == 2:
            threading.Thread(target=interrupt_mine_repeatedly, daemon=True).start()
        return False, args

    spark_connect.addTag("my-tuning")
    try:
        trials = SparkTrials(parallelism=2, spark_session=spark_connect)
        start = time.monotonic()
        _run(
            trials,
            slow_for_positive_x,
            max_evals=6,
            early_stop_fn=start_interrupting,
            points_to_evaluate=[{"x": -1.0, "c": 0}, {"x": -2.0, "c": 1}],  # two quick ones
        )
    finally:
        done.set()
        spark_connect.removeTag("my-tuning")
    assert time.monotonic() - start < 60  # some trials sleep 30 s unless interrupted
    interrupted = [t for t in trials.records if t.params["x"] >= 0]
    assert interrupted and all(t.state == TrialState.ERROR for t in interrupted)
    assert all("cancel" in t.result["failure"]["message"].lower() for t in interrupted)


def test_loss_threshold_and_early_stop_cancel_the_rest(spark):
    from skopt_hp.integrations.spark import SparkTrials

    trials = SparkTrials(parallelism=2, spark_session=spark, loss_threshold=100.0)
    _run(trials, lambda p: p["x"] ** 2, max_evals=30)
    assert 1 <= trials.count_successful_trials() <= 3
    assert trials.fmin_cancelled_reason in (None, "loss threshold reached")

    trials = SparkTrials(parallelism=2, spark_session=spark)
    _run(trials, lambda p: 1.0, max_evals=50, early_stop_fn=early_stop.no_progress_loss(3))
    assert trials.count_successful_trials() < 10


def test_save_file_resumes_the_search(spark_classic, tmp_path):
    from skopt_hp.integrations.spark import SparkTrials

    path = str(tmp_path / "trials.json")
    first = SparkTrials(parallelism=2, spark_session=spark_classic)
    _run(first, lambda p: p["x"] ** 2, max_evals=4, trials_save_file=path)
    resumed = SparkTrials(parallelism=2, spark_session=spark_classic)
    _run(resumed, lambda p: p["x"] ** 2, max_evals=6, trials_save_file=path)
    assert len(resumed) == 6
    assert [t.params for t in resumed.records[:4]] == [t.params for t in first.records]


def test_unpicklable_result_is_a_failed_trial(spark):
    from skopt_hp.integrations.spark import SparkTrials

    def returns_a_lock(p):
        return {"loss": p["x"] ** 2, "status": STATUS_OK, "lock": threading.Lock()}

    trials = SparkTrials(parallelism=2, spark_session=spark)
    with pytest.raises(Exception, match="No trial"):
        _run(trials, returns_a_lock, max_evals=2)
    assert [t.result["failure"]["type"] for t in trials.records] == ["UnpicklableResult"] * 2


def test_unpicklable_objective_is_refused_before_any_trial(spark):
    from skopt_hp.integrations.spark import SparkTrials

    lock = threading.Lock()
    trials = SparkTrials(parallelism=2, spark_session=spark)
    with pytest.raises(TypeError, match="cannot be pickled"):
        _run(trials, lambda p: lock.locked() or p["x"], max_evals=2)
    assert len(trials) == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"parallelism": 0}, ValueError, "parallelism must be None .* int >= 1, but got 0"),
        ({"parallelism": 1.5}, ValueError, "parallelism"),
        ({"timeout": -1}, ValueError, "timeout must be None or a number of seconds > 0"),
        ({"loss_threshold": "low"}, TypeError, "loss_threshold"),
        ({"spark_session": "local"}, TypeError, "spark_session must be None or a SparkSession"),
    ],
)
def test_constructor_arguments_are_validated(spark_classic, kwargs, error, match):
    from skopt_hp.integrations.spark import SparkTrials

    with pytest.raises(error, match=match):
        SparkTrials(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_evals": -1}, "max_evals"),
        ({"max_evals": 3, "timeout": 0}, "timeout"),
        ({"max_evals": 3, "rstate": "seed"}, "rstate"),
        ({"max_evals": 3, "algo": "annealing"}, "algo"),
        ({"max_evals": 3, "early_stop_fn": 1}, "early_stop_fn"),
        ({"max_evals": 3, "points_to_evaluate": [{"x": 1.0, "c": 7}]}, "option index"),
    ],
)
def test_fmin_arguments_are_validated_before_any_spark_job(
    spark_classic, monkeypatch, kwargs, match
):
    from skopt_hp.integrations import spark as spark_module

    def no_job(self, trial):
        raise AssertionError("a trial was launched")

    monkeypatch.setattr(spark_module._SparkExecutor, "submit", no_job)
    trials = spark_module.SparkTrials(parallelism=2, spark_session=spark_classic)
    with pytest.raises((TypeError, ValueError), match=match):
        _run(trials, lambda p: 0.0, **kwargs)
    assert len(trials) == 0


def test_default_parallelism_and_pickling(spark):
    from skopt_hp.integrations.spark import SparkTrials

    trials = SparkTrials(spark_session=spark)
    # local[2] on both kinds of session (a Spark Connect client has no sparkContext).
    assert trials.parallelism == 2
    if not is_connect(spark):
        assert trials.parallelism == spark.sparkContext.defaultParallelism
    _run(trials, lambda p: p["x"] ** 2, max_evals=2)
    clone = pickle.loads(pickle.dumps(trials))
    assert isinstance(clone, SparkTrials) and len(clone) == 2
    assert clone.argmin == trials.argmin
    assert "SparkTrials(parallelism=2" in repr(trials)


def test_the_active_session_is_used_unchanged(active_spark):
    from skopt_hp.integrations.spark import SparkTrials, get_spark_session

    assert get_spark_session() is active_spark
    trials = SparkTrials(parallelism=2)
    assert trials.spark_session is active_spark
    _run(trials, lambda p: p["x"] ** 2, max_evals=2)
    assert trials.count_successful_trials() == 2


def test_spark_remote_gives_a_connect_session(connect_server):
    """A script run with SPARK_REMOTE set (as Databricks Connect users do) uses Spark Connect."""
    script = textwrap.dedent(
        """
        from skopt_hp import fmin, hp
        from skopt_hp.integrations._spark_session import is_connect
        from skopt_hp.integrations.spark import SparkTrials, get_spark_session

        spark = get_spark_session()
        assert is_connect(spark), type(spark)
        assert get_spark_session() is spark
        trials = SparkTrials(parallelism=2)
        fmin(lambda x: x ** 2, hp.uniform("x", -1, 1), max_evals=4, trials=trials,
             show_progressbar=False, rstate=0)
        print(trials.count_successful_trials(), trials.spark_session is spark)
        """
    )
    env = {**os.environ, "SPARK_REMOTE": connect_server.url, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["4", "True"]


def _count_load(path, data):
    with open(path, "a") as file:
        file.write(f"{os.getpid()}\n")
    return LoadCounter(path, data)


class LoadCounter:
    """Data that appends a line to ``path`` each time it is unpickled."""

    def __init__(self, path, data):
        self.path, self.data = path, data

    def __reduce__(self):
        return _count_load, (self.path, self.data)


def test_the_objective_is_sent_once_per_search(spark, tmp_path):
    import numpy as np

    from skopt_hp.integrations.spark import SparkTrials

    path = str(tmp_path / "loads")
    data = LoadCounter(path, np.arange(250_000, dtype=np.float64))  # 2 MB

    def objective(p):
        return float(p["x"] ** 2 + data.data[:1].sum())

    trials = SparkTrials(parallelism=2, spark_session=spark)
    _run(trials, objective, max_evals=10)
    assert trials.count_successful_trials() == 10
    with open(path) as file:
        loads = file.read().split()
    # Once per Python worker that ran a trial (two slots), not once per trial.
    assert 1 <= len(loads) == len(set(loads)) <= 3, loads


def test_spark_ml_objective_runs_with_plain_trials(spark_classic):
    """An objective that uses Spark itself runs on the driver, with plain Trials."""
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.evaluation import BinaryClassificationEvaluator
    from pyspark.ml.linalg import Vectors

    rows = [(Vectors.dense([i / 10.0, (i % 3) / 3.0]), float(i >= 10)) for i in range(20)]
    data = spark_classic.createDataFrame(rows, ["features", "label"]).cache()
    evaluator = BinaryClassificationEvaluator(metricName="areaUnderROC")

    def objective(params):
        model = LogisticRegression(regParam=params["reg"], maxIter=10).fit(data)
        return 1.0 - evaluator.evaluate(model.transform(data))

    trials = Trials()
    best = fmin(
        objective,
        {"reg": hp.loguniform("reg", -6, 0)},
        algo=tpe.suggest,
        max_evals=3,
        trials=trials,
        rstate=0,
        show_progressbar=False,
    )
    assert len(trials) == 3 and all(t.state == TrialState.DONE for t in trials.records)
    assert 0.0 <= trials.best_trial["result"]["loss"] < 0.2
    assert set(best) == {"reg"}
