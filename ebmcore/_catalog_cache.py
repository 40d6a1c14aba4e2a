"""On-disk cache of what plugin hooks returned, so that a fresh process lists without importing them.

The registry's discovery scans the entry points, imports every plugin's hook module and calls its
hook. With many plugins, the imports dominate a cold start. This module keeps, per Python
environment, one JSON file holding:

* a *fingerprint* of everything ``importlib.metadata.entry_points()`` reads: for each ``sys.path``
  entry in order, its ``*.dist-info``/``*.egg-info`` children and the stat (mtime_ns, size, inode)
  of their ``entry_points.txt``. While it matches, the stored list of entry points of the group
  (name, value, distribution path, name and version) is used instead of parsing every file;
* per plugin (entry point name + value + distribution path), the specs its hook returned, keyed by
  the distribution's ``METADATA`` file, the source files of the hook module and of every module it
  imported (outside the standard library), and which ``sys.path`` directories hold its top-level
  package (a package that shadows it appears there).

Nothing is trusted that a stat cannot vouch for: a file written less than :data:`RACY_NS` before
its key was taken also keeps a SHA-256 of its content (file system clocks are coarse: a rewrite of
the same size within one clock tick keeps its mtime), and a racy fingerprint is not stored at all.
Failures are never stored. See ``docs/concepts/registry.md`` ("The catalog cache").
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
RACY_NS = 2_000_000_000  # a file modified this close to the time its key is taken is hashed too
MAX_SOURCES = 256  # a hook importing more than this (torch, ...) is keyed on its own package only

FileKey = list[Any]  # [path, mtime_ns, size, inode, sha256 or None]


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def cache_dir() -> Path:
    """``$EBMCORE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ebmcore``, else ``~/.cache/ebmcore``."""
    explicit = os.environ.get("EBMCORE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "ebmcore"
    return Path.home() / ".cache" / "ebmcore"


def cache_file(group: str) -> Path:
    """The cache file of this Python environment, ebmcore version and entry point group."""
    from ._version import __version__

    key = json.dumps(
        [
            FORMAT,
            __version__,
            group,
            sys.version,
            sys.implementation.cache_tag,
            sys.executable,
            sys.prefix,
            sys.exec_prefix,
            sys.path,
        ]
    )
    return cache_dir() / f"catalog-{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def file_key(path: str, now_ns: int) -> FileKey | None:
    """What vouches for ``path`` being unchanged; None if it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    digest = None
    if now_ns - st.st_mtime_ns < RACY_NS:  # written (or touched) just now: keep its content too
        digest = _sha256(path)
        if digest is None:
            return None
    return [path, st.st_mtime_ns, st.st_size, st.st_ino, digest]


def file_ok(key: Any) -> bool:
    """Whether the file ``key`` describes is still the same."""
    path, mtime_ns, size, ino, digest = key
    try:
        st = os.stat(path)
    except OSError:
        return False
    if st.st_mtime_ns != mtime_ns or st.st_size != size or st.st_ino != ino:
        return False
    return digest is None or _sha256(path) == digest


_DIST_SUFFIXES = (".dist-info", ".egg-info")


