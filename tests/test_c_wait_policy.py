"""OpenMP's wait policy on an oversubscribed machine (lifted.cpu.wait_policy, h-wall): passive when the 1-minute
load average fills every CPU, chosen once before the first kernel library loads the OpenMP runtime; a user's
setting, one thread, or a runtime already loaded leave it alone; the numbers do not depend on it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from lifted.cpu import wait_policy


@pytest.mark.parametrize("load, cpus, chosen", [(8.0, 2, "passive"), (2.0, 2, "passive"), (1.9, 2, None),
                                                (0.1, 16, None), (40.0, 16, "passive")])
def test_passive_only_when_the_run_queue_fills_the_cpus(load, cpus, chosen):
    environ = {"OMP_NUM_THREADS": "2"}
    assert wait_policy.choose(environ, load=load, cpus=cpus) == chosen
    assert environ.get("OMP_WAIT_POLICY") == chosen


@pytest.mark.parametrize("setting", [{"OMP_WAIT_POLICY": "active"}, {"OMP_WAIT_POLICY": "passive"},
                                     {"GOMP_SPINCOUNT": "100000"}, {"OMP_NUM_THREADS": "1"}])
def test_a_users_setting_or_one_thread_is_left_alone(setting):
    environ = dict(setting)
    assert wait_policy.choose(environ, load=99.0, cpus=2) is None
    assert environ == setting


_CHILD = textwrap.dedent('''
    import json, os, sys
    import numpy as np
    os.getloadavg = lambda: (float(sys.argv[2]),) * 3  # (the machine's load, as the rule reads it)
    from lifted import cpu
    module = cpu.compile_module(sys.argv[1])
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=20000), rng.normal(size=20000)
    gomp = any("libgomp" in line for line in open("/proc/self/maps"))
    print(json.dumps({"policy": os.environ.get("OMP_WAIT_POLICY"), "gomp": gomp,
                      "out": module.shifted(x, y).tolist(), "grad": module.shifted_grad(x, y)[0].tolist(),
                      "x": x.tolist(), "y": y.tolist()}))
''')

_SOURCE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def shifted(x: "f64[n]", y: "f64[n]") -> "f64[n]":
    return np.where(x > y, x - 0.5 * y, y * y)


@kernel
def total(x: "f64[n]", y: "f64[n]") -> "f64[]":
    return np.sum(np.where(x > y, x - 0.5 * y, y * y))


shifted_grad = grad(total, wrt=("x",))
'''


def _child(tmp_path, load: float, **environ: str) -> dict:
    source = tmp_path / "shifted.py"
    source.write_text(_SOURCE)
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.update(OMP_NUM_THREADS="2", LIFTED_PARALLEL_MIN="0", **environ)
    done = subprocess.run([sys.executable, "-c", _CHILD, str(source), str(load)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_first_kernel_library_sets_passive_on_a_busy_machine_with_numpys_numbers(tmp_path):
    busy = _child(tmp_path, 99.0)
    assert busy["policy"] == "passive" and busy["gomp"]
    idle = _child(tmp_path, 0.0)
    assert idle["policy"] is None
    users = _child(tmp_path, 99.0, OMP_WAIT_POLICY="active")
    assert users["policy"] == "active"
    import numpy as np

    x, y = np.array(busy["x"]), np.array(busy["y"])
    expected = np.where(x > y, x - 0.5 * y, y * y)
    expected_grad = np.where(x > y, 1.0, 0.0)
    for run in (busy, idle, users):
        np.testing.assert_array_equal(np.array(run["out"]), expected)
        np.testing.assert_array_equal(np.array(run["grad"]), expected_grad)
