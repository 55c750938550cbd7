"""The on-the-fly cache: generated modules on disk, found again without importing the compiler.

A request (a transform of a kernel, or a `@dist` function) is looked up by a key computed from cheap facts
only: the source file's path and bytes, the request, and a fingerprint of the compiler itself (a hash of the
`lifted.transpiler` and `lifted.templates` files, so an edited or reinstalled compiler with the same version
string never reuses old code). The key names a small index file, written when the module was built, which
says which module and function answer the request and which other files the build read (kernels imported from
project modules, with their digests) or looked for and did not find. The entry is used only while all of them
are unchanged; otherwise the module is built again.

The cache directory (`$LIFTED_CACHE_DIR`, default `~/.cache/lifted`) holds code that will run, so before
anything is loaded from it the directory and each file are checked: owned by the current user and writable by
nobody else. A directory this module creates is private (mode 0700).
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

INDEX_FORMAT = 1

try:  # blake2b without OpenSSL: `hashlib` itself costs milliseconds to import, a tenth of a warm start
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - every CPython has _blake2
    from hashlib import blake2b as _blake2b

_fingerprint: str | None = None


class UnsafeCacheError(PermissionError):
    """The cache directory or a file in it could have been written by another user; nothing is loaded."""


def cache_dir() -> Path:
    """Where generated modules for on-the-fly transforms and `@dist` functions are kept."""
    configured = os.environ.get("LIFTED_CACHE_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "lifted"


def file_digest(data: bytes) -> str:
    """The digest the cache records for a file's bytes."""
    return _blake2b(data, digest_size=20).hexdigest()


def compiler_fingerprint() -> str:
    """A digest of the compiler's own files (found without importing it): part of every cache key."""
    global _fingerprint
    if _fingerprint is None:
        import importlib.util

        digest = _blake2b(digest_size=20)
        for package in ("lifted.transpiler", "lifted.templates"):
            spec = importlib.util.find_spec(package)
            for root in (spec.submodule_search_locations or []) if spec else []:
                for folder, subfolders, files in os.walk(root):
                    subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
                    for name in sorted(files):
                        if name.endswith((".py", ".j2")):
                            path = os.path.join(folder, name)
                            digest.update(os.path.relpath(path, root).encode() + b"\0")
                            with open(path, "rb") as handle:
                                digest.update(handle.read())
        from . import __version__

        digest.update(__version__.encode())
        _fingerprint = digest.hexdigest()
    return _fingerprint


def request_key(source: Path, data: bytes, request: str) -> str:
    """The cache key of `request` on the source file `source` whose bytes are `data`."""
    parts = [compiler_fingerprint(), str(source), file_digest(data), request]
    return _blake2b("\0".join(parts).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def module_name(source: Path, data: bytes, request: str | None, dependencies: dict[str, str | None]) -> str:
    """The file name of a generated module: one per source version, compiler and dependencies, shared by
    every request the file itself declares (`request` None), one per request otherwise."""
    parts = [compiler_fingerprint(), str(source), file_digest(data), request or "",
             json.dumps(sorted(dependencies.items()))]
    digest = _blake2b("\0".join(parts).encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()
    return f"{file_stem(source)}_{digest}.py"


def lookup(source: Path, key: str) -> tuple[Path, str] | None:
    """(module path, function name) cached for `key`, or None when there is no entry or it is out of date."""
    folder = cache_dir()
    index = folder / f"{file_stem(source)}_{key}.idx"
    if not index.is_file():
        return None
    check_private(folder)
    check_private(index)
    try:
        entry = json.loads(index.read_text(encoding="utf-8"))
        if entry.get("format") != INDEX_FORMAT:
            return None
        module, target, dependencies = folder / entry["module"], entry["target"], entry["dependencies"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # a damaged entry is rebuilt
    if os.path.basename(module) != entry["module"] or not module.is_file():
        return None
    for path, digest in dependencies.items():
        if not _unchanged(path, digest):
            return None
    check_private(module)
    if (folder / "__pycache__").exists():
        check_private(folder / "__pycache__")
    return module, target


def tighten_bytecode_dir() -> None:
    """Python creates the cache's `__pycache__` with the umask's mode (group-writable under umask 002); make
    it writable by its owner only, so that the next start's check (`lookup`) accepts it."""
    folder = cache_dir() / "__pycache__"
    try:
        info = os.stat(folder)
    except OSError:
        return
    if hasattr(os, "getuid") and info.st_uid == os.getuid() and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        os.chmod(folder, stat.S_IMODE(info.st_mode) & ~(stat.S_IWGRP | stat.S_IWOTH))


def index_entry(source: Path, key: str, module: str, target: str,
                dependencies: dict[str, str | None]) -> tuple[Path, str]:
    """Where the index entry of `key` goes, and its text."""
    text = json.dumps({"format": INDEX_FORMAT, "source": str(source), "module": module, "target": target,
                       "dependencies": dependencies}, indent=1, sort_keys=True)
    return cache_dir() / f"{file_stem(source)}_{key}.idx", text


def prepare_dir() -> Path:
    """The cache directory, created private (0700) when missing, and checked."""
    folder = cache_dir()
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_private(folder)
    return folder


def file_mode() -> int:
    """Cache files: readable as the umask allows, never writable by group or others (see `check_private`)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o644 & ~mask


def check_private(path: Path) -> None:
    """Refuse `path` unless the current user owns it and nobody else can write it."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: ACLs, not modes
        return
    info = os.stat(path)
    what = "directory" if stat.S_ISDIR(info.st_mode) else "file"
    if info.st_uid != os.getuid():
        raise UnsafeCacheError(
            f"Lifted's cache {what} {path} belongs to another user (uid {info.st_uid}); code from it would run as "
            f"you, so nothing is loaded from it. Set LIFTED_CACHE_DIR to a directory of your own.")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeCacheError(
            f"Lifted's cache {what} {path} is writable by other users (mode {stat.S_IMODE(info.st_mode):o}); a "
            f"module planted there would run as you, so nothing is loaded from it. Make it private "
            f"(chmod go-w {path}) or set LIFTED_CACHE_DIR to a directory of your own.")


def _unchanged(path: str, digest: Any) -> bool:
    if digest is None:
        return not os.path.exists(path)
    try:
        with open(path, "rb") as handle:
            return file_digest(handle.read()) == digest
    except OSError:
        return False


def file_stem(source: Path) -> str:
    """A source file's stem as a file-name part: letters, digits and underscores."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in source.stem)[:40] or "module"
