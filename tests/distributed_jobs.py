"""Jobs that ``test_distributed.py`` runs as a script in a fresh interpreter.

They live in a file of their own because ``torch.multiprocessing`` (spawn) re-imports the main
module in each worker, which a pytest test module cannot be. Usage::

    python tests/distributed_jobs.py OUT_DIR

spawns two workers (``torch.multiprocessing``, start method spawn) which each evaluate every
registered energy (received pickled, and rebuilt from its spec) on their shard of a batch, then
train a small neural energy together under DistributedDataParallel (gloo, CPU). It prints one
JSON line with its findings; tensors travel through files read back with
``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

import ebmcore
from ebmcore import constraints

WORLD = 2
STEPS = 5
SIGMA = 0.3
BATCH = 16  # per rank


class MLPEnergy(ebmcore.BaseModel):
    """A small neural energy, E(x) = MLP(x), for the training test."""

    arg_constraints = {"dim": constraints.positive_integer, "hidden": constraints.positive_integer}

    def __init__(self, dim: int = 2, hidden: int = 16) -> None:
        super().__init__(dim, dim=dim, hidden=hidden)
        self.net = nn.Sequential(
            nn.Linear(dim, hidden),
            nn.Softplus(),
            nn.Linear(hidden, hidden),
            nn.Softplus(),
            nn.Linear(hidden, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(-1)


def neural_energy(seed: int) -> tuple[ebmcore.BaseModel, str]:
    """The registry's ``mlp`` energy where a plugin provides it, else :class:`MLPEnergy`."""
    torch.manual_seed(seed)
    if "mlp" in ebmcore.list_energies():
        try:
            return ebmcore.create("mlp", dim=2).double(), "mlp"
        except (ebmcore.EbmcoreError, TypeError, ValueError):
            torch.manual_seed(seed)
    return MLPEnergy(dim=2).double(), "MLPEnergy"


class DenoisingScoreMatching(nn.Module):
    """DSM loss as a module, so that DistributedDataParallel sees one forward per step.

    The model's score at the noisy point should match the score of the noise kernel,
    ``-(x_noisy - x) / sigma**2``; scaled by ``sigma**2`` the loss is ``|sigma grad E + eps|^2 / 2``
    with ``grad E`` from ``model.gradient(x, create_graph=True)``.
    """

    def __init__(self, energy: ebmcore.BaseModel) -> None:
        super().__init__()
        self.energy = energy

    def forward(self, x: Tensor, eps: Tensor) -> Tensor:
        grad = self.energy.gradient(x + SIGMA * eps, create_graph=True)
        return 0.5 * (SIGMA * grad + eps).square().sum(-1).mean()


def batch(step: int, rank: int) -> tuple[Tensor, Tensor]:
    """Data of one rank at one step: two Gaussian blobs, and the noise."""
    generator = torch.Generator().manual_seed(1000 * step + rank)
    centres = torch.tensor([[-2.0, 0.0], [2.0, 0.0]], dtype=torch.float64)
    pick = torch.randint(0, 2, (BATCH,), generator=generator)
    x = centres[pick] + 0.5 * torch.randn(BATCH, 2, generator=generator, dtype=torch.float64)
    return x, torch.randn(BATCH, 2, generator=generator, dtype=torch.float64)


def train(model: nn.Module, batches: Any) -> None:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for x, eps in batches:
        loss = model(x, eps)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def worker(rank: int, models: list[ebmcore.BaseModel], x: Tensor, out: str) -> None:
    evaluate_shard(rank, models, x, out)
    train_shard(rank, out)


def train_shard(rank: int, out: str) -> None:
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    dist.init_process_group("gloo", init_method=f"file://{out}/rendezvous", rank=rank, world_size=WORLD)
    # a different initialization on each rank: DDP must broadcast rank 0's
    energy, source = neural_energy(seed=rank)
    # find_unused_parameters: the output bias of an energy (an additive constant) has no effect
    # on its gradient, so score matching gives it no gradient at all
    model = DistributedDataParallel(DenoisingScoreMatching(energy), find_unused_parameters=True)
    train(model, (batch(step, rank) for step in range(STEPS)))
    torch.save({k: v.detach() for k, v in energy.state_dict().items()}, f"{out}/rank{rank}.pt")
    with open(f"{out}/rank{rank}.json", "w") as f:
        json.dump({"source": source}, f)
    # both ranks done before either tears the group down: a rank destroying it while the other
    # still talks to it made gloo abort the process now and then ("terminate called ...")
    dist.barrier()
    dist.destroy_process_group()


