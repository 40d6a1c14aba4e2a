"""The BBOB energies' parameters, names, tags, buffers and instance cache."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from ebmcore_bbob import (
    BBOBFunction,
    BuecheRastrigin,
    EllipsoidSeparable,
    LinearSlope,
    RastriginSeparable,
    Sphere,
    _coco,
)

import ebmcore

NAMES = {
    "bbob_f1": (Sphere, ("bbob_sphere",)),
    "bbob_f2": (EllipsoidSeparable, ("bbob_ellipsoid_separable",)),
    "bbob_f3": (RastriginSeparable, ("bbob_rastrigin_separable",)),
    "bbob_f4": (BuecheRastrigin, ("bbob_bueche_rastrigin", "bbob_buche_rastrigin")),
    "bbob_f5": (LinearSlope, ("bbob_linear_slope",)),
}


def by_number(names: list[str]) -> list[str]:
    """``bbob_f*`` names sorted by function number (the registry lists them lexicographically)."""
    return sorted(names, key=lambda name: int(name.removeprefix("bbob_f")))


def test_names_aliases_and_tags() -> None:
    assert by_number(ebmcore.list_energies(plugin="bbob")) == [f"bbob_f{k}" for k in range(1, 25)]
    for name, (cls, aliases) in NAMES.items():
        assert type(ebmcore.create(name)) is cls
        assert cls.function == int(name.removeprefix("bbob_f"))
        for alias in aliases:
            assert type(ebmcore.create(alias, dim=3, instance=2)) is cls
        tags = set(ebmcore.info(name).tags)
        assert {"bbob", "optimization", "separable"} <= tags
    multimodal = [f"bbob_f{k}" for k in (3, 4, 8, 9, *range(15, 25))]
    assert by_number(ebmcore.list_energies("bbob*", tags=["multimodal"])) == multimodal
    assert by_number(ebmcore.list_energies("bbob*", tags=["ill_conditioned"])) == [
        f"bbob_f{k}" for k in (2, 10, 11, 12, 13, 14)
    ]
    weakly_structured = [f"bbob_f{k}" for k in range(20, 25)]  # COCO's group 5
    assert by_number(ebmcore.list_energies("bbob*", tags=["weakly_structured"])) == weakly_structured


def test_defaults_config_and_coco_id() -> None:
    m = ebmcore.create("bbob_f3")
    assert (m.dim, m.instance, m.config) == (2, 1, {"dim": 2, "instance": 1})
    m = ebmcore.create("bbob_f4", dim=20, instance=71)
    assert m.coco_id == "bbob_f004_i71_d20" and m.seed == 3 + 10000 * 71
    rebuilt = ebmcore.create(json.loads(json.dumps(m.spec)))
    x = torch.randn(5, 20, dtype=torch.float64)
    assert torch.equal(rebuilt(x), m(x))
    assert ebmcore.create("bbob_f1", dim=2, instance=123456).coco_id == "bbob_f001_i123456_d02"
    assert ebmcore.create("bbob_f1", dim=np.int64(3), instance=np.int64(2)).config == {
        "dim": 3,
        "instance": 2,
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"dim": 1},
            "Sphere: parameter 'dim' must be an integer >= 2 (BBOB scales coordinates by i / (dim - 1)",
        ),
        ({"dim": 2.0}, "parameter 'dim' must be an integer >= 2"),
        ({"dim": True}, "parameter 'dim' must be an integer >= 2"),
        (
            {"instance": 0},
            f"Sphere: parameter 'instance' must be an integer in [1, {2**31 - 1}] (COCO's instance",
        ),
        ({"instance": -3}, "parameter 'instance' must be an integer in [1, 2147483647]"),
        ({"instance": 2**31}, "got 2147483648"),
        ({"instance": 1.5}, "parameter 'instance' must be an integer in [1, 2147483647]"),
    ],
)
def test_bad_parameters_name_parameter_value_and_what_is_allowed(arguments: dict, message: str) -> None:
    with pytest.raises(ebmcore.InvalidParameterError) as error:
        ebmcore.create("bbob_f1", **arguments)
    assert message in str(error.value)
    assert error.value.parameter == next(iter(arguments))


def test_unknown_parameter_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="instance"):
        ebmcore.create("bbob_f1", dim=2, instanse=3)


def test_buffers_follow_dtype_and_device_ground_truth_stays_float64() -> None:
    m = ebmcore.create("bbob_f2", dim=5, instance=3)
    x = torch.randn(7, 5, dtype=torch.float64)
    expected = m(x)
    m32 = m.float()
    assert m32.x_opt.dtype == torch.float32 and m32.weights.dtype == torch.float32
    assert m32.minima.points.dtype == torch.float64 and isinstance(m32.f_opt, float)
    assert m32(x.float()).dtype == torch.float32
    torch.testing.assert_close(m32(x.float()).double(), expected, rtol=1e-4, atol=1e-3)
    assert set(dict(m.named_buffers())) == {"x_opt", "weights"}
    # vectors that follow from the dimension alone are buffers, but not state
    f4 = ebmcore.create("bbob_f4", dim=3)
    assert set(dict(f4.named_buffers())) == {"x_opt", "scales", "boosts"}
    assert set(f4.state_dict()) == {"x_opt", "scales"}
    assert f4.float().boosts.dtype == torch.float32 and f4.boosts.tolist() == [10.0, 1.0, 10.0]
    f15 = ebmcore.create("bbob_f15", dim=5)
    assert set(f15.state_dict()) == {"x_opt", "rotation", "folded"}
    torch.testing.assert_close(f15.asymmetry, 0.2 * torch.arange(5, dtype=torch.float64) / 4, rtol=0, atol=0)


def test_bounds_and_minima() -> None:
    for name in NAMES:
        m = ebmcore.create(name, dim=4, instance=9)
        assert torch.equal(m.bounds, torch.tensor([[-5.0] * 4, [5.0] * 4], dtype=torch.float64))
        assert m.minima.count == 1 and m.minima.value == m.f_opt == _coco.compute_f_opt(m.function, 9)
        assert torch.equal(m.minima.points[0], m.x_opt)
    assert BBOBFunction.declared_ground_truth() == ("bounds", "minima")


def test_optimum_adjustments_of_f4_and_f5() -> None:
    raw = _coco.instance(4, 7, 5).x_opt
    f4 = ebmcore.create("bbob_f4", dim=7, instance=5).minima.points[0].numpy()
    np.testing.assert_array_equal(f4[::2], np.abs(raw[::2]))
    np.testing.assert_array_equal(f4[1::2], raw[1::2])
    raw = _coco.instance(5, 7, 5).x_opt
    f5 = ebmcore.create("bbob_f5", dim=7, instance=5)
    np.testing.assert_array_equal(f5.minima.points[0].numpy(), 5.0 * np.sign(raw))
    np.testing.assert_allclose(f5.slopes.numpy(), np.sign(raw) * 10.0 ** (np.arange(7) / 6), rtol=1e-15)


def test_instance_data_is_cached_and_read_only() -> None:
    first = _coco.instance(3, 10, 4)
    assert _coco.instance(3, 10, 4) is first
    with pytest.raises(ValueError, match="read-only"):
        first.x_opt[0] = 0.0
    rotation = _coco.rotation(12345, 4)
    assert _coco.rotation(12345, 4) is rotation and not rotation.flags.writeable
