# Copied from hyperopt 0.3.0, hyperopt/tests/integration/test_sklearn.py,
# by scripts/import_peer_tests.py, which made only this change:
# the package name `hyperopt` (a name in the code, never text in strings) is `skopt_hp`, and
# `hyperopt.tests.unit.test_fmin` is the copy `test_hyperopt_fmin`.
# Do not edit: rerun the script. Tests that do not apply are listed, each with its
# reason, in tests/peers/not_applicable.txt.
#
# The licence of hyperopt:
#
# LICENSE
# =======
#
# Copyright (c) 2013, James Bergstra
# All rights reserved.
#
# Redistribution and use in source and binary forms, with or without
# modification, are permitted provided that the following conditions are met:
#
#     * Redistributions of source code must retain the above copyright
#       notice, this list of conditions and the following disclaimer.
#     * Redistributions in binary form must reproduce the above copyright
#       notice, this list of conditions and the following disclaimer in the
#       documentation and/or other materials provided with the distribution.
#     * Neither the name of hyperopt nor the names of its contributors may be
#       used to endorse or promote products derived from this software without
#       specific prior written permission.
#
# THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS ''AS IS'' AND ANY
# EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
# WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
# DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDERS BE LIABLE FOR ANY
# DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
# (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES;
# LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND
# ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
# (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
# SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

"""Test scikit-learn integration."""

import pytest
from sklearn.linear_model import Ridge, RidgeClassifier
from sklearn.utils.estimator_checks import estimator_checks_generator

from skopt_hp import hp
from skopt_hp.sklearn import HyperoptSearchCV


@pytest.mark.parametrize(
    "estimator,check",
    list(
        estimator_checks_generator(
            HyperoptSearchCV(
                estimator=Ridge(),
                space={"alpha": hp.uniform("alpha", 0, 1)},
                max_evals=10,
                random_state=42,
            ),
        )
    ),
)
def test_estimator_regression(estimator, check):
    """Test compatibility with the scikit-learn API for regressors."""
    if "predict" in check.func.__name__:
        # Predict methods do a simple passthrough to the underlying best estimator
        # https://github.com/scikit-learn/scikit-learn/blob/1.0.2/sklearn/model_selection/_search.py#L493
        pytest.skip("Skipping tests that leverage passthrough to underlying estimator.")
    elif "nan" in check.func.__name__:
        pytest.skip(
            "Skipping tests that check for compatiblity with nulls. Underlying estimator should check."
        )
    else:
        check(estimator)


@pytest.mark.parametrize(
    "estimator,check",
    list(
        estimator_checks_generator(
            HyperoptSearchCV(
                estimator=RidgeClassifier(),
                space={"alpha": hp.uniform("alpha", 0, 1)},
                max_evals=10,
                random_state=42,
            ),
        )
    ),
)
def test_estimator_classification(estimator, check):
    """Test compatibility with the scikit-learn API for classifiers."""
    if "predict" in check.func.__name__:
        # Predict methods do a simple passthrough to the underlying best estimator
        # https://github.com/scikit-learn/scikit-learn/blob/1.0.2/sklearn/model_selection/_search.py#L493
        pytest.skip("Skipping tests that leverage passthrough to underlying estimator.")
    elif "nan" in check.func.__name__:
        pytest.skip(
            "Skipping tests that check for compatiblity with nulls. Underlying estimator should check."
        )
    else:
        check(estimator)