class Snapshot:
    """One look at ``sys.path``: the fingerprint of its distributions and the names it holds."""

    def __init__(self) -> None:
        self.entries = list(sys.path)
        self.names: list[frozenset[str] | None] = []  # children of each entry (None: not a directory)
        parts: list[Any] = []
        racy = False
        now = time.time_ns()
        for entry in self.entries:
            root = entry or "."  # as importlib.metadata reads '' (the current directory)
            try:
                children = os.listdir(root)
            except OSError:
                self.names.append(None)
                try:  # a zip file (or anything else): its stat
                    st = os.stat(root)
                    parts.append([entry, "file", st.st_mtime_ns, st.st_size, st.st_ino])
                    racy = racy or now - st.st_mtime_ns < RACY_NS
                except OSError:
                    parts.append([entry, None])
                continue
            self.names.append(frozenset(children))
            dists: list[Any] = []
            for child in sorted(children):
                low = child.lower()
                if not (low.endswith(_DIST_SUFFIXES) or low == "egg-info"):
                    continue
                try:
                    st = os.stat(os.path.join(root, child, "entry_points.txt"))
                except OSError:
                    dists.append(child)
                    continue
                dists.append([child, st.st_mtime_ns, st.st_size, st.st_ino])
                racy = racy or now - st.st_mtime_ns < RACY_NS
            parts.append([entry, dists])
        # Distributions found by finders other than the path finder cannot be fingerprinted.
        from importlib.machinery import PathFinder

        foreign = any(
            getattr(finder, "find_distributions", None) is not None and finder is not PathFinder
            for finder in sys.meta_path
        )
        digest = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
        self.fingerprint: str | None = digest
        self.storable = not racy and not foreign
        if foreign:
            self.fingerprint = None
        self._suffixes: tuple[str, ...] | None = None

    def homes(self, top: str) -> list[int]:
        """Indices of the ``sys.path`` directories holding a module or package named ``top``."""
        if self._suffixes is None:
            from importlib.machinery import all_suffixes

            self._suffixes = tuple(all_suffixes())
        candidates = (top, *(top + suffix for suffix in self._suffixes))
        return [
            i
            for i, names in enumerate(self.names)
            if names is not None and any(c in names for c in candidates)
        ]


@dataclass
class EntryPointRecord:
    """One entry point of the group, with what the registry needs of its distribution."""

    name: str
    value: str
    dist_path: str | None
    distribution: str | None
    version: str | None
    meta: FileKey | None  # key of the distribution's METADATA (None: not cacheable)

    def plugin_key(self) -> str | None:
        if self.dist_path is None or self.meta is None:
            return None
        return f"{self.name}={self.value}@{self.dist_path}"

    def to_json(self) -> list[Any]:
        return [self.name, self.value, self.dist_path, self.distribution, self.version, self.meta]


def _header(body: bytes) -> bytes:
    """First line of a cache file: format and the SHA-256 of the JSON that follows it."""
    return b"ebmcore-catalog %d sha256=%s" % (FORMAT, hashlib.sha256(body).hexdigest().encode())


