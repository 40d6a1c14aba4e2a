import numpy as np
import pytest

EBMCORE_PLUGIN = "analytic"  # run the ebmcore conformance kit on every energy of this plugin

# gaussian_from_samples has no construction without arguments (the plugin-wide run skips it):
# the kit runs on its fit to 50 correlated draws in 3-D
_MIXING = np.array([[1.0, 0.0, 0.0], [0.5, 1.0, 0.0], [0.0, 0.3, 2.0]])
FIT = {
    "name": "gaussian_from_samples",
    "samples": (np.random.default_rng(0).standard_normal((50, 3)) @ _MIXING).tolist(),
}


def test_conformance(ebmcore_case):
    ebmcore_case.run()


@pytest.mark.ebmcore_energies(FIT)
def test_conformance_of_a_fit_to_samples(ebmcore_case):
    ebmcore_case.run()
