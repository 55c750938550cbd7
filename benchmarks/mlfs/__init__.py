"""ML-From-Scratch's models through Lifted (docs/corpora.md, "ML-From-Scratch's models").

    python -m benchmarks.mlfs --mlfs /path/to/ML-From-Scratch [--c] [--only Sigmoid,Dense] [--json out.json]

ML-From-Scratch (github.com/eriklindernoren/ML-From-Scratch, MIT) implements models in plain NumPy with hand-written
gradients (`Sigmoid.gradient`, `SquareLoss.gradient`, the layers' `backward_pass`). Its package is imported from a
checkout at run time (the plotting and progress-bar packages its `utils` imports are stood in by empty modules
where they are not installed) and its methods read with `inspect`; nothing of it is copied here.
benchmarks/mlfs/cases_nn.py and cases_models.py list which method becomes a kernel; the method becomes a module
function by numpy-ml's renames (benchmarks/numpy_ml/__init__.py, the same converter) with two more, for
ML-From-Scratch's layers, which save what the backward pass needs on `self`:

5. a write `self.<a> = ...` (and `self.<a>[i] = ...`) becomes the local `state_<a>`, its reads that local (set
   first from the object's value where the method reads it before: BatchNormalization's running mean);
6. an `if`/`else` whose test reads only `self` and arguments the kernel fixes (`training`) keeps its branch;

and a closure's numbers (utils/kernels.py's `polynomial_kernel(power, coef)` returns `f`) become module
constants. Where ML-From-Scratch has a hand-written derivative, `nm1` compares Lifted's with it (the layers':
`backward_pass` after `forward_pass`, its dX, and the weights' gradients taken from a recording optimizer); where
they differ, differences decide (numpy-ml's rule): Lifted off is WRONG, ML-From-Scratch off a skip whose detail
starts "ML-From-Scratch's own derivative is off".
"""
