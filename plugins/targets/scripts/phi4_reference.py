r"""Reference values of <|M|> for the phi^4 benchmark of the SCLD paper, by Hamiltonian Monte Carlo.

The target is ``ebmcore.create("phi4", L=8, kappa=kappa, lam=0.022)`` (the hopping form of the
SCLD code, ``targets/phi4.py``), at the three points whose values that code states
(kappa = 0.2, 0.3, 0.5: <|M|> = 0.6239, 2.0870, 4.8298), with M the mean of the field over the
sites. For each point:

- ``--chains`` chains start from dispersed configurations: uniform fields of alternating sign
  and magnitudes spread from ``(v + 1) / 2`` to ``3 (v + 1) / 2`` (``v`` the minimizing uniform
  field of the model), plus unit white noise, so the chains begin in both sign sectors, far
  into the tails of |M| on either side. (Disordered starts are not used: at kappa >= 0.3 they
  fall into striped configurations, two domains of opposite sign, which carry no mass to speak
  of but which local moves take very long to leave; R-hat flags such chains.)
- HMC with the model's analytic gradient (``analytic_energy_and_gradient``), unit mass,
  leapfrog steps of size ``eps`` jittered uniformly by +-10% per chain and trajectory, and
  ``round(T / eps)`` steps for a trajectory length ``T`` (``--trajectory``);
- during the warm-up (discarded) ``eps`` is tuned by dual averaging (Hoffman & Gelman 2014)
  towards a mean acceptance probability of 0.8, then frozen;
- the |M| draws of all chains are judged with ``ebmcore._mcmc``: rank-normalized split
  R-hat, bulk and tail ESS and the Monte-Carlo standard error of the mean (Vehtari et al.
  2021).

Usage::

    python plugins/targets/scripts/phi4_reference.py            # the reference run, about 4 minutes
    python plugins/targets/scripts/phi4_reference.py --quick    # a short run (about 10 s)
    python plugins/targets/scripts/phi4_reference.py --json out.json

The values shipped as ``Phi4.reference_table()`` come from the default run (seed 0).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from ebmcore_targets import Phi4
from torch import Tensor

import ebmcore
from ebmcore import _mcmc

PUBLISHED = {0.2: 0.6239, 0.3: 2.0870, 0.5: 4.8298}
"""<|M|> as the SCLD code states it (``targets/phi4.py``: "reference vals obtained with HMC on
small volumes 8x8"), for lam = 0.022."""

TARGET_ACCEPTANCE = 0.8


@dataclass
class Estimate:
    """The mean of one observable over every draw, with its diagnostics (``ebmcore._mcmc``)."""

    mean: float
    stderr: float
    rhat: float
    ess_bulk: float
    ess_tail: float

    @classmethod
    def of(cls, draws: np.ndarray) -> Estimate:
        """From ``(chains, n)`` draws."""
        return cls(
            mean=float(draws.mean()),
            stderr=float(_mcmc.mcse_mean(draws)),
            rhat=float(_mcmc.rhat(draws)),
            ess_bulk=float(_mcmc.ess_bulk(draws)),
            ess_tail=float(_mcmc.ess_tail(draws)),
        )


@dataclass
class Result:
    """The outcome of one point: ``abs_magnetization`` is <|M|> with M the mean of the field over
    the sites; ``abs_field`` is <mean_x |phi(x)|>, the mean of the absolute field."""

    L: int
    kappa: float
    lam: float
    abs_magnetization: Estimate
    abs_field: Estimate
    step_size: float
    leapfrog_steps: int
    acceptance: float
    chains: int
    draws: int
    warmup: int
    sign_changes: int
    seconds: float
    published: float | None


def leapfrog(
    model: Phi4, x: Tensor, p: Tensor, eps: Tensor, steps: int, energy: Tensor, grad: Tensor
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``steps`` leapfrog steps of size ``eps`` (per chain, ``(C, 1, 1)``) from ``(x, p)``, whose
    energy and gradient are given; returns the end point, its momentum, energy and gradient."""
    p = p - 0.5 * eps * grad
    for step in range(steps):
        x = x + eps * p
        energy, grad = model.analytic_energy_and_gradient(x)
        p = p - (eps if step < steps - 1 else 0.5 * eps) * grad
    return x, p, energy, grad


def hmc_step(
    model: Phi4, x: Tensor, energy: Tensor, grad: Tensor, eps: float, steps: int, generator: torch.Generator
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """One HMC transition of every chain: the new states, their energies and gradients, and the
    acceptance probabilities."""
    chains = x.shape[0]
    jitter = 1.0 + 0.2 * (torch.rand(chains, 1, 1, generator=generator, dtype=x.dtype) - 0.5)
    p0 = torch.randn(x.shape, generator=generator, dtype=x.dtype)
    x1, p1, energy1, grad1 = leapfrog(model, x, p0, eps * jitter, steps, energy, grad)
    h0 = energy + 0.5 * (p0 * p0).sum((-2, -1))
    h1 = energy1 + 0.5 * (p1 * p1).sum((-2, -1))
    log_ratio = torch.nan_to_num(h0 - h1, nan=-math.inf)
    probability = torch.exp(log_ratio.clamp(max=0.0))
    accept = torch.rand(chains, generator=generator, dtype=x.dtype) < probability
    keep = accept[:, None, None]
    return (
        torch.where(keep, x1, x),
        torch.where(accept, energy1, energy),
        torch.where(keep, grad1, grad),
        probability,
    )


def run_point(
    L: int,
    kappa: float,
    lam: float,
    *,
    chains: int,
    warmup: int,
    draws: int,
    trajectory: float,
    seed: int,
) -> Result:
    """HMC for one (L, kappa, lam) point; the |M| draws judged by ebmcore._mcmc."""
    start = time.perf_counter()
    model = ebmcore.create("phi4", L=L, kappa=kappa, lam=lam)
    assert isinstance(model, Phi4)
    generator = torch.Generator().manual_seed(seed)
    # uniform fields of alternating sign and magnitudes spread over [(v + 1) / 2, 3 (v + 1) / 2],
    # plus white noise: dispersed, and each in one of the two sectors that hold the mass
    v = model.field_minimum
    magnitudes = torch.linspace(0.5 * (v + 1.0), 1.5 * (v + 1.0), chains, dtype=torch.float64)
    signs = torch.tensor([(-1.0) ** c for c in range(chains)], dtype=torch.float64)
    x = (signs * magnitudes)[:, None, None] + torch.randn(
        chains, L, L, generator=generator, dtype=torch.float64
    )
    energy, grad = model.analytic_energy_and_gradient(x)

    # warm-up: dual averaging of log eps towards the target acceptance (Hoffman & Gelman 2014)
    eps = 0.1
    mu, gamma, t0, decay = math.log(eps), 0.05, 10.0, 0.75  # mu at eps itself: no wild first steps
    error_sum, log_eps_bar = 0.0, 0.0
    for t in range(1, warmup + 1):
        steps = max(1, round(trajectory / eps))
        x, energy, grad, probability = hmc_step(model, x, energy, grad, eps, steps, generator)
        error_sum += TARGET_ACCEPTANCE - float(probability.mean())
        log_eps = mu - math.sqrt(t) / gamma * error_sum / (t + t0)
        weight = t ** (-decay)
        log_eps_bar = weight * log_eps + (1.0 - weight) * log_eps_bar
        eps = math.exp(log_eps)
    eps = math.exp(log_eps_bar)
    steps = max(1, round(trajectory / eps))

    magnetization = torch.empty(chains, draws, dtype=torch.float64)
    abs_field = torch.empty(chains, draws, dtype=torch.float64)
    accepted = 0.0
    for i in range(draws):
        x, energy, grad, probability = hmc_step(model, x, energy, grad, eps, steps, generator)
        accepted += float(probability.mean())
        magnetization[:, i] = model.magnetization(x)
        abs_field[:, i] = x.abs().mean((-2, -1))
    signs = np.sign(magnetization.numpy())
    return Result(
        L=L,
        kappa=kappa,
        lam=lam,
        abs_magnetization=Estimate.of(magnetization.abs().numpy()),
        abs_field=Estimate.of(abs_field.numpy()),
        step_size=eps,
        leapfrog_steps=steps,
        acceptance=accepted / draws,
        chains=chains,
        draws=draws,
        warmup=warmup,
        sign_changes=int((signs[:, 1:] != signs[:, :-1]).sum()),
        seconds=time.perf_counter() - start,
        published=PUBLISHED.get(kappa) if (L, lam) == (8, 0.022) else None,
    )


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (8 chains, 1200 draws each)")
    parser.add_argument("--L", type=int, default=8)
    parser.add_argument("--lam", type=float, default=0.022)
    parser.add_argument("--kappa", type=float, nargs="+", default=sorted(PUBLISHED))
    parser.add_argument("--chains", type=int, default=None, help="default 32 (8 with --quick)")
    parser.add_argument("--warmup", type=int, default=None, help="default 1000 (300 with --quick)")
    parser.add_argument("--draws", type=int, default=None, help="default 50000 (1200 with --quick)")
    parser.add_argument("--trajectory", type=float, default=2.0, help="HMC trajectory length T")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (small tensors: 1 is fastest)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    chains = args.chains or (8 if args.quick else 32)
    warmup = args.warmup or (300 if args.quick else 1000)
    draws = args.draws or (1200 if args.quick else 50_000)

    results = []
    print(f"phi4, L = {args.L}, lam = {args.lam}: {chains} chains x {draws} draws after {warmup} warm-up")
    print(
        f"{'kappa':>6} {'observable':>12} {'mean':>9} {'mcse':>8} {'R-hat':>6} {'ESS bulk':>9} "
        f"{'ESS tail':>9} {'SCLD':>7} {'z':>6}"
    )
    for index, kappa in enumerate(args.kappa):
        r = run_point(
            args.L,
            kappa,
            args.lam,
            chains=chains,
            warmup=warmup,
            draws=draws,
            trajectory=args.trajectory,
            seed=args.seed + index,
        )
        results.append(r)
        for name, e in (("<|M|>", r.abs_magnetization), ("<mean|phi|>", r.abs_field)):
            published = f"{r.published:7.4f}" if r.published is not None else "      -"
            z = f"{(e.mean - r.published) / e.stderr:6.1f}" if r.published is not None else "     -"
            print(
                f"{r.kappa:6.3f} {name:>12} {e.mean:9.5f} {e.stderr:8.6f} {e.rhat:6.4f} {e.ess_bulk:9.0f} "
                f"{e.ess_tail:9.0f} {published} {z}"
            )
        print(
            f"{'':6} step size {r.step_size:.4f} x {r.leapfrog_steps} steps, acceptance {r.acceptance:.3f}, "
            f"{r.sign_changes} sign changes of M, {r.seconds:.1f} s",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump([asdict(r) for r in results], handle, indent=2)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