def check_training(out: str) -> dict[str, Any]:
    states = [torch.load(f"{out}/rank{r}.pt", weights_only=True) for r in range(WORLD)]
    # the same training in one process on the whole batch (both ranks' halves): the mean of
    # the two half-batch means is the whole-batch mean, so DDP's averaged gradients match it
    reference, source = neural_energy(seed=0)
    initial = {k: v.clone() for k, v in reference.state_dict().items()}
    whole = (
        tuple(torch.cat(parts) for parts in zip(*(batch(step, r) for r in range(WORLD)), strict=True))
        for step in range(STEPS)
    )
    train(DenoisingScoreMatching(reference), whole)
    expected = reference.state_dict()

    def gap(a: dict[str, Tensor], b: dict[str, Tensor]) -> float:
        return max((a[k] - b[k]).abs().max().item() for k in a)

    return {
        "source": source,
        "sources": [json.loads(Path(f"{out}/rank{r}.json").read_text())["source"] for r in range(WORLD)],
        "ranks_gap": gap(states[0], states[1]),
        "reference_gap": gap(states[0], expected),
        "moved": gap(states[0], initial),
        "scale": max(v.abs().max().item() for v in expected.values()),
    }


def _points(shard: Tensor, model: ebmcore.BaseModel) -> Tensor:
    """The first ``model.dim`` columns of ``shard``, in the model's event shape ((L, L) for a lattice)."""
    return shard[..., : model.dim].reshape(*shard.shape[:-1], *model.event_shape)


def evaluate_shard(rank: int, models: list[ebmcore.BaseModel], x: Tensor, out: str) -> None:
    """Evaluate pickled models and models rebuilt from their spec on this rank's shard of x."""
    shard = x.chunk(WORLD)[rank]
    results: dict[str, Tensor] = {}
    for i, model in enumerate(models):
        rebuilt = ebmcore.create(model.spec)
        rebuilt.load_state_dict(model.state_dict())
        for tag, m in (("pickled", model), ("rebuilt", rebuilt)):
            points = _points(shard, m).to(torch.float64)
            energy, grad = m.energy_and_gradient(points)
            results[f"{i}/{tag}/energy"] = energy
            results[f"{i}/{tag}/gradient"] = grad
    torch.save(results, f"{out}/eval{rank}.pt")


def run(out: str) -> dict[str, Any]:
    models, skipped = [], []
    for name in ebmcore.list_energies():
        try:
            models.append(ebmcore.create(name))
        except (ebmcore.EbmcoreError, TypeError, ValueError):
            skipped.append(name)
    width = max(m.dim for m in models)
    x = torch.randn(2 * WORLD, 3, width, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    mp.spawn(worker, args=(models, x, out), nprocs=WORLD, join=True)
    parts = [torch.load(f"{out}/eval{r}.pt", weights_only=True) for r in range(WORLD)]
    mismatches = []
    for i, model in enumerate(models):
        # the reference evaluates the same shards: a BLAS product (an MLP's) may round a row
        # differently depending on how many rows it is given, which is not what this checks
        ref = [model.energy_and_gradient(_points(shard, model)) for shard in x.chunk(WORLD)]
        energy, grad = (torch.cat(parts) for parts in zip(*ref, strict=True))
        for tag in ("pickled", "rebuilt"):
            got_e = torch.cat([p[f"{i}/{tag}/energy"] for p in parts])
            got_g = torch.cat([p[f"{i}/{tag}/gradient"] for p in parts])
            if not (torch.equal(got_e, energy) and torch.equal(got_g, grad)):
                mismatches.append(f"{model.registry_name} ({tag})")
    return {
        "checked": [m.registry_name for m in models],
        "skipped": skipped,
        "mismatches": mismatches,
        **check_training(out),
    }


def main(argv: list[str]) -> int:
    (out,) = argv
    print(json.dumps(run(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
