# Copied from hyperopt 0.3.0, hyperopt/tests/unit/test_rand.py,
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

import unittest

import numpy as np

from skopt_hp import rand
from skopt_hp.base import Trials, miscs_to_idxs_vals, trials_from_docs
from skopt_hp.tests.test_base import Suggest_API

from .test_domains import coin_flip, gauss_wave2

TestRand = Suggest_API.make_tst_class(rand.suggest, gauss_wave2(), "TestRand")


class TestRand(unittest.TestCase):
    def test_seeding(self):
        # -- assert that the seeding works a particular way

        domain = coin_flip()
        docs = rand.suggest(
            list(range(10)), domain, Trials(), seed=np.random.PCG64(123)
        )
        trials = trials_from_docs(docs)
        idxs, vals = miscs_to_idxs_vals(trials.miscs)

        # Passes Nov 8 / 2013
        self.assertEqual(list(idxs["flip"]), list(range(10)))
        self.assertEqual(list(vals["flip"]), [0, 1, 1, 0, 1, 0, 0, 0, 0, 0])

    # -- TODO: put in a test that guarantees that
    #          stochastic nodes are sampled in a particular order.
