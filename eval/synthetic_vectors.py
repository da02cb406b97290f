"""Seeded synthetic embedding catalogs for retrieval benchmarks: clustered, normalised, made in blocks.

Uniform random unit vectors are a misleading worst case for approximate search: in 384 dimensions all
their distances are nearly equal, so no index can tell neighbours apart cheaply. Sentence embeddings
are clustered (categories, brands, styles) and vary along few directions, which is what IVF and HNSW
exploit. So items are a Gaussian mixture around random unit centres, with noise whose variance falls
off along a random basis (a power law), then normalised. At the Myntra size (12.5k) these defaults
are harder than Myntra's MiniLM embeddings for IVF at every nprobe and about as hard for HNSW, so
the synthetic numbers err on the pessimistic side.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

BLOCK = 10_000  # vectors drawn per seeded block: the data never depends on how callers chunk it


@dataclass(frozen=True)
class SyntheticSpec:
    """The shape of a synthetic catalog."""

    count: int
    dim: int = 384
    clusters: int = 1000
    spread: float = 1.0  # noise norm relative to a unit centre (cosine to the centre ~ 1/sqrt(1+s^2))
    decay: float = 0.5  # power-law exponent of the noise spectrum
    seed: int = 0

    def describe(self) -> str:
        """One line for reports."""
        return (
            f"Gaussian mixture around {self.clusters} random unit centres (uneven sizes), noise of norm "
            f"{self.spread} with a power-law spectrum (exponent {self.decay}) in a random basis, "
            f"L2-normalised, {self.dim} dims, seed {self.seed}. Clustered because sentence embeddings are: "
            "uniform random vectors would be a misleading worst case for approximate search"
        )


@dataclass(frozen=True)
class SyntheticVectors:
    """A fixed mixture: centres, their weights and the noise basis, drawn from the spec's seed."""

    spec: SyntheticSpec
    centres: np.ndarray
    weights: np.ndarray
    noise: np.ndarray  # dim x dim: scaled rows of a random orthonormal basis

    @classmethod
    def of(cls, spec: SyntheticSpec) -> SyntheticVectors:
        """Draw the mixture of a spec."""
        rng = np.random.default_rng([spec.seed, 0])
        centres = _unit(rng.standard_normal((spec.clusters, spec.dim)))
        weights = rng.lognormal(0.0, 1.0, spec.clusters)
        basis, _ = np.linalg.qr(rng.standard_normal((spec.dim, spec.dim)))
        scales = np.arange(1, spec.dim + 1, dtype=np.float64) ** -spec.decay
        scales *= spec.spread / np.sqrt(np.sum(scales**2))
        noise = (scales[:, None] * basis.T).astype(np.float32)
        return cls(spec, centres.astype(np.float32), weights / weights.sum(), noise)

    def block(self, number: int) -> np.ndarray:
        """Catalog block `number` (BLOCK rows, fewer at the end)."""
        size = min(BLOCK, self.spec.count - number * BLOCK)
        return self._draw(np.random.default_rng([self.spec.seed, 1, number]), size)

    def chunks(self, first: int, size: int) -> Iterator[np.ndarray]:
        """The whole catalog in order, as a chunk of `first` rows and then chunks of `size` rows."""
        want, pending, done = max(first, 1), [], 0
        for number in range(-(-self.spec.count // BLOCK)):
            pending.append(self.block(number))
            done += len(pending[-1])
            if sum(len(p) for p in pending) >= want or done == self.spec.count:
                yield np.concatenate(pending) if len(pending) > 1 else pending[0]
                pending, want = [], max(size, 1)

    def queries(self, n: int) -> np.ndarray:
        """Held-out vectors from the same mixture (never part of the catalog)."""
        return self._draw(np.random.default_rng([self.spec.seed, 2]), n)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        which = rng.choice(len(self.centres), size=n, p=self.weights)
        z = rng.standard_normal((n, self.spec.dim), dtype=np.float32)
        return _unit(self.centres[which] + z @ self.noise)


def _unit(x: np.ndarray) -> np.ndarray:
    out = np.asarray(x, dtype=np.float32)
    return np.ascontiguousarray(out / np.linalg.norm(out, axis=1, keepdims=True))
