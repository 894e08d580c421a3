"""Citable run bundles: one ``.tar.gz`` holding a finished run and every file to check it.

A bundle (``tunebench archive RUN_DIR``) holds, under one folder named after the run::

    manifest.json, trials.parquet, signatures.parquet   the run (its data)
    archived/...                                        the archived cells it used, if any
    report/...                                          its report
    references.bib, CITATION.cff                        how to cite it (with the hash)
    SHA256SUMS                                          SHA-256 of every other file

The **bundle hash** is the SHA-256 of the ``SHA256SUMS`` lines of the data files (the run
and its archived cells, not the report or citation files, which name the hash): the same
data give the same hash whoever packs them. The file is written canonically (sorted
members, fixed times and owners, ustar; gzip without a time stamp), so :func:`verify`
checks every byte of it: the gzip header, the compressed stream's CRC, each member's
checksum, and the tar layout (padding included) rebuilt from the members.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from tunebench.benchmarks.store.manifest_types import Manifest
from tunebench.benchmarks.store.rundir import StoreError, atomic_write_bytes

SUMS = "SHA256SUMS"
#: Files of a run directory that are its data (those under ``archived/`` too).
DATA = ("manifest.json", "trials.parquet", "signatures.parquet")
#: The gzip header :func:`write` produces (no name, time 0, best compression, OS unknown).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
SUFFIXES = (".tar.gz", ".tgz")


def is_bundle(path: str | Path) -> bool:
    p = Path(path)
    return p.is_file() and p.name.endswith(SUFFIXES)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sums_text(files: dict[str, bytes]) -> str:
    """``sha256sum``-format lines (two spaces) for ``files``, sorted by name."""
    return "".join(f"{_sha(files[n])}  {n}\n" for n in sorted(files))


def is_data(name: str) -> bool:
    return name in DATA or (name.startswith("archived/") and name.split("/", 1)[1] in DATA)


def bundle_hash(files: dict[str, bytes]) -> str:
    """The hash a run is cited by: SHA-256 of the checksum lines of its data files."""
    return _sha(sums_text({n: b for n, b in files.items() if is_data(n)}).encode())


def canonical_tar(root: str, files: dict[str, bytes]) -> bytes:
    """The uncompressed tar of ``files`` under ``root/``, byte-for-byte reproducible."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size, info.mtime, info.mode = len(files[name]), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(files[name]))
    return buf.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    """``data`` gzip-compressed with the fixed header :data:`GZIP_HEADER` (no name, time 0,
    OS unknown: the same on every platform), raw deflate at level 9, CRC-32 and size."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    trailer = (zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "little") + (
        len(data) & 0xFFFFFFFF).to_bytes(4, "little")
    return GZIP_HEADER + body + trailer


def _run_files(run_dir: Path) -> dict[str, bytes]:
    files = {}
    for base in ("", "archived/"):
        for name in DATA:
            p = run_dir / base / name
            if p.exists():
                files[base + name] = p.read_bytes()
    return files


def _report_files(run_dir: Path) -> dict[str, bytes]:
    """The run's report (written now into a temporary directory when it has none)."""
    from tunebench.benchmarks.report import build_report

    report = run_dir / "report"
    if (report / "index.html").exists():
        return {f"report/{p.relative_to(report).as_posix()}": p.read_bytes()
                for p in sorted(report.rglob("*")) if p.is_file()}
    with tempfile.TemporaryDirectory(prefix="tunebench-bundle-") as tmp:
        build_report([run_dir], Path(tmp) / "report")
        return {f"report/{p.relative_to(Path(tmp) / 'report').as_posix()}": p.read_bytes()
                for p in sorted((Path(tmp) / "report").rglob("*")) if p.is_file()}


def citation_cff(manifest: Manifest, digest: str, authors: list[str]) -> str:
    """A CITATION.cff (format 1.2.0) for the run; JSON strings are valid YAML scalars."""
    q = json.dumps
    libs = manifest.libraries
    suite = manifest.suite_name
    date = str(manifest.finished_at or manifest.started_at or "")[:10]
    from tunebench.benchmarks.report.citations import tunebench_url

    url = tunebench_url()
    lines = ["cff-version: 1.2.0",
             "message: " + q("If you use these results, cite this run by its bundle hash "
                             "(tunebench verify prints it) and tunebench at this version."),
             "type: dataset",
             "title: " + q(f"tunebench run {manifest.run_id} of suite {suite}"),
             "authors:"] + [f"  - name: {q(a)}" for a in authors] + [
             "version: " + q(f"sha256:{digest}"),
             *([f"date-released: {q(date)}"] if date else []),
             "identifiers:", "  - type: other", f"    value: {q('sha256:' + digest)}",
             "    description: " + q("tunebench bundle hash: SHA-256 of the SHA256SUMS "
                                     "lines of the run's data files"),
             "keywords: [\"hyperparameter optimization\", \"benchmark\", \"tunebench\"]",
             "references:", "  - type: software", "    title: \"tunebench\"",
             "    authors:", "      - name: \"tunebench developers\"",
             f"    version: {q(str(libs.get('tunebench', 'unknown')))}"]
    if url:
        lines.append(f"    url: {q(url)}")
    return "\n".join(lines) + "\n"


