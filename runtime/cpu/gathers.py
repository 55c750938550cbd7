"""Hardware vector gathers in the kernels' SIMD loops, where the CPU does them fast and the compiler's tuning left
them out.

A flat kernel whose short last axis is known only at run time (gmm's (n, k, d) arrays at d = 2, an operand that is
the transposed view of a stacked product) unravels each lane's index and reads its operands through run-time
strides: a gather per vector. `-march=native` lets GCC use AVX-512's `vgatherqpd`, but its tuning decides whether it
does: with `-mtune=generic` (what `native` falls back to on a CPU model the compiler does not know, as GCC 12 on a
virtualised Sapphire Rapids) or on the cores the Gather Data Sampling mitigation slows down, GCC emulates each
gather with eight scalar loads and inserts. On an Intel AVX-512 CPU that the kernel reports "Not affected" by
Gather Data Sampling, the hardware gather is the faster (GradBench gmm's Jacobian at d = 2 on the C target took
0.76-0.77 of its time with it: docs/gradbench.md, "h-gmm7"), so the build asks the compiler for it there, with the
first `-mtune-ctrl` spelling the compiler accepts and turns into a gather (GCC 13 and later: `use_gather_8parts`;
GCC 12: `use_gather`; other compilers take neither and keep their own choice). A gather loads the same values as
the scalar loads: no number changes.

`$LIFTED_CPU_GATHERS`: `0` never asks, `1` asks on any CPU (the compiler must still take a spelling), unset: as
above.
"""
from __future__ import annotations

import functools
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

GDS_STATUS = Path("/sys/devices/system/cpu/vulnerabilities/gather_data_sampling")
CPUINFO = Path("/proc/cpuinfo")
# -mtune-ctrl spellings that turn on gathers of 8 (AVX-512) lanes, newest compilers first
SPELLINGS = ("-mtune-ctrl=use_gather_8parts", "-mtune-ctrl=use_gather")
PROBE = """
#include <stdint.h>
void lifted_probe(const double* __restrict__ a, const int64_t* __restrict__ index, double* __restrict__ out,
                  const int64_t n)
{
    #pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = a[index[i]];
}
"""


def gathers_pay(cpuinfo: str, gds_status: str | None, machine: str) -> bool:
    """Whether hardware gathers beat the compiler's scalar emulation on this CPU: an x86-64 Intel CPU with AVX-512
    that is not affected by Gather Data Sampling (on affected cores the mitigated microcode slows every gather down;
    AMD's Zen cores gather in microcode, which GCC's tuning for them avoids on purpose)."""
    if machine not in ("x86_64", "AMD64"):
        return False
    first = cpuinfo.split("\n\n", 1)[0]
    fields = {key.strip(): value.strip() for key, value in (line.split(":", 1) for line in first.splitlines()
                                                               if ":" in line)}
    vendor, flags = fields.get("vendor_id", ""), fields.get("flags", "").split()
    return vendor == "GenuineIntel" and "avx512f" in flags and (gds_status or "").strip() == "Not affected"


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


@functools.lru_cache(maxsize=None)
def _accepted_spelling(command: tuple[str, ...]) -> tuple[str, ...]:
    """The first spelling the compiler (`command`: the compiler and the kernels' flags) takes and turns the probe's
    loop into a gather with; () if none does."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "probe.cu"
        source.write_text(PROBE)
        for spelling in SPELLINGS:
            flags = [flag for flag in command if flag not in ("-shared", "-fPIC")]
            try:
                result = subprocess.run(flags + [spelling, "-S", str(source), "-o", "-"], capture_output=True,
                                        text=True, timeout=60)
            except (OSError, subprocess.SubprocessError):
                return ()
            if result.returncode == 0 and "gather" in result.stdout:
                return (spelling,)
    return ()


def _remembered(command: tuple[str, ...], folder: Path) -> tuple[str, ...]:
    """`_accepted_spelling`, remembered in `folder` (the kernels' cache) per compiler binary and command, so that a
    process loading cached kernels does not run the compiler: a file holding anything but one of SPELLINGS (or
    nothing) is ignored and probed again, so no other flag can come in through it."""
    found = shutil.which(command[0]) if command else None
    if found is None:
        return _accepted_spelling(command)
    status = os.stat(found)
    key = "\0".join(command + (os.path.realpath(found), str(status.st_mtime_ns), str(status.st_size)))
    note = folder / f"lifted_gathers_probe_{hashlib.sha256(key.encode()).hexdigest()[:24]}.txt"
    text = _read(note)
    if text is not None and (text == "" or text in SPELLINGS):
        return (text,) if text else ()
    spelling = _accepted_spelling(command)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False) as out:
            out.write(spelling[0] if spelling else "")
        os.replace(out.name, note)
    except OSError:
        pass
    return spelling


def gather_flags(command: tuple[str, ...], folder: Path | None = None) -> tuple[str, ...]:
    """The flag to add to the kernels' build `command` (compiler and flags) for hardware gathers, or (); `folder`:
    where the compiler's answer is remembered across processes (the kernels' cache), None: probed per process."""
    wanted = os.environ.get("LIFTED_CPU_GATHERS", "")
    if wanted == "0":
        return ()
    if wanted != "1" and not gathers_pay(_read(CPUINFO) or "", _read(GDS_STATUS), platform.machine()):
        return ()
    return _accepted_spelling(tuple(command)) if folder is None else _remembered(tuple(command), folder)
