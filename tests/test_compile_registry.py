"""The registry's per-plugin alias check (kept linear in the catalog size for large installs)."""

from __future__ import annotations

from ebmcore._registry import PluginInfo, Registry
from ebmcore.plugin import EnergySpec


def _spec(name: str, *aliases: str) -> EnergySpec:
    return EnergySpec(name, "ebmcore_analytic._rosenbrock:Rosenbrock", aliases=aliases)


def test_alias_repeating_a_name_of_the_same_plugin_is_a_problem() -> None:
    registry = Registry("ebmcore-test-no-group")
    one, two = PluginInfo("one", "one._hooks"), PluginInfo("two", "two._hooks")
    own_one: set[str] = set()
    own_two: set[str] = set()
    assert registry._add_spec(one, _spec("alpha", "a1"), own_one) is not None
    assert registry._add_spec(one, _spec("beta", "alpha"), own_one) is None  # alias = own energy name
    assert registry._add_spec(one, _spec("gamma", "a1"), own_one) is None  # alias = own alias
    assert registry._add_spec(one, _spec("delta", "delta"), own_one) is None  # alias = its own name
    assert [p.split(" of ")[0] for p in one.problems] == [
        "alias 'alpha'",
        "alias 'a1'",
        "alias 'delta'",
    ]
    # another plugin may use the same names and aliases: both stay reachable by qualified name
    assert registry._add_spec(two, _spec("beta", "alpha", "a1"), own_two) is not None
    assert two.problems == []
    assert one.energies == ["one/alpha"] and two.energies == ["two/beta"]
    assert sorted(registry._names["alpha"]) == ["one/alpha", "two/beta"]


def test_many_plugins_register_every_energy() -> None:
    registry = Registry("ebmcore-test-no-group")
    for i in range(50):
        plugin = PluginInfo(f"p{i}", f"p{i}._hooks")
        own: set[str] = set()
        for k in range(20):
            registry._add_spec(plugin, _spec(f"p{i}_e{k}", f"p{i}_alias{k}"), own)
        assert plugin.problems == [] and len(plugin.energies) == 20
    assert len(registry._entries) == 1000 and len(registry._names) == 2000
