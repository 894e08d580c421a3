"""The manifest as typed data: what a run recorded about its suite, strategies, problems and
environment, read once from ``manifest.json`` and passed on as objects.

:class:`Manifest` is what :meth:`~tunebench.benchmarks.store.rundir.RunDir.read_manifest`
returns and :meth:`~tunebench.benchmarks.store.rundir.RunDir.write_manifest` takes. It is
frozen: a run's end is recorded with :meth:`Manifest.finished`, a resume's restart with
:meth:`Manifest.restarted`.

Reading is tolerant and writing is exact: keys another tunebench version wrote are kept in
``extra`` and written back, a key absent from the file stays absent, so
``Manifest.from_dict(d).to_dict() == d`` for every manifest this version or an earlier one of
the same format wrote (tested on the shipped archives).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any, ClassVar

from tunebench.benchmarks.plan.suite import Suite

_BOOKKEEPING = ("extra", "absent")


def _plain(value: Any) -> Any:
    """JSON-ready: tuples become lists, nested entries their dicts."""
    if isinstance(value, _Entry):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class _Entry:
    """Shared reading and writing of one JSON object: known keys become fields, unknown
    ones go to ``extra``, keys the file lacked are remembered in ``absent``."""

    #: Field name -> stored key, where they differ (``class`` is a Python keyword).
    KEYS: ClassVar[dict[str, str]] = {}
    #: Fields stored as JSON lists and held as tuples.
    TUPLES: ClassVar[tuple[str, ...]] = ()

    #: Keys of the stored object this version does not know (kept, written back).
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False,
                                  kw_only=True)
    #: Fields whose key the stored object lacked (not written back while at their default).
    absent: frozenset[str] = field(default=frozenset(), repr=False, compare=False,
                                   kw_only=True)

    @classmethod
    def _fields(cls) -> list[Any]:
        return [f for f in fields(cls) if f.name not in _BOOKKEEPING]

    @classmethod
    def _convert(cls, name: str, value: Any) -> Any:
        if name in cls.TUPLES and isinstance(value, list):
            return tuple(value)
        return value

    @classmethod
    def _values(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise TypeError(f"{cls.__name__}: expected a JSON object, got "
                            f"{type(data).__name__}")
        values: dict[str, Any] = {}
        absent = []
        for f in cls._fields():
            key = cls.KEYS.get(f.name, f.name)
            if key in data:
                values[f.name] = cls._convert(f.name, data[key])
            else:
                absent.append(f.name)
                if f.default is MISSING and f.default_factory is MISSING:
                    values[f.name] = None
        stored = {cls.KEYS.get(f.name, f.name) for f in cls._fields()}
        values["extra"] = {k: v for k, v in data.items() if k not in stored}
        values["absent"] = frozenset(absent)
        return values

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """The entry a stored JSON object describes."""
        return cls(**cls._values(data))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object to store: known keys (those the source had, or set since), then
        the unknown ones kept from the source."""
        out: dict[str, Any] = {}
        for f in self._fields():
            value = getattr(self, f.name)
            if f.name in self.absent and value == _default(f):
                continue
            out[self.KEYS.get(f.name, f.name)] = _plain(value)
        out.update(self.extra)
        return dict(sorted(out.items()))  # the order of the stored file (sort_keys)


def _default(f: Any) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


@dataclass(frozen=True)
class StrategyInfo(_Entry):
    """What a run recorded about one strategy: the spec it was named by and what ran it."""

    KEYS: ClassVar[dict[str, str]] = {"class_path": "class"}

    spec: str | None = None
    library: str | None = None
    version: str | None = None
    class_path: str | None = None
    family: str | None = None
    citation: str | None = None


@dataclass(frozen=True)
class ProblemInfo(_Entry):
    """What a run recorded about one problem: its metric, fingerprint, data and model."""

    TUPLES: ClassVar[tuple[str, ...]] = ("metrics",)

    metric: str | None = None
    metrics: tuple[str, ...] = ()
    fingerprint: dict[str, Any] = field(default_factory=dict)
    task: str | None = None
    optimum: float | None = None
    default_config: dict[str, Any] = field(default_factory=dict)
    dataset: dict[str, Any] | None = None
    model_source: str | None = None
    #: A user's plug-in model (module, attribute, space...); None for built-ins.
    plugin_model: dict[str, Any] | None = None
    description: str | None = None


