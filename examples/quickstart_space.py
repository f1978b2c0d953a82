"""Sample a conditional search space and print a few points.

Run: ``python examples/quickstart_space.py``
"""

import numpy as np

from skopt_hp import hp, space_eval
from skopt_hp.space import SearchSpace

space = {
    "model": hp.choice(
        "model",
        [
            {"name": "logreg", "C": hp.loguniform("logreg_C", np.log(1e-3), np.log(1e3))},
            {
                "name": "forest",
                "n_estimators": hp.randint("n_estimators", 50, 500),
                "max_depth": hp.uniformint("max_depth", 2, 12),
            },
        ],
    ),
    "scale": hp.pchoice("scale", [(0.8, True), (0.2, False)]),
}


def main() -> None:
    compiled = SearchSpace(space)
    print(f"{compiled.n_params} parameters: {', '.join(compiled.labels)}")
    Z = compiled.sample(np.random.default_rng(0), 5)
    for point in compiled.decode(Z):
        print(point, "->", space_eval(space, point))


if __name__ == "__main__":
    main()
