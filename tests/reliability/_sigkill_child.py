"""Child process of test_sigkill_checkpoint.py: fmin checkpointing to a file until killed.

Usage: python _sigkill_child.py TRIALS_FILE EVAL_LOG MAX_EVALS SEED

Each evaluation appends a line to EVAL_LOG just before returning, so the parent
knows how many trials *finished evaluating*, and can tell a trial lost in
flight (evaluated, not yet saved) from a saved trial lost (never allowed).
Results carry a 20 KB string, so that checkpoints are large and a kill often
lands inside a write.
"""

import sys

from skopt_hp import fmin, hp

SPACE = {"x": hp.uniform("x", -5, 5), "c": hp.choice("c", ["a", "b"])}
BLOB = "x" * 20_000


def main() -> None:
    path, log, max_evals, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

    def objective(point):
        loss = (point["x"] - 1) ** 2
        with open(log, "a") as fh:
            fh.write(f"{point['x']!r}\n")
        return {"loss": loss, "status": "ok", "blob": BLOB}

    print("ready", flush=True)
    fmin(objective, SPACE, algo="tpe", max_evals=max_evals, trials_save_file=path, rstate=seed,
         show_progressbar=False)
    print("done", flush=True)


if __name__ == "__main__":
    main()
