"""BM25F: inverse document frequency, term-frequency saturation and length normalisation,
in one place.

    idf(df)            = ln(1 + (N - df + 0.5) / (df + 0.5))
    length norm  (d,f) = 1 - b + b * length(d, f) / mean length(f)
    pseudo-frequency   = sum over fields f of weight(f) * tf(d, f) / length norm(d, f)
    score              = boost * idf * pseudo * (k1 + 1) / (pseudo + k1)

A one-field term (`nodes.Term`) is plain BM25: ``boost * idf * tf * (k1 + 1) / (tf + k1 *
norm)``, which is the same formula with the field's weight 1. docs/relevance.md has the
measurements behind k1 and b; tests/test_scoring.py checks each part by hand on a tiny index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

K1 = 1.0  # term-frequency saturation (docs/relevance.md: 1.2, Lucene's, ranked lower)
B = 0.75  # length normalisation


@dataclass(frozen=True)
class BM25F:
    k1: float = K1
    b: float = B

    def idf(self, document_frequency: int, documents: int) -> float:
        """Rarer terms weigh more; never negative, even for a term in every document.

        >>> round(BM25F().idf(1, 3), 4), round(BM25F().idf(3, 3), 4)
        (0.9808, 0.1335)
        """
        df = document_frequency
        return math.log(1.0 + (documents - df + 0.5) / (df + 0.5))

    def length_norm(self, lengths: np.ndarray, mean: float) -> np.ndarray:
        """Above 1 for documents longer than the mean field length, below 1 for shorter."""
        return 1.0 - self.b + self.b * lengths / mean

    def term(self, tf: np.ndarray, lengths: np.ndarray, mean: float, scale: float) -> np.ndarray:
        """BM25 of one field; ``scale`` is boost times idf."""
        norm = self.k1 * self.length_norm(lengths, mean)
        return scale * tf * (self.k1 + 1.0) / (tf + norm)

    def pseudo_frequency(
        self, tf: np.ndarray, lengths: np.ndarray, mean: float, weight: float
    ) -> np.ndarray:
        """One field's share of a BM25F frequency: weighted and length-normalised."""
        return weight * tf / self.length_norm(lengths, mean)

    def saturate(self, pseudo: np.ndarray, scale: float) -> np.ndarray:
        """The BM25F score of summed pseudo-frequencies; ``scale`` is boost times idf."""
        return scale * pseudo * (self.k1 + 1.0) / (pseudo + self.k1)