def write(run_dir: str | Path, out: str | Path | None = None,
          authors: list[str] | None = None) -> tuple[Path, str]:
    """Pack a finished run into a bundle (default ``RUN_DIR.tar.gz``); returns it and its
    hash. StoreError when ``run_dir`` is no finished run."""
    from tunebench.benchmarks.report.citations import bibtex, combined
    from tunebench.benchmarks.store.rundir import RunDir

    run_dir = Path(run_dir)
    run = RunDir(run_dir)
    if not run.exists() or not run.trials_path.exists():
        raise StoreError(f"{run_dir} is not a finished tunebench run (no manifest.json or "
                         "trials.parquet); finish it with `tunebench run` first")
    manifest = run.read_manifest()
    files = _run_files(run_dir)
    digest = bundle_hash(files)
    files.update(_report_files(run_dir))
    manifests = [manifest] + ([Manifest.from_dict(json.loads(files["archived/manifest.json"]))]
                              if "archived/manifest.json" in files else [])
    files["references.bib"] = bibtex(combined(manifests), digest).encode()
    files["CITATION.cff"] = citation_cff(
        manifest, digest, authors or [f"The authors of tunebench run {manifest.run_id}"]
    ).encode()
    files[SUMS] = sums_text(files).encode()
    out = Path(out) if out else run_dir.with_name(run_dir.name + ".tar.gz")
    atomic_write_bytes(out, gzip_bytes(canonical_tar(run_dir.name, files)))
    return out, digest


@dataclass
class Verification:
    """What :func:`verify` found: the bundle's files, its hash and every problem."""

    root: str = ""
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    digest: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _decompress(data: bytes, v: Verification, name: str) -> bytes:
    """The tar bytes; damage to the gzip layer is added to ``v.problems``."""
    if data[:len(GZIP_HEADER)] != GZIP_HEADER:
        v.problems.append(f"{name}: the gzip header differs from the one tunebench writes "
                          f"(bytes {data[:len(GZIP_HEADER)].hex()})")
    d = zlib.decompressobj(wbits=31)
    out = bytearray()
    try:
        for i in range(0, len(data), 1 << 16):
            out += d.decompress(data[i:i + (1 << 16)])
        out += d.flush()
        if not d.eof:
            v.problems.append(f"{name}: the compressed stream is truncated")
        elif d.unused_data:
            v.problems.append(f"{name}: {len(d.unused_data)} unexpected bytes after the "
                              "compressed stream")
    except zlib.error as exc:
        v.problems.append(f"{name}: damaged compressed data ({exc})")
    return bytes(out)


def _members(tar_bytes: bytes, v: Verification, name: str) -> None:
    try:
        with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as tar:
            for m in tar:
                if not m.isfile():
                    continue
                root, _, rel = m.name.partition("/")
                if not rel or ".." in rel.split("/") or rel.startswith("/"):
                    v.problems.append(f"{name}: unexpected member {m.name!r}")
                    continue
                v.root = v.root or root
                v.files[rel] = tar.extractfile(m).read()  # type: ignore[union-attr]
    except (tarfile.TarError, OSError, EOFError) as exc:
        v.problems.append(f"{name}: damaged tar archive after {len(v.files)} files ({exc})")


def verify(bundle: str | Path) -> Verification:
    """Check every byte of a bundle; the problems name the damaged file."""
    bundle = Path(bundle)
    name = bundle.name
    v = Verification()
    try:
        data = bundle.read_bytes()
    except OSError as exc:
        v.problems.append(f"{bundle}: cannot read ({exc.strerror or exc})")
        return v
    tar_bytes = _decompress(data, v, name)
    _members(tar_bytes, v, name)
    if SUMS not in v.files:
        v.problems.append(f"{name}: no {SUMS} in the bundle")
        return v
    listed = {}
    for line in v.files[SUMS].decode("utf-8", errors="replace").splitlines():
        digest, sep, path = line.partition("  ")
        if sep:
            listed[path] = digest
    for path, digest in sorted(listed.items()):
        if path not in v.files:
            v.problems.append(f"{name}: {path} is missing")
        elif _sha(v.files[path]) != digest:
            v.problems.append(f"{name}: {path} does not match its SHA-256 in {SUMS}")
    extra = sorted(set(v.files) - set(listed) - {SUMS})
    v.problems += [f"{name}: {p} is not listed in {SUMS}" for p in extra]
    if not v.problems and canonical_tar(v.root, v.files) != tar_bytes:
        v.problems.append(f"{name}: the tar layout differs from its canonical form "
                          "(damaged headers or padding)")
    v.digest = bundle_hash({p: b for p, b in v.files.items() if p in listed})
    return v


def extract(bundle: str | Path, cache: Path | None = None) -> Path:
    """Verify a bundle and unpack it (once) into a cache; returns its run directory.
    StoreError naming the damaged file when it does not verify."""
    v = verify(bundle)
    if not v.ok:
        raise StoreError(f"bundle {bundle} does not verify: {v.problems[0]}"
                         + (f" (and {len(v.problems) - 1} more)" if len(v.problems) > 1 else ""))
    cache = cache or Path(tempfile.gettempdir()) / "tunebench-bundles"
    run_dir = cache / v.digest[:16] / v.root
    if not (run_dir / SUMS).exists():
        for rel in sorted(v.files, key=lambda r: r == SUMS):  # SHA256SUMS last: complete
            content = v.files[rel]
            (run_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(run_dir / rel, content)
    return run_dir
