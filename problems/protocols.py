"""Validation protocols: how the validation loss is estimated on the training part.

The outer train/test split (``test_fraction``, seeded by ``(seed, problem, "split")``) is the
same for every protocol of a seed, so test losses are comparable across protocols (common
random numbers). A protocol only decides the *inner* splits of the training part that give
``val_loss``. Names (portable across suites; parsed by :meth:`Protocol.parse`):

* ``holdout-<f>``: one split, a share ``f`` of the training part held out for validation;
* ``cv-<k>``: k-fold CV (stratified for classification); ``cv-3`` is what a suite with
  ``folds = 3`` has always used, with bit-identical folds;
* ``repeated-cv-<k>x<r>``: k-fold CV repeated ``r`` times with different shuffles;
* ``reshuffled-holdout-<f>`` / ``reshuffled-cv-<k>``: a new inner split for every
  configuration (Nagler et al. 2024), drawn from ``derive_seed(seed, problem, "inner",
  <canonical configuration JSON>)``. The same configuration therefore gets the same split in
  every strategy, every cell order and for any number of worker processes.

Fixed protocols seed their inner splits with ``(seed, problem, "cv")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import (
    KFold,
    RepeatedKFold,
    RepeatedStratifiedKFold,
    StratifiedKFold,
    train_test_split,
)

from tunebench.problems.base import derive_seed

_PATTERN = re.compile(
    r"^(?P<reshuffled>reshuffled-)?(?:"
    r"holdout-(?P<fraction>0?\.\d+)"
    r"|(?P<repeated>repeated-)?cv-(?P<k>\d+)(?:x(?P<r>\d+))?)$"
)

#: Inner split: (fit rows, score rows), as row indices into the dataset.
InnerSplit = tuple[np.ndarray, np.ndarray]


class ProtocolError(ValueError):
    """A protocol name that does not parse; the message lists the valid patterns."""


VALID = ("holdout-<fraction>", "cv-<k>", "repeated-cv-<k>x<r>", "reshuffled-holdout-<fraction>",
         "reshuffled-cv-<k>")


@dataclass(frozen=True)
class Protocol:
    """An inner validation protocol: holdout or (repeated) k-fold CV, fixed or reshuffled."""

    kind: str  # "holdout" or "cv"
    fraction: float = 0.0  # holdout: share of the training part used for validation
    k: int = 0  # cv: number of folds
    repeats: int = 1  # cv: number of repetitions
    reshuffled: bool = False

    @classmethod
    def parse(cls, name: str) -> Protocol:
        """The protocol called ``name`` (raises :class:`ProtocolError` with the patterns)."""
        m = _PATTERN.match(name) if isinstance(name, str) else None
        if m is None:
            raise ProtocolError(f"unknown protocol {name!r}; valid patterns: {', '.join(VALID)}"
                                " (e.g. 'holdout-0.2', 'cv-5', 'repeated-cv-5x3')")
        reshuffled = m["reshuffled"] is not None
        if m["fraction"] is not None:
            fraction = float(m["fraction"])
            if not 0 < fraction < 1:
                raise ProtocolError(f"protocol {name!r}: the holdout fraction must be in (0, 1)")
            return cls("holdout", fraction=fraction, reshuffled=reshuffled)
        k, repeated, r = int(m["k"]), m["repeated"] is not None, m["r"]
        if repeated != (r is not None) or (repeated and reshuffled):
            raise ProtocolError(f"unknown protocol {name!r}; valid patterns: {', '.join(VALID)}")
        repeats = int(r) if r is not None else 1
        if k < 2 or repeats < 1:
            raise ProtocolError(f"protocol {name!r}: needs k >= 2 folds and >= 1 repeat")
        return cls("cv", k=k, repeats=repeats, reshuffled=reshuffled)

    @classmethod
    def from_folds(cls, folds: int) -> Protocol:
        """The protocol a suite's legacy ``folds`` key means: ``cv-<folds>``."""
        return cls("cv", k=int(folds))

    @property
    def name(self) -> str:
        """The canonical name; ``parse(p.name) == p``. ``cv-3`` for 3-fold CV (the key of the
        reference tables)."""
        prefix = "reshuffled-" if self.reshuffled else ""
        if self.kind == "holdout":
            return f"{prefix}holdout-{self.fraction:g}"
        if self.repeats > 1:
            return f"repeated-cv-{self.k}x{self.repeats}"
        return f"{prefix}cv-{self.k}"

    @property
    def n_inner(self) -> int:
        """Inner fits per evaluation (the validation estimate's cost)."""
        return 1 if self.kind == "holdout" else self.k * self.repeats

    @property
    def fits_per_evaluation(self) -> int:
        """Model fits per evaluation: the inner fits plus one refit on the whole training
        part for the test loss (holdout: 1 + 1, cv-5: 5 + 1, repeated-cv-5x3: 15 + 1)."""
        return self.n_inner + 1

    def inner_seed(self, seed: int, problem: str, config_key: str | None = None) -> int:
        """The seed of the inner splits: per (seed, problem) for fixed protocols, per
        (seed, problem, configuration) for reshuffled ones."""
        if self.reshuffled:
            if config_key is None:
                raise ValueError(f"{self.name} draws a split per configuration: "
                                 "pass config_key (the canonical configuration JSON)")
            return derive_seed(seed, problem, "inner", config_key)
        return derive_seed(seed, problem, "cv")

    def inner_splits(self, train_idx: np.ndarray, y: np.ndarray, seed: int, problem: str,
                     config_key: str | None = None, *, stratify: bool = False
                     ) -> list[InnerSplit]:
        """The inner (fit, score) row indices of the training part ``train_idx``.

        ``y`` holds the labels of every row of the dataset (indexed by ``train_idx``);
        ``stratify`` keeps class proportions (classification).
        """
        rs = self.inner_seed(seed, problem, config_key)
        y_train = y[train_idx]
        if self.kind == "holdout":
            fit, score = train_test_split(np.arange(len(train_idx)), test_size=self.fraction,
                                          random_state=rs,
                                          stratify=y_train if stratify else None)
            return [(train_idx[fit], train_idx[score])]
        if self.repeats > 1:
            cls = RepeatedStratifiedKFold if stratify else RepeatedKFold
            cv = cls(n_splits=self.k, n_repeats=self.repeats, random_state=rs)
        else:
            cls = StratifiedKFold if stratify else KFold
            cv = cls(n_splits=self.k, shuffle=True, random_state=rs)
        return [(train_idx[a], train_idx[b]) for a, b in cv.split(train_idx, y_train)]


def protocol_of(name: Protocol | str | None, folds: int) -> Protocol:
    """``name`` itself when it is a :class:`Protocol`, the protocol it names when it is a
    string, or ``cv-<folds>`` when it is None."""
    if isinstance(name, Protocol):
        return name
    return Protocol.from_folds(folds) if name is None else Protocol.parse(name)


__all__ = ["VALID", "InnerSplit", "Protocol", "ProtocolError", "protocol_of"]