@dataclass(frozen=True)
class Environment(_Entry):
    """The machine and library versions a run ran on."""

    TUPLES: ClassVar[tuple[str, ...]] = ("blas",)

    python: str | None = None
    implementation: str | None = None
    platform: str | None = None
    cpu_model: str | None = None
    cpu_count: int | None = None
    blas: tuple[dict[str, Any], ...] = ()
    libraries: dict[str, str | None] = field(default_factory=dict)
    #: ``{"commit": ..., "dirty": ...}`` of a source checkout (None values otherwise).
    git: dict[str, Any] = field(default_factory=dict)


def _entries(kind: type[_Entry], data: Any) -> dict[str, Any]:
    return {name: kind.from_dict(v) for name, v in dict(data or {}).items()}


@dataclass(frozen=True)
class Manifest(_Entry):
    """A run's provenance: the suite it ran, the command, when, on what, with which
    strategies and problems; written when the run starts and again when it ends."""

    TUPLES: ClassVar[tuple[str, ...]] = ("command", "failed_cells", "resumed_at")

    format: str | None = None
    run_id: str | None = None
    suite: Suite | None = None
    command: tuple[str, ...] = ()
    started_at: str | None = None
    finished_at: str | None = None
    #: When the run was resumed, in order.
    resumed_at: tuple[str, ...] = ()
    jobs: int | None = None
    backend: str | None = None
    #: BLAS/OpenMP threads in each worker process.
    threads_per_worker: int | None = None
    #: Strategy name (as trials record it) -> what ran it.
    strategies: dict[str, StrategyInfo] = field(default_factory=dict)
    #: Problem name -> what it was.
    problems: dict[str, ProblemInfo] = field(default_factory=dict)
    environment: Environment = field(default_factory=Environment)
    #: Cell ids that failed, recorded when the run ended (None before).
    failed_cells: tuple[str, ...] | None = None
    #: In a run's archived part: which archive and strategies it came from.
    archive: dict[str, Any] | None = None
    #: Keys of the stored suite this version does not know (kept, written back).
    suite_extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: Suite keys the stored suite lacked (not written back while they keep their default).
    suite_absent: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @classmethod
    def _fields(cls) -> list[Any]:
        return [f for f in super()._fields() if f.name not in ("suite_extra", "suite_absent")]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        """The manifest a stored ``manifest.json`` object describes (TypeError if the
        object, its suite or one of its entries is not a JSON object)."""
        values = cls._values(data)
        suite = data.get("suite")
        if not isinstance(suite, Mapping):
            raise TypeError("Manifest: no 'suite' object")
        values["suite"] = Suite.from_manifest(dict(suite))
        known = set(values["suite"].to_dict())
        values["suite_extra"] = {k: v for k, v in suite.items() if k not in known}
        values["suite_absent"] = frozenset(known - set(suite))
        values["strategies"] = _entries(StrategyInfo, values.get("strategies"))
        values["problems"] = _entries(ProblemInfo, values.get("problems"))
        values["environment"] = Environment.from_dict(values.get("environment") or {})
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.suite is not None:
            defaults = Suite(name="", strategies=(), problems=()).to_dict()
            written = {k: v for k, v in self.suite.to_dict().items()
                       if k not in self.suite_absent or v != defaults.get(k)}
            out["suite"] = dict(sorted({**self.suite_extra, **written}.items()))
        return out

    # -- what the stages ask of a manifest ------------------------------------------------

    @property
    def suite_name(self) -> str:
        return self.suite.name if self.suite is not None else "?"

    @property
    def libraries(self) -> dict[str, str | None]:
        """Library name -> version the run used."""
        return dict(self.environment.libraries)

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    @property
    def is_archived(self) -> bool:
        """True for the manifest of a run's archived part (cells taken from an archive)."""
        return isinstance(self.archive, dict)

    def strategy_specs(self) -> dict[str, str]:
        """Strategy name -> the spec the suite named it by."""
        return {name: info.spec or name for name, info in self.strategies.items()}

    def finished(self, at: str, failed_cells: list[str]) -> Manifest:
        """This manifest with the run's end recorded."""
        return replace(self, finished_at=at, failed_cells=tuple(failed_cells))

    def restarted(self, at: str) -> Manifest:
        """This manifest as a resume rewrites it before running again: resumed ``at``, not
        finished."""
        return replace(self, finished_at=None, resumed_at=(*self.resumed_at, at))
