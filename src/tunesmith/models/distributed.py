"""Data-parallel training across processes (``torchrun``, gloo on CPU) for the training loops that
do not go through ``DistributedDataParallel``'s forward (the polyphonic model's BPTT chunks, the
GAN's alternating critic and generator steps).

Every rank starts from rank 0's weights, trains on its own share of the batches, and before each
optimiser step the gradients are summed over the ranks and divided by the total weight (frames,
examples) of the step, so each step applies the gradient of the whole global batch and the replicas
stay identical. A rank that has no data for a step still takes part (zero gradient, zero weight), so
every rank makes the same collective calls in the same order.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterable, Sequence
from typing import TypeVar

import torch
from torch import nn

T = TypeVar("T")


def rank_and_world() -> tuple[int, int]:
    """(rank, world size), joining a gloo process group when started by torchrun (WORLD_SIZE > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("gloo")
        # Leave the group before the interpreter exits: gloo's threads still running at exit abort
        # the process ("terminate called without an active exception") after a finished run.
        atexit.register(_leave_group)
    return dist.get_rank(), dist.get_world_size()


def _leave_group() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()


def broadcast_parameters(module: nn.Module) -> None:
    """Give every rank rank 0's weights and buffers."""
    import torch.distributed as dist

    with torch.no_grad():
        for tensor in [*module.parameters(), *module.buffers()]:
            dist.broadcast(tensor.data, src=0)


def sync_gradients(params: Iterable[nn.Parameter], weight: float) -> float:
    """Turn each rank's summed gradients into the mean gradient of the global batch: sum over the
    ranks, divide by the summed ``weight``; returns that total weight (0: nobody had data)."""
    import torch.distributed as dist

    params = list(params)
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads] + [torch.tensor([float(weight)], dtype=grads[0].dtype)])
    dist.all_reduce(flat)
    total = float(flat[-1])
    offset = 0
    for p, g in zip(params, grads, strict=True):
        size = g.numel()
        p.grad = (flat[offset : offset + size] / max(total, 1e-12)).view_as(p).clone()
        offset += size
    return total


def global_max(value: int) -> int:
    import torch.distributed as dist

    t = torch.tensor([value], dtype=torch.int64)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return int(t.item())


def share(items: Sequence[T], rank: int, world: int) -> list[T]:
    """This rank's share of ``items``: every rank gets the same count (the remainder is dropped,
    so no rank waits on a step the others never take); all of it when alone."""
    if world <= 1:
        return list(items)
    usable = len(items) - len(items) % world
    if usable == 0:
        return list(items[:1])
    return list(items[:usable][rank::world])


def barrier(world: int) -> None:
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