class Catalog:
    """The cache file of one environment: read once per discovery, written back if it changed."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.dirty = False
        self.snapshot = Snapshot()
        self.now_ns = time.time_ns()

    @classmethod
    def open(cls, group: str) -> Catalog | None:
        """The catalog of this environment, or None when ``EBMCORE_NO_CACHE`` is set."""
        if _env_flag("EBMCORE_NO_CACHE"):
            return None
        try:
            path = cache_file(group)
        except (OSError, RuntimeError):  # no home directory
            return None
        data: Any = None
        try:
            raw = path.read_bytes()
            header, _, body = raw.partition(b"\n")
            if header == _header(body):  # written whole by save(), not damaged or edited since
                data = json.loads(body)
        except (OSError, ValueError):  # missing, unreadable or corrupt: start afresh
            data = None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            data = {"format": FORMAT}
        for section in ("dists", "plugins"):
            if not isinstance(data.get(section), dict):
                data[section] = {}
        return cls(path, data)

    # -- entry points ----------------------------------------------------------------------

    def entry_points(self) -> list[EntryPointRecord] | None:
        """The stored entry points of the group, if the environment is unchanged since."""
        fingerprint = self.snapshot.fingerprint
        if fingerprint is None or self.data.get("fingerprint") != fingerprint:
            return None
        try:
            records = [EntryPointRecord(*row) for row in self.data["entry_points"]]
            for record in records:
                if not isinstance(record.name, str) or not isinstance(record.value, str):
                    return None
                if record.meta is not None and not file_ok(record.meta):
                    return None
        except (KeyError, TypeError, ValueError):
            return None
        return records

    def store_entry_points(self, records: Iterable[EntryPointRecord]) -> None:
        rows = [r.to_json() for r in records]
        fingerprint = self.snapshot.fingerprint if self.snapshot.storable else None
        if self.data.get("fingerprint") != fingerprint or self.data.get("entry_points") != rows:
            self.data["fingerprint"] = fingerprint
            self.data["entry_points"] = rows
            self.dirty = True

    def distribution(self, dist: Any) -> tuple[str | None, str | None, str | None, FileKey | None]:
        """Path, name, version and METADATA key of ``dist``, reading METADATA only if it changed."""
        path = getattr(dist, "_path", None)  # PathDistribution: its *.dist-info / *.egg-info
        if path is None:
            return None, dist.metadata["Name"], dist.version, None
        path = str(path)
        meta_file = os.path.join(path, "PKG-INFO" if path.lower().endswith(".egg-info") else "METADATA")
        stored = self.data["dists"].get(path)
        try:
            if stored is not None and file_ok(stored["meta"]):
                return path, stored["name"], stored["version"], stored["meta"]
        except (KeyError, TypeError, ValueError):
            pass
        name, version = dist.metadata["Name"], dist.version
        meta = file_key(meta_file, self.now_ns)
        if meta is not None:
            self.data["dists"][path] = {"meta": meta, "name": name, "version": version}
            self.dirty = True
        return path, name, version, meta

    # -- plugins ---------------------------------------------------------------------------

    def plugin(self, record: EntryPointRecord) -> dict[str, Any] | None:
        """The stored entry of this plugin, if nothing it depends on changed."""
        key = record.plugin_key()
        if key is None:
            return None
        entry = self.data["plugins"].get(key)
        if not isinstance(entry, dict):
            return None
        try:
            if entry["meta"] != record.meta:
                return None
            homes = entry["homes"]
            if self.snapshot.homes(homes[0]) != homes[1]:
                return None
            if not all(file_ok(source) for source in entry["sources"]):
                return None
        except (KeyError, TypeError, ValueError, IndexError):
            return None
        return entry

    def store_plugin(
        self,
        record: EntryPointRecord,
        *,
        specs: list[list[Any]],
        warnings: list[str],
        files: Iterable[str],
        own_files: Iterable[str],
    ) -> None:
        """Store a plugin whose hook ran cleanly and returned plain data."""
        key = record.plugin_key()
        if key is None:
            return
        paths = sorted(set(files))
        if len(paths) > MAX_SOURCES:
            paths = sorted(set(own_files))
        sources = [file_key(p, self.now_ns) for p in paths]
        if not sources or any(s is None for s in sources):
            self.forget(record)
            return
        top = record.value.partition(":")[0].partition(".")[0]
        self.data["plugins"][key] = {
            "meta": record.meta,
            "homes": [top, self.snapshot.homes(top)],
            "sources": sources,
            "specs": specs,
            "warnings": warnings,
        }
        self.dirty = True

    def forget(self, record: EntryPointRecord) -> None:
        key = record.plugin_key()
        if key is not None and self.data["plugins"].pop(key, None) is not None:
            self.dirty = True

    # -- writing ---------------------------------------------------------------------------

    def save(self, records: Iterable[EntryPointRecord]) -> None:
        """Write the cache back (atomically) if it changed; any failure is silently ignored.

        Entries of plugins and distributions that ``records`` (every entry point of the group)
        no longer names are dropped.
        """
        records = list(records)
        live_plugins = {r.plugin_key() for r in records}
        live_dists = {r.dist_path for r in records}
        plugins = self.data["plugins"]
        for key in [k for k in plugins if k not in live_plugins]:
            del plugins[key]
            self.dirty = True
        for path in [p for p in self.data["dists"] if p not in live_dists]:
            del self.data["dists"][path]
            self.dirty = True
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".catalog-", suffix=".tmp")
        except OSError:
            return
        try:
            body = json.dumps(self.data, separators=(",", ":")).encode()
            with os.fdopen(fd, "wb") as f:
                f.write(_header(body) + b"\n" + body)
            os.replace(tmp, self.path)
        except (OSError, TypeError, ValueError):
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self.dirty = False
