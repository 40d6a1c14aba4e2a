"""The main job of `make demo`: list the catalog, then evaluate a few energies on a batch."""

from __future__ import annotations

import subprocess
import sys

import ebmcore


def main() -> None:
    print("== the catalog (`ebmcore list`) ==")
    subprocess.run([sys.executable, "-m", "ebmcore", "list"], check=True)

    import torch

    generator = torch.Generator().manual_seed(0)
    print("\n== energy and gradient on a batch of 10,000 points (float64) ==")
    rows = []
    for name, kwargs in [
        ("gaussian", {"dim": 10}),
        ("double_well", {"dim": 10, "barrier_height": 2.0}),
        ("rosenbrock", {"dim": 10}),
    ]:
        model = ebmcore.create(name, **kwargs)
        x = torch.randn(10_000, model.dim, generator=generator, dtype=torch.float64)
        energy, grad = model.energy_and_gradient(x)
        path = ebmcore.resolve_backend(model, x)
        minimum = model.minima.value if model.minima is not None else float("nan")
        rows.append((name, str(kwargs), energy.mean().item(), grad.norm(dim=-1).mean().item(), minimum, path))
    header = f"{'energy':<12} {'parameters':<40} {'mean E':>12} {'mean |grad|':>12} {'min E':>6}  path"
    print(header)
    print("-" * len(header))
    for name, params, mean_e, mean_g, minimum, path in rows:
        print(f"{name:<12} {params:<40} {mean_e:>12.4f} {mean_g:>12.4f} {minimum:>6.1f}  {path}")

    print("\n== sampling targets: 10,000 exact samples against the declared ground truth ==")
    header = f"{'target':<10} {'dim':>4} {'log Z':>10} {'stddev[0]':>10} {'sample sd[0]':>12} {'modes':>6}"
    print(header)
    print("-" * len(header))
    for name in ("funnel", "banana", "many_well", "gmm40"):
        model = ebmcore.create(name)
        x = model.sample(10_000, generator=generator)
        modes = model.modes.count if model.modes is not None else 1
        print(
            f"{name:<10} {model.dim:>4} {model.log_partition():>10.4f} {model.stddev[0].item():>10.4f} "
            f"{x[:, 0].std().item():>12.4f} {modes:>6}"
        )

    print("\n== judging a sampler: 64 short unadjusted Langevin chains on gmm40 ==")
    # x <- x - h grad E(x) + sqrt(2h) noise, from uniform starts over the box; no Metropolis
    # correction and 1,000 steps: each chain stays in the basin it fell into, so the mode masses
    # follow the basins' sizes rather than the mixture weights, and R-hat says the chains disagree.
    model = ebmcore.create("gmm40")
    low, high = model.bounds
    x = low + (high - low) * torch.rand(64, model.dim, generator=generator, dtype=model.dtype)
    step, kept = 0.05, []
    for i in range(1000):
        _, grad = model.energy_and_gradient(x)
        x = x - step * grad + (2 * step) ** 0.5 * torch.randn(x.shape, generator=generator, dtype=x.dtype)
        if i >= 500 and i % 5 == 0:
            kept.append(x)
    print(ebmcore.evaluate(model, torch.stack(kept, 1)))


if __name__ == "__main__":
    main()
