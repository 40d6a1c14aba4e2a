"""Each energy against the textbook formula, written independently in numpy as [VLSE] prints it.

The plugin evaluates some functions in an equal but rearranged form (Goldstein-Price in
``s = x + y`` and ``t = 2x - 3y``, Matyas and Colville as sums of squares, Trid around its
minimizer, Cross-in-Tray in log space, Schaffer N.4 without the absolute value, Gramacy & Lee
through ``sinc``, Levy N.13 with ``x - 1`` in the first sine, Bohachevsky with ``1 - cos``).
Here the literal formulas, evaluated in float64 at random points of each search domain, must
agree to rounding. BoTorch's implementations are not installed (they pull heavy dependencies);
these are the same closed forms.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import ebmcore

pi = np.pi


def _cols(x: np.ndarray) -> list[np.ndarray]:
    return [x[:, i] for i in range(x.shape[1])]


def goldstein_price(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    a = 1 + (x1 + x2 + 1) ** 2 * (19 - 14 * x1 + 3 * x1**2 - 14 * x2 + 6 * x1 * x2 + 3 * x2**2)
    b = 30 + (2 * x1 - 3 * x2) ** 2 * (18 - 32 * x1 + 12 * x1**2 + 48 * x2 - 36 * x1 * x2 + 27 * x2**2)
    return a * b


def bohachevsky1(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    return x1**2 + 2 * x2**2 - 0.3 * np.cos(3 * pi * x1) - 0.4 * np.cos(4 * pi * x2) + 0.7


def bohachevsky2(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    return x1**2 + 2 * x2**2 - 0.3 * np.cos(3 * pi * x1) * np.cos(4 * pi * x2) + 0.3


def bohachevsky3(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    return x1**2 + 2 * x2**2 - 0.3 * np.cos(3 * pi * x1 + 4 * pi * x2) + 0.3


def matyas(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    return 0.26 * (x1**2 + x2**2) - 0.48 * x1 * x2


def mccormick(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    return np.sin(x1 + x2) + (x1 - x2) ** 2 - 1.5 * x1 + 2.5 * x2 + 1


def easom(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    return -np.cos(x1) * np.cos(x2) * np.exp(-((x1 - pi) ** 2) - (x2 - pi) ** 2)


def levy_n13(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    return (
        np.sin(3 * pi * x1) ** 2
        + (x1 - 1) ** 2 * (1 + np.sin(3 * pi * x2) ** 2)
        + (x2 - 1) ** 2 * (1 + np.sin(2 * pi * x2) ** 2)
    )


def bukin_n6(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    return 100 * np.sqrt(np.abs(x2 - 0.01 * x1**2)) + 0.01 * np.abs(x1 + 10)


def drop_wave(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    return -(1 + np.cos(12 * np.sqrt(x1**2 + x2**2))) / (0.5 * (x1**2 + x2**2) + 2)


def cross_in_tray(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    inner = np.abs(np.sin(x1) * np.sin(x2) * np.exp(np.abs(100 - np.sqrt(x1**2 + x2**2) / pi)))
    return -0.0001 * (inner + 1) ** 0.1


def shubert(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    s1 = sum(i * np.cos((i + 1) * x1 + i) for i in range(1, 6))
    s2 = sum(i * np.cos((i + 1) * x2 + i) for i in range(1, 6))
    return s1 * s2


def langermann(x: np.ndarray) -> np.ndarray:
    c = [1, 2, 5, 2, 3]
    a = [[3, 5], [5, 2], [2, 1], [1, 4], [7, 9]]
    total = np.zeros(len(x))
    for i in range(5):
        inner = sum((x[:, j] - a[i][j]) ** 2 for j in range(2))
        total += c[i] * np.exp(-inner / pi) * np.cos(pi * inner)
    return total


def de_jong5(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    a = [-32, -16, 0, 16, 32]
    total = 0.002
    for i in range(25):
        total = total + 1 / (i + 1 + (x1 - a[i % 5]) ** 6 + (x2 - a[i // 5]) ** 6)
    return 1 / total


def schaffer_n2(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    return 0.5 + (np.sin(x1**2 - x2**2) ** 2 - 0.5) / (1 + 0.001 * (x1**2 + x2**2)) ** 2


def schaffer_n4(x: np.ndarray) -> np.ndarray:
    x1, x2 = _cols(x)
    return 0.5 + (np.cos(np.sin(np.abs(x1**2 - x2**2))) ** 2 - 0.5) / (1 + 0.001 * (x1**2 + x2**2)) ** 2


def forrester(x: np.ndarray) -> np.ndarray:
    return (6 * x[:, 0] - 2) ** 2 * np.sin(12 * x[:, 0] - 4)


def gramacy_lee(x: np.ndarray) -> np.ndarray:
    return np.sin(10 * pi * x[:, 0]) / (2 * x[:, 0]) + (x[:, 0] - 1) ** 4


_HA = [1.0, 1.2, 3.0, 3.2]
_HA3 = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_HP3 = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])
_HA6 = np.array(
    [
        [10, 3, 17, 3.50, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_HP6 = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def _hartmann_sum(x: np.ndarray, a: np.ndarray, p: np.ndarray) -> np.ndarray:
    total = np.zeros(len(x))
    for i in range(4):
        inner = sum(a[i, j] * (x[:, j] - p[i, j]) ** 2 for j in range(x.shape[1]))
        total += _HA[i] * np.exp(-inner)
    return total


def hartmann3(x: np.ndarray) -> np.ndarray:
    return -_hartmann_sum(x, _HA3, _HP3)


def hartmann4(x: np.ndarray) -> np.ndarray:
    return (1.1 - _hartmann_sum(x, _HA6[:, :4], _HP6[:, :4])) / 0.839


def hartmann6(x: np.ndarray) -> np.ndarray:
    return -_hartmann_sum(x, _HA6, _HP6)


_SHEKEL_BETA = 0.1 * np.array([1, 2, 2, 4, 4, 6, 3, 7, 5, 5])
_SHEKEL_C = np.array(
    [
        [4.0, 1.0, 8.0, 6.0, 3.0, 2.0, 5.0, 8.0, 6.0, 7.0],
        [4.0, 1.0, 8.0, 6.0, 7.0, 9.0, 3.0, 1.0, 2.0, 3.6],
        [4.0, 1.0, 8.0, 6.0, 3.0, 2.0, 5.0, 8.0, 6.0, 7.0],
        [4.0, 1.0, 8.0, 6.0, 7.0, 9.0, 3.0, 1.0, 2.0, 3.6],
    ]
)


def shekel(x: np.ndarray, m: int) -> np.ndarray:
    total = np.zeros(len(x))
    for i in range(m):
        total -= 1 / (sum((x[:, j] - _SHEKEL_C[j, i]) ** 2 for j in range(4)) + _SHEKEL_BETA[i])
    return total


def colville(x: np.ndarray) -> np.ndarray:
    x1, x2, x3, x4 = _cols(x)
    return (
        100 * (x1**2 - x2) ** 2
        + (x1 - 1) ** 2
        + (x3 - 1) ** 2
        + 90 * (x3**2 - x4) ** 2
        + 10.1 * ((x2 - 1) ** 2 + (x4 - 1) ** 2)
        + 19.8 * (x2 - 1) * (x4 - 1)
    )


def power_sum(x: np.ndarray) -> np.ndarray:
    b = [8, 18, 44, 114]
    return sum((np.sum(x ** (k + 1), axis=1) - b[k]) ** 2 for k in range(4))


def cosine8_negated(x: np.ndarray) -> np.ndarray:
    return -np.sum(0.1 * np.cos(5 * pi * x) - x**2, axis=1)  # BoTorch's f, negated


def powell(x: np.ndarray) -> np.ndarray:
    total = np.zeros(len(x))
    for i in range(x.shape[1] // 4):
        x1, x2, x3, x4 = (x[:, 4 * i + k] for k in range(4))
        total += (x1 + 10 * x2) ** 2 + 5 * (x3 - x4) ** 2 + (x2 - 2 * x3) ** 4 + 10 * (x1 - x4) ** 4
    return total


def schwefel_exact(x: np.ndarray) -> np.ndarray:
    return 418.9828872724337 * x.shape[1] - np.sum(x * np.sin(np.sqrt(np.abs(x))), axis=1)


def trid(x: np.ndarray) -> np.ndarray:
    return np.sum((x - 1) ** 2, axis=1) - np.sum(x[:, 1:] * x[:, :-1], axis=1)


def perm(x: np.ndarray, beta: float) -> np.ndarray:
    d = x.shape[1]
    total = np.zeros(len(x))
    for i in range(1, d + 1):
        inner = sum((j**i + beta) * ((x[:, j - 1] / j) ** i - 1) for j in range(1, d + 1))
        total += inner**2
    return total


def sum_of_different_powers(x: np.ndarray) -> np.ndarray:
    return sum(np.abs(x[:, i]) ** (i + 2) for i in range(x.shape[1]))


def rotated_hyper_ellipsoid(x: np.ndarray) -> np.ndarray:
    return sum(np.sum(x[:, : i + 1] ** 2, axis=1) for i in range(x.shape[1]))


def sum_squares(x: np.ndarray) -> np.ndarray:
    return sum((i + 1) * x[:, i] ** 2 for i in range(x.shape[1]))


CASES: list[tuple[str, dict[str, Any], Callable[[np.ndarray], np.ndarray]]] = [
    ("goldstein_price", {}, goldstein_price),
    ("bohachevsky1", {}, bohachevsky1),
    ("bohachevsky2", {}, bohachevsky2),
    ("bohachevsky3", {}, bohachevsky3),
    ("matyas", {}, matyas),
    ("mccormick", {}, mccormick),
    ("easom", {}, easom),
    ("levy_n13", {}, levy_n13),
    ("bukin_n6", {}, bukin_n6),
    ("drop_wave", {}, drop_wave),
    ("cross_in_tray", {}, cross_in_tray),
    ("shubert", {}, shubert),
    ("langermann", {}, langermann),
    ("de_jong5", {}, de_jong5),
    ("schaffer_n2", {}, schaffer_n2),
    ("schaffer_n4", {}, schaffer_n4),
    ("forrester", {}, forrester),
    ("gramacy_lee", {}, gramacy_lee),
    ("hartmann3", {}, hartmann3),
    ("hartmann4", {}, hartmann4),
    ("hartmann6", {}, hartmann6),
    ("shekel5", {}, lambda x: shekel(x, 5)),
    ("shekel7", {}, lambda x: shekel(x, 7)),
    ("shekel10", {}, lambda x: shekel(x, 10)),
    ("colville", {}, colville),
    ("power_sum", {}, power_sum),
    ("cosine8", {}, cosine8_negated),
    ("powell", {"dim": 8}, powell),
    ("schwefel", {"dim": 3}, schwefel_exact),
    ("trid", {"dim": 1}, trid),
    ("trid", {"dim": 6}, trid),
    ("perm", {"dim": 2}, lambda x: perm(x, 0.5)),
    ("perm", {"dim": 5, "beta": 2.0}, lambda x: perm(x, 2.0)),
    ("sum_of_different_powers", {"dim": 5}, sum_of_different_powers),
    ("rotated_hyper_ellipsoid", {"dim": 4}, rotated_hyper_ellipsoid),
    ("sum_squares", {"dim": 4}, sum_squares),
]


def test_every_classic_energy_has_a_closed_form_here() -> None:
    assert {name for name, _, _ in CASES} == set(ebmcore.list_energies(plugin="classic"))


@pytest.mark.parametrize(
    ("name", "kwargs", "reference"),
    CASES,
    ids=[f"{name}-{'-'.join(f'{k}{v}' for k, v in kw.items())}" for name, kw, _ in CASES],
)
def test_energy_is_the_textbook_formula(
    name: str, kwargs: dict[str, Any], reference: Callable[[np.ndarray], np.ndarray]
) -> None:
    model = ebmcore.create(name, **kwargs)
    bounds = model.bounds
    assert bounds is not None
    generator = torch.Generator().manual_seed(11)
    u = torch.rand(2000, model.dim, generator=generator, dtype=torch.float64)
    x = bounds[0] + (bounds[1] - bounds[0]) * u
    # and the corners and centre of the box, where boundary behaviour shows
    corners = torch.tensor(list(itertools.product(*bounds.T.tolist())), dtype=torch.float64)
    x = torch.cat([x, corners[:64], bounds.mean(0, keepdim=True)])
    ours = model.energy(x).numpy()
    expected = reference(x.numpy())
    scale = np.maximum(np.abs(expected), 1.0)  # the rearranged forms round differently
    assert np.all(np.abs(ours - expected) <= 1e-12 * scale), float(np.max(np.abs(ours - expected) / scale))
