"""numpy-ml's models through Lifted (docs/corpora.md, "numpy-ml's models").

    python -m benchmarks.numpy_ml --numpy-ml /path/to/numpy-ml [--c] [--only Sigmoid,Softmax] [--json out.json]

numpy-ml (github.com/ddbourgin/numpy-ml) is a library of models in plain NumPy with hand-written derivatives. Its
package is imported from a checkout at run time and its methods read with `inspect`; nothing of it is copied here.
benchmarks/numpy_ml/cases.py lists which method of which object becomes a kernel; the method becomes a module
function by these renames only (benchmarks/numpy_ml/convert.py; the math is never touched):

1. `self` is dropped from the parameters; a read `self.<attribute>` of numbers (a number, array, list, None, a string, a
   dict of numbers such as a kernel's `self.parameters`) becomes the module constant `self_<attribute>` of its value;
2. `self.parameters["W"]` of a layer (and `self.beta` of a linear model) becomes the parameter `W` (`beta`), added
   to the function's before its defaulted ones: weights are inputs, as a user would write them;
3. `self.<method>(...)` becomes the module function of that method, `self.<object>(...)` (a numpy-ml object, an
   activation) the object's `__call__`, and `self.<object>.<method>(...)` that method, their own `self.` reads
   prefixed by the object's name (`self_act_fn_fn`, `self_elu_alpha`);
4. a module global that is NumPy becomes `np`, a numpy-ml function comes along as a module function, a function of
   `math` is imported from `math`.

A case is "not converted", with the reason, where the method reads what these rules cannot give. Each case's kernel
`f` is the method called on annotated parameters; benchmarks/corpus/checks.py runs every form (`f` bit for bit
against Python, `g`/`vg`/`gall`/`vjp`/`fj` against central differences and autograd, `hvp`/`rr` second derivatives,
`fv` vmap, `c` the C target), and, where numpy-ml has a hand-written derivative, `nm1` (first) and `nm2` (second)
compare Lifted's with it. Where the two differ, differences decide: Lifted off is WRONG; numpy-ml off is a skip
whose detail starts "numpy-ml's own derivative is off" (listed apart at the end of a run).
"""
