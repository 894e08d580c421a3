"""One strategy, one look: colour, line style and marker fixed by the strategy catalogue.

Every built-in strategy has its own colour, chosen once from colour-blind-safe sets
(seaborn's "colorblind", which is Okabe-Ito's palette, plus Paul Tol's "muted" set) and
never derived from which strategies a run contains, so a strategy looks the same in every
figure of every report. A plug-in strategy gets a colour from Tol's "light" set (disjoint
from the built-ins' colours) picked by a hash of its name: stable across runs and
machines. The line style and marker follow the strategy's family, so figures also read
in grey.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunebench.benchmarks.store.manifest_types import Manifest

#: Fixed colours of the built-in strategies (hex); tests check every built-in has one.
BUILTIN_COLOURS: dict[str, str] = {
    # random-like: random search is the reference point, in black
    "random": "#000000", "optuna-random": "#949494", "hyperopt-random": "#ca9161",
    "optuna-qmc": "#56b4e9",
    # baselines
    "grid": "#999933", "defaults": "#882255",
    # model-based
    "optuna-tpe": "#0173b2", "hyperopt-tpe": "#de8f05", "optuna-gp": "#029e73",
    "skopt-gp": "#cc78bc", "skopt-rf": "#44aa99", "skopt-et": "#332288",
    "skopt-gbrt": "#cc6677",
    # evolutionary and local search
    "optuna-cmaes": "#d55e00", "optuna-ga": "#117733", "hyperopt-anneal": "#aa4499",
    # multi-fidelity (Tol's "vibrant" and "dark" shades)
    "optuna-tpe-hyperband": "#0077bb", "optuna-random-hyperband": "#33bbee",
    "optuna-tpe-successive-halving": "#009988", "optuna-random-successive-halving": "#666633",
    "smac-hyperband": "#225555",
    # nevergrad's evolutionary optimisers
    "nevergrad-de": "#ee7733", "nevergrad-pso": "#cc3311", "nevergrad-oneplusone": "#ee3377",
    "nevergrad-ngopt": "#663333",
}
#: Paul Tol's "light" set: plug-in colours, disjoint from :data:`BUILTIN_COLOURS`.
PLUGIN_COLOURS = ("#77aadd", "#99ddff", "#44bb99", "#bbcc33", "#aaaa00", "#eedd88",
                  "#ee8866", "#ffaabb", "#dddddd")
#: Line style and marker per family (figures read in grey).
FAMILY_STYLES: dict[str, tuple[object, str]] = {
    "random-like": ((0, (1, 1.5)), "o"),
    "baseline": ((0, (6, 2, 1, 2)), "s"),
    "model-based": ("-", "^"),
    "evolutionary": ((0, (4, 2)), "D"),
    "other": ((0, (8, 2, 1, 2, 1, 2)), "P"),
}


@dataclass(frozen=True)
class Style:
    """How one strategy is drawn: colour (hex), line style, marker and its family."""

    colour: str
    linestyle: object
    marker: str
    family: str

    def line_kwargs(self) -> dict[str, object]:
        """Keyword arguments for ``Axes.plot``."""
        return {"color": self.colour, "linestyle": self.linestyle, "marker": self.marker,
                "markersize": 3.5, "markevery": 0.2}


def colour_of(strategy: str) -> str:
    """The fixed colour of a built-in, or a stable hash-picked plug-in colour."""
    if strategy in BUILTIN_COLOURS:
        return BUILTIN_COLOURS[strategy]
    digest = hashlib.sha256(strategy.encode("utf-8")).digest()
    return PLUGIN_COLOURS[int.from_bytes(digest[:4], "big") % len(PLUGIN_COLOURS)]


def builtin_family(strategy: str) -> str:
    """The family a built-in declares, or "other" for a name that is not built in."""
    from tunebench.strategies.base import family_of
    from tunebench.strategies.registry import BUILTINS

    return family_of(BUILTINS[strategy]) if strategy in BUILTINS else "other"


def styles(strategies: Iterable[str], families: Mapping[str, str] | None = None
           ) -> dict[str, Style]:
    """Styles for ``strategies``; ``families`` (e.g. from the manifest) override the
    built-ins' declared families. A strategy's style never depends on the others listed."""
    families = families or {}
    out = {}
    for s in strategies:
        fam = families.get(s) or builtin_family(s)
        linestyle, marker = FAMILY_STYLES.get(fam, FAMILY_STYLES["other"])
        out[s] = Style(colour_of(s), linestyle, marker, fam if fam in FAMILY_STYLES else "other")
    return out


def families_from_manifests(manifests: Iterable[Manifest]) -> dict[str, str]:
    """Strategy -> family as recorded in run manifests (runs before it was recorded: none)."""
    out: dict[str, str] = {}
    for m in manifests:
        for name, entry in m.strategies.items():
            if entry.family:
                out[name] = str(entry.family)
    return out


def summary_styles(s: Any) -> dict[str, Style]:
    """The style of every strategy of a :class:`~benchmarks.analysis.summary.Summary`,
    by family (from its runs' manifests)."""
    return styles(s.strategies, families_from_manifests(s.manifests))
