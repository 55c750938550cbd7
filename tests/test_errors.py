"""What a user sees for code outside the kernel language: the location, the message, the caret and the hint.

Every case is a small source checked against the exact `path:line:col` of the offending construct (counted by
hand) and the text the caret underlines. `kernel_source(body)` puts the body at line 6, column 5:

    1  import numpy as np
    2  from lifted import kernel, grad
    3
    4  @kernel
    5  def f(x: "f64[n]"):
    6      <first body line>
"""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

from lifted.transpiler import SourceLoc, TranspileError, transpile_source

PATH = "examples/model.py"


def kernel_source(body: str, params: str = 'x: "f64[n]"') -> str:
    return ("import numpy as np\nfrom lifted import kernel, grad\n\n@kernel\n"
            f"def f({params}):\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n")


def error_for(source: str) -> TranspileError:
    with pytest.raises(TranspileError) as info:
        transpile_source(source, PATH)
    return info.value


def underlined(error: TranspileError) -> str:
    """The part of the shown source line that the caret line marks."""
    lines = error.format().splitlines()
    source, carets = lines[1], lines[2]
    start = len(carets) - len(carets.lstrip(" "))
    assert set(carets[start:]) == {"^"}, carets
    return source[start:len(carets)]


# id: (source, line, col, what the caret underlines, part of the message, part of the hint or None)
CASES = {
    "global": (
        kernel_source("global counter\nreturn np.sum(x)"),
        6, 5, "global counter", "`global` is not part of the kernel language",
        "pass the value in as a parameter"),
    "list_comprehension": (
        kernel_source("ys = [v * 2.0 for v in x]\nreturn np.sum(x)"),
        6, 28, "x", "this needs a sequence whose length is known at build time; an array's first axis is known "
        "only at run time", "range(len(x))"),
    "if_on_an_array": (
        kernel_source("if x > 0.0:\n    x = -x\nreturn np.sum(x)"),
        6, 8, "x > 0.0", "a condition must be a boolean scalar, not bool[n]", "np.where(cond, a, b)"),
    "while_on_an_array": (
        kernel_source("while x:\n    x = x * 0.5\nreturn np.sum(x)"),
        6, 11, "x", "a condition must be a boolean scalar, not f64[n]", "np.where"),
    "for_else": (
        kernel_source("for i in range(3):\n    x = x * 2.0\nelse:\n    x = x + 1.0\nreturn np.sum(x)"),
        8, 5, "else:", "`for ... else` is not part of the kernel language", "set a flag"),
    "while_else": (
        kernel_source("while np.sum(x) > 1.0:\n    x = x * 0.5\nelse:\n    x = x + 1.0\nreturn np.sum(x)"),
        8, 5, "else:", "`while ... else` is not part of the kernel language", "set a flag"),
    "loop_over_enumerate": (
        kernel_source("for i, v in enumerate(x):\n    x = x + v\nreturn np.sum(x)"),
        6, 17, "enumerate(x)", "this needs a sequence whose length is known at build time; an array's first axis is known "
        "only at run time", "range(len(x))"),
    "break_outside_a_loop": (
        kernel_source("if np.sum(x) > 0.0:\n    break\nreturn np.sum(x)"),
        7, 9, "break", "syntax error: 'break' outside loop", "valid Python"),
    "code_after_break": (
        kernel_source("for i in range(3):\n    x = x * 0.5\n    break\n    x = x + 1.0\nreturn np.sum(x)"),
        9, 9, "x = x + 1.0", "this code never runs: it follows the `break` on line 8", "remove it"),
    "try": (
        kernel_source("try:\n    y = x * 2.0\nexcept ValueError:\n    y = x\nreturn np.sum(y)"),
        6, 5, "try:", "`try` statements are not part of the kernel language", "check inputs"),
    "with": (  # (`with np.errstate(...)` is lowered as its body: normalize/errstate_blocks.py)
        kernel_source("with open('log.txt'):\n    y = np.log(x)\nreturn np.sum(y)"),
        6, 5, "with open('log.txt'):", "`with` statements are not part of the kernel language",
        "outside the kernel"),
    "errstate_raise": (
        kernel_source("with np.errstate(all='raise'):\n    y = np.log(x)\nreturn np.sum(y)"),
        6, 22, "all='raise'", "np.errstate here makes NumPy raise or call a function on a floating-point error",
        '"ignore"'),
    "chained_comparison_of_an_array": (  # (of scalars, it is Python's `and` of the links)
        kernel_source("inside = 0.0 < x < 1.0\nreturn np.sum(np.where(inside, x, 0.0))"),
        6, 14, "0.0 < x < 1.0", "a link of this chained comparison is an array: Python raises ValueError",
        "(a < x) & (x < b)"),
    "in": (
        kernel_source("found = 1.0 in x[0]\nreturn np.sum(x)"),  # (`in` of an array is NumPy's __contains__)
        6, 13, "1.0 in x[0]", "`in` is decided at build time here: it looks for a key in a dict, a number or "
        "string in a list of them, or a string in a string", "np.any(a == v)"),
    "undefined_name": (
        kernel_source("y = x * scale\nreturn np.sum(y)"),
        6, 13, "scale", "`scale` is not defined in this kernel", "module-level numeric constants"),
    "reshape_of_a_parameter_may_copy": (  # (a flip is a view whatever the layout: a write through it is fine)
        kernel_source("y = np.reshape(x, (-1,))\ny[0] = 1.0\nreturn np.sum(x * y)"),
        7, 5, "y[0]", "`y` is a reshape (or ravel, or one-operand einsum) of `x`, which NumPy makes a view only "
        "where `x` is C-contiguous", "copy"),
    "diagonal_is_read_only": (
        kernel_source("y = np.diagonal(x)\ny[0] = 1.0\nreturn np.sum(y)", 'x: "f64[n,n]"'),
        7, 5, "y[0]", "`y` is (a view of) np.diagonal(...), which NumPy makes read-only", "copy"),
    "roll_by_an_array": (  # (a float or bool shift is NumPy's int(sh): test_roll_shifts.py)
        kernel_source("return np.sum(np.roll(x, np.ones(2)))"),
        6, 19, "np.roll(x, np.ones(2))", "np.roll shifts by an integer", "np.roll(a, 2)"),
    "fliplr_of_a_vector": (  # (numba's fliplr, tril_m and argmax usecases: these refusals had no hint)
        kernel_source("return np.sum(np.fliplr(x))"),
        6, 19, "np.fliplr(x)", "`np.fliplr` needs an array of rank 2 or more", "rank 2 or more"),
    "tril_of_a_scalar": (  # (a vector is broadcast to the square matrix of its rows, as NumPy does)
        kernel_source("return np.sum(np.tril(x))", 'x: "f64[]"'),
        6, 19, "np.tril(x)", "np.tril and np.triu of a scalar (NumPy raises TypeError)", "give it a vector"),
    "argmax_float_axis": (
        kernel_source("return np.sum(np.argmax(x, axis=1.0))"),
        6, 37, "1.0", "`axis` is an integer here", "axis=0"),
    "repeat_array_counts": (
        kernel_source("return np.sum(np.repeat(x, x))"),
        6, 19, "np.repeat(x, x)", "np.repeat's counts are integers (f64 given", "counts.astype(np.int64)"),
    "matrix_norm_2": (
        kernel_source("return np.linalg.norm(x, 2)", 'x: "f64[n,n]"'),
        6, 12, "np.linalg.norm(x, 2)", "np.linalg.norm with ord=2 is not supported in kernels", "Frobenius"),
    "solve_stack_vector": (
        kernel_source("return np.sum(np.linalg.solve(x, x[0, 0]))", 'x: "f64[2,n,n]"'),
        6, 19, "np.linalg.solve(x, x[0, 0])", "stack of column matrices", None),
    "mvn_scalar_cov": (
        kernel_source("return np.sum(scipy.stats.multivariate_normal.logpdf(x, x, 2.0))").replace(
            "import numpy as np", "import numpy as np\nimport scipy.stats"),
        7, 19, "scipy.stats.multivariate_normal.logpdf(x, x, 2.0)", "covariance as a (d, d) matrix", "np.eye(d)"),
    "np_linalg_qr": (
        kernel_source("y = np.linalg.qr(x)\nreturn np.sum(y)", 'x: "f64[n,n]"'),
        6, 9, "np.linalg.qr", "`np.linalg.qr` is not supported in kernels", "supported NumPy functions"),
    "np_fft_fft": (
        kernel_source("y = np.fft.fft(x)\nreturn np.sum(y)"),
        6, 9, "np.fft.fft", "`np.fft.fft` is not supported in kernels", "supported NumPy functions"),
    "misspelt_numpy_function": (
        kernel_source("y = np.tanhh(x)\nreturn np.sum(y)"),
        6, 9, "np.tanhh", "`np.tanhh` is not supported in kernels", "did you mean `np.tanh`?"),
    "unsupported_keyword": (
        kernel_source("return np.cumsum(x, out=x)"),
        6, 29, "x", "`np.cumsum` does not support the argument `out=` in kernels",
        "supported: axis"),
    "builtin_max": (
        kernel_source("return max(x)", 'x: "f64[n,k]"'),  # (of a vector: Python's walk, size_round_extremes.py)
        6, 12, "max(x)", "the builtin `max` of an array of rank 2 iterates over its rows",
        "np.max(x) for an array's elements"),
    "print_of_a_list": (
        kernel_source("print([x, x])\nreturn np.sum(x)"),
        6, 5, "print([x, x])", "`print` in a kernel takes arrays, numbers and strings", "print the elements"),
    "star_args": (
        kernel_source("return np.sum(x)", 'x: "f64[n]", *rest'),
        5, 20, "*rest", "`*args` is not part of the kernel language", "list each parameter by name"),
    "parameter_default_not_a_number": (
        kernel_source("return np.sum(x)", 'x: "f64[n]", act=np.tanh'),
        5, 24, "np.tanh", "a kernel parameter's default must be a number known at build time", "no default"),
    "bad_annotation_dtype": (
        kernel_source("return np.sum(x)", 'x: "float64[n]"'),
        5, 10, '"float64[n]"', "cannot read the type annotation 'float64[n]'",
        "the dtype is one of f32, f64, i32, i64, bool"),
    "bad_annotation_dim": (
        kernel_source("return np.sum(x)", 'x: "f64[n, 2d]"'),
        5, 10, '"f64[n, 2d]"', "dimension '2d' in 'f64[n, 2d]' is not an integer, a name, or a sum or product of them (n-1, 2*h, n*m)",
        '"f64[n,d]"'),
    "annotation_not_a_string": (
        kernel_source("return np.sum(x)", "x: float"),
        5, 10, "float", 'parameter annotations are type strings such as "f64[n,d]"', 'x: "f64[n]"'),
    "matmul_inner_dimensions": (
        kernel_source("z = x @ y\nreturn np.sum(z)", 'x: "f64[n]", y: "f64[m,k]"'),
        6, 9, "x @ y", "matmul of shapes [n] and [m,k]: inner dimensions n and m differ", None),
    "broadcast_named_dimensions": (
        kernel_source("z = x * 2.0 + y\nreturn np.sum(z)", 'x: "f64[n]", y: "f64[m]"'),
        6, 9, "x * 2.0 + y", "shapes [n] and [m] cannot be broadcast together", None),
    "f_string": (
        kernel_source("label = f'{x}'\nreturn np.sum(x)"),
        6, 13, "f'{x}'", "f-strings are not part of the kernel language", None),
    "walrus": (
        kernel_source("y = (z := x * 2.0)\nreturn np.sum(y)"),
        6, 10, "z := x * 2.0", "the walrus operator is not part of the kernel language", "own line"),
    "float_array_index": (
        kernel_source("return np.sum(x[y])", 'x: "f64[n]", y: "f64[k]"'),
        6, 21, "y", "array indices must be integers (or a boolean mask array)", ".astype(np.int64)"),
    "assignment_through_a_mask_and_an_index_array": (
        kernel_source("y = x * 1.0\ny[i, j > 0] = 0.0\nreturn np.sum(y)", 'x: "f64[n,d]", i: "i64[d]", j: "i64[d]"'),
        7, 5, "y[i, j > 0]", "assignment through a boolean mask together with another index array",
        "np.nonzero(mask)"),
    "return_in_the_middle": (
        kernel_source("return np.sum(x)\ny = x * 2.0"),
        7, 5, "y = x * 2.0", "this code never runs: it follows the `return` on line 6", "remove it"),
    "no_return": (
        kernel_source("y = x * 2.0"),
        5, 5, "f", "kernel `f` has no return statement", "end the kernel with `return <value>`"),
    "unpacking_too_many_values": (
        kernel_source("a, b = x, x * 2.0, x * 3.0\nreturn np.sum(a + b)"),
        6, 5, "a, b", "cannot unpack 3 values into 2 names", None),
    "unpacking_an_array": (
        kernel_source("a, b = x\nreturn np.sum(a + b)"),
        6, 5, "a, b", "only tuples, lists, dicts (a kernel's tuple result, a literal, x.shape) and arrays whose "
        "first axis has a length known at build time can be unpacked here",
        "a = x[0]"),
    "conditional_expression_on_an_array": (
        kernel_source("y = x if x > 0.0 else -x\nreturn np.sum(y)"),
        6, 14, "x > 0.0", "a condition must be a boolean scalar, not bool[n]", "np.where(cond, a, b)"),
    "assigned_on_one_path_only": (
        kernel_source("if np.sum(x) > 0.0:\n    y = x\nreturn np.sum(y)"),
        8, 19, "y", "`y` is only assigned on some paths (in the block at line 6)", "on every path"),
    "loop_value_changes_rank": (  # (a loop that surely runs has its first iteration lowered on its own)
        kernel_source("s = 0.0\nfor i in range(len(x)):\n    s = s + x\nreturn np.sum(s)"),
        7, 5, "for i in range(len(x)):", "`s` has rank 1 (f64[n]) on one path and rank 0 (f64[]) on another",
        "np.zeros_like(x)"),
    "returns_inside_a_loop_only": (
        kernel_source("for i in range(3):\n    if x[i] > 0.0:\n        return x\nx[0] = 1.0"),
        6, 5, "for i in range(3):", "the kernel returns inside this loop but not on every path after it",
        "end every path"),
    # Tangent's corpus (cart2polar): NumPy reads the second argument as `out=`; the hint names np.arctan2
    "ufunc_given_an_out_array_positionally": (
        kernel_source("return np.arctan(x[1], x[0])"),
        6, 12, "np.arctan(x[1], x[0])", "`np.arctan` takes 1 positional argument here, 2 given", "np.arctan2(y, x)"),
    "reduction_given_too_many_positional_arguments": (  # (NumPy's seven: a, axis, dtype, out, keepdims, initial,
        kernel_source("return np.sum(x, 0, None, None, False, 0.0, True, 5)"),  # where; reducer_keywords.py)
        6, 12, "np.sum(x, 0, None, None, False, 0.0, True, 5)", "`np.sum` takes 1 to 2 positional arguments here, "
        "3 given",
        "by keyword: `axis=`, `keepdims=`"),
    "list_of_an_array_and_a_number_where_numpy_takes_an_array": (
        kernel_source("return np.sum([x, x[0]])"),
        6, 12, "np.sum([x, x[0]])", "np.stack needs arrays of the same shape", "only when its items have one shape"),
    "string_where_numpy_takes_an_array": (
        kernel_source("return np.sum(np.maximum([x[0], 'x'], 1.0))"),
        6, 19, "np.maximum([x[0], 'x'], 1.0)", "this value cannot be used as an array", "a list or tuple of them"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_rejected_construct_points_at_it(case):
    source, line, col, marked, message, hint = CASES[case]
    error = error_for(source)
    assert (error.loc.path, error.loc.line, error.loc.col) == (PATH, line, col), error.format()
    assert message in error.message
    first = error.format().splitlines()[0]
    assert first == f"{PATH}:{line}:{col}: error: {error.message}"
    assert underlined(error) == marked, error.format()
    assert error.loc.text == source.splitlines()[line - 1]
    if hint is not None:
        assert error.hint is not None and hint in error.hint, error.format()
        assert error.format().splitlines()[-1] == f"hint: {error.hint}"


def test_enough_distinct_constructs_are_covered():
    assert len(CASES) >= 20
    assert len({message for _, _, _, _, message, _ in CASES.values()}) >= 20


def test_global_error_reads_like_the_style_guide():
    error = error_for(kernel_source("global counter\nreturn np.sum(x)"))
    assert error.format() == (
        "examples/model.py:6:5: error: `global` is not part of the kernel language\n"
        "        global counter\n"
        "        ^^^^^^^^^^^^^^\n"
        "hint: pass the value in as a parameter and return the new value")


# -- module level: declarations, recursion, syntax ----------------------------------------------------------------
DECLARATIONS = '''import numpy as np
from lifted import kernel, grad, vmap

@kernel
def f(x: "f64[n]", y: "f64[n]"):
    return {result}

df = {declaration}
'''


@pytest.mark.parametrize("result, declaration, col, marked, message, hint", [
    ("np.sin(x) * y", 'grad(f, wrt="x")', 6, 'grad(f, wrt="x")',
     "`grad` needs `f` to return a floating-point scalar, but it returns f64[n]", "vjp(...)"),
    ("np.sum(x * y)", 'grad(f, wrt="w")', 18, '"w"', "`f` has no parameter `w`", "wrt takes parameter names: x, y"),
    ("np.sum(x * y)", 'grad(f, wrt=("x", "w"))', 19, '"x", "w"', "`f` has no parameter `w`", None),
    ("np.sum(x * y)", "grad(f, wrt=2)", 18, "2", "wrt position 2 is out of range: `f` has 2 parameters",
     "0=x, 1=y"),
    ("np.sum(x * y)", 'grad(f, wrt=("x", "x"))', 19, '"x", "x"', "wrt names the same parameter twice", None),
    ("np.sum(x * y)", "grad(f, argnums=0)", 14, "argnums=0", "`grad` has no option `argnums`", "`wrt=`"),
    ("np.sum(x * y)", "grad(loss)", 11, "loss", "`loss` is not a @kernel function of this module",
     "decorate `loss` with @kernel"),
    ("np.sum(x * y)", "vmap(f, in_axes=(0, None, 0))", 23, "0, None, 0",
     "in_axes has 3 entries but `f` has 2 parameters (x, y)", "one entry per parameter"),
    ("np.sum(x * y)", "vmap(f, in_axes=(None, None))", 23, "None, None",
     "vmap needs at least one batched argument", "in_axes=(0, None)"),
    ("np.sum(x * y)", "vmap(f, in_axes=(2, None))", 23, "2, None", "in_axes 2 is out of range for `x`", None),
    ("np.sum(x * y)", "vmap(f, wrt=0)", 14, "wrt=0", "`vmap` has no option `wrt`", "`in_axes=`"),
    ("np.sum(x * y)", "vmap(f, in_axes=[0, 1])", 22, "[0, 1]", "`in_axes` must be an axis, None, or a tuple",
     "in_axes=(0, None)"),
    ("x * y", "vmap(f, in_axes=(0, None), out_axes=None)", 42, "None",
     "out_axes=None for a result that differs between examples", "out_axes=0"),
], ids=["grad_of_a_vector", "unknown_wrt_name", "unknown_wrt_in_tuple", "wrt_position_out_of_range",
        "wrt_twice", "unknown_option", "undefined_function", "vmap_in_axes_count", "vmap_nothing_batched",
        "vmap_in_axis_out_of_range", "vmap_unknown_option", "vmap_in_axes_not_static", "vmap_out_axes_none"])
def test_declaration_errors(result, declaration, col, marked, message, hint):
    source = DECLARATIONS.format(result=result, declaration=declaration)
    error = error_for(source)
    assert (error.loc.path, error.loc.line, error.loc.col) == (PATH, 8, col), error.format()
    assert message in error.message, error.format()
    assert underlined(error) == marked
    if hint is not None:
        assert hint in error.hint


def test_declaration_of_a_function_that_is_not_a_kernel():
    source = ('import numpy as np\nfrom lifted import kernel, grad\n\n'
              'def helper(x: "f64[n]"):\n    return np.sum(x)\n\nd_helper = grad(helper)\n')
    error = error_for(source)
    assert str(error.loc) == "examples/model.py:7:17"
    assert underlined(error) == "helper"
    assert error.message == "`helper` is not a @kernel function of this module"
    assert error.hint == "decorate `helper` with @kernel, or transform a kernel defined here"


def test_recursion_between_kernels_names_the_cycle():
    source = ('import numpy as np\nfrom lifted import kernel\n\n'
              '@kernel\ndef f(x: "f64[n]"):\n    return np.sum(g(x)) + 1.0\n\n'
              '@kernel\ndef g(x: "f64[n]"):\n    return f(x) * x\n')
    error = error_for(source)
    assert str(error.loc) == "examples/model.py:10:12"
    assert underlined(error) == "f(x)"
    assert error.message == "recursive call to kernel `f` (f -> g -> f) does not end at build time"
    assert "ends the recursion" in error.hint


def test_direct_recursion():
    error = error_for(kernel_source("return f(x)"))
    assert str(error.loc) == "examples/model.py:6:12"
    assert error.message == "recursive call to kernel `f` (f -> f) does not end at build time"


@pytest.mark.parametrize("body, line, col, message", [
    ("y = (x + 1.0\nreturn np.sum(y)", 6, 9, "syntax error: '(' was never closed"),
    ("y = x +* 2.0\nreturn np.sum(y)", 6, 12, "syntax error: invalid syntax"),
], ids=["unclosed_paren", "stray_operator"])
def test_syntax_errors_point_where_python_does(body, line, col, message):
    error = error_for(kernel_source(body))
    assert (error.loc.line, error.loc.col) == (line, col), error.format()
    assert error.message == message
    assert "valid Python" in error.hint
    lines = error.format().splitlines()
    assert lines[2] == " " * (4 + col - 1) + "^"


def test_syntax_error_in_a_def_line():
    source = 'import numpy as np\nfrom lifted import kernel\n\n@kernel\ndef f(x: "f64[n]")\n    return x\n'
    error = error_for(source)
    assert str(error.loc) == "examples/model.py:5:19"
    assert error.message == "syntax error: expected ':'"


def test_async_kernel_points_at_async():
    source = 'import numpy as np\nfrom lifted import kernel\n\n@kernel\nasync def f(x: "f64[n]"):\n    return x\n'
    error = error_for(source)
    assert str(error.loc) == "examples/model.py:5:1"
    assert underlined(error) == "async"


def test_kernel_call_with_the_wrong_number_of_arguments():
    source = ('import numpy as np\nfrom lifted import kernel\n\n@kernel\ndef g(x: "f64[n]"):\n    return x\n\n'
              '@kernel\ndef f(x: "f64[n]"):\n    return np.sum(g(x, x))\n')
    error = error_for(source)
    assert str(error.loc) == "examples/model.py:10:19"
    assert error.message == "kernel `g` takes 1 argument, 2 given"
    assert underlined(error) == "g(x, x)"


def test_errors_are_raised_before_anything_is_generated_for_a_later_kernel():
    """The first mistake in the file is the one reported, with its own location."""
    source = kernel_source("return np.sum(x)") + '\n@kernel\ndef h(x: "f64[n]"):\n    global g\n    return x\n'
    error = error_for(source)
    assert str(error.loc) == "examples/model.py:10:5"


# -- the formatting helper on its own ------------------------------------------------------------------------
def test_format_with_location_caret_and_hint():
    loc = SourceLoc("src/a.py", 3, 9, 3, 14, "    y = np.sort(x)")
    error = TranspileError("`np.sort` is not supported in kernels", loc, "see the README")
    assert error.format() == (
        "src/a.py:3:9: error: `np.sort` is not supported in kernels\n"
        "        y = np.sort(x)\n"
        "            ^^^^^\n"
        "hint: see the README")
    assert str(error) == error.format()
    assert str(loc) == "src/a.py:3:9"


def test_format_without_hint_has_no_hint_line():
    loc = SourceLoc("a.py", 1, 1, 1, 4, "abc = 1")
    assert TranspileError("bad", loc).format() == "a.py:1:1: error: bad\n    abc = 1\n    ^^^"


def test_format_without_location():
    assert TranspileError("no kernels found").format() == "error: no kernels found"
    assert TranspileError("no kernels found", None, "add @kernel").format() == \
        "error: no kernels found\nhint: add @kernel"


def test_format_of_a_span_over_several_lines_marks_to_the_end_of_the_first():
    loc = SourceLoc("a.py", 2, 5, 4, 9, "    for i in range(3):")
    lines = TranspileError("loop", loc).format().splitlines()
    assert lines[2] == "        " + "^" * len("for i in range(3):")


def test_format_of_an_empty_span_still_shows_one_caret():
    loc = SourceLoc("a.py", 1, 7, 1, 7, "x = 1 +")
    assert TranspileError("syntax error", loc).format().splitlines()[2] == "          ^"


def test_format_without_source_text_shows_only_the_location():
    loc = SourceLoc("a.py", 4, 2, 4, 3)
    assert TranspileError("oops", loc, "fix it").format() == "a.py:4:2: error: oops\nhint: fix it"


def test_located_keeps_the_first_location():
    first = SourceLoc("a.py", 1, 1, 1, 2, "x")
    second = SourceLoc("a.py", 9, 1, 9, 2, "y")
    error = TranspileError("m").located(first).located(second)
    assert error.loc is first


# -- issue 10: what the compiler used to drop or mis-read silently --------------------------------------------

def test_a_user_decorator_under_kernel_is_refused_where_it_is_written():
    source = ("import numpy as np\nfrom lifted import kernel\n\n\ndef doubled(f):\n    return f\n\n\n"
              "@kernel\n@doubled\ndef f(x: \"f64[]\"):\n    return x * x\n")
    error = error_for(source)
    assert str(error.loc) == f"{PATH}:10:1" and underlined(error) == "@doubled"
    assert "cannot have other decorators" in error.message and "outside the kernel" in error.hint


@pytest.mark.parametrize("where, line", [("class Model:\n    @kernel\n    def f(self, x):\n        return x\n", 6)],
                         ids=["method"])
def test_kernel_on_a_method_is_refused(where, line):
    """(A @kernel nested in a function is what that function makes: a factory's `loss`, see
    tests/test_function_values.py.)"""
    error = error_for("import numpy as np\nfrom lifted import kernel\n\n\n" + where)
    assert str(error.loc) == f"{PATH}:{line}:5" and underlined(error) == "@kernel"
    assert "module-level functions only" in error.message


@pytest.mark.parametrize("body, params, shown", [
    ("reversed = x * 2.0\nreturn np.sum(reversed)", 'x: "f64[n]"', "reversed"),
    ("return np.sum(np)", 'np: "f64[n]"', "np"),
    ("_unbroadcast = x\nreturn np.sum(_unbroadcast)", 'x: "f64[n]"', "_unbroadcast"),
    ("for len in range(3):\n    x = x * 2.0\nreturn np.sum(x)", 'x: "f64[n]"', "len"),
], ids=["local_reversed", "param_np", "helper_name", "loop_target_len"])
def test_names_the_generated_module_uses_are_refused_at_the_binding(body, params, shown):
    error = error_for(kernel_source(body, params))
    assert underlined(error) == shown and "is reserved in generated code" in error.message


def test_a_dimension_named_like_a_generated_name_is_refused():
    error = error_for(kernel_source("return np.sum(x)", 'x: "f64[scipy]"'))
    assert "the dimension name `scipy` is reserved" in error.message and underlined(error) == '"f64[scipy]"'


def test_identifiers_equal_under_nfkc_are_one_name():
    source = kernel_source("\ufb01 = x * 2.0\nfi = fi + x\nreturn np.sum(\ufb01 * x)") + "\ng = grad(f)\n"
    namespace: dict = {}
    exec(compile(transpile_source(source, PATH), PATH, "exec"), namespace)
    x = np.array([1.0, -2.0])
    assert namespace["f"](x) == pytest.approx(np.sum(3.0 * x * x))  # Python's value: one name
    np.testing.assert_allclose(namespace["g"](x), 6.0 * x)


def test_a_custom_vjp_rule_of_the_wrong_arity_is_a_located_error():
    source = ("import numpy as np\nfrom lifted import custom_vjp, grad, kernel\n\n\n@kernel\n"
              "def f(x: \"f64[n]\"):\n    return np.sum(np.exp(x))\n\n\n@kernel\n"
              "def f_vjp(x: \"f64[n]\", g: \"f64[]\"):\n    return g * np.exp(x)\n\n\n"
              "custom_vjp(f, f_vjp)\nf_grad = grad(f)\n")
    error = error_for(source)
    assert str(error.loc) == f"{PATH}:15:1" and "takes 2 parameters, but a rule of `f` takes 3" in error.message
    assert error.hint.startswith("def f_vjp(x, out, g)")


def test_custom_vjp_marker_refuses_a_rule_of_the_wrong_arity_at_run_time():
    from lifted import custom_vjp

    def f(x):
        return x

    def rule(x, g):
        return g

    with pytest.raises(TypeError, match="takes 2 parameters, but a rule of `f` takes 3"):
        custom_vjp(f, rule)


@pytest.mark.parametrize("name", ["np", "os", "_check_args"])
def test_a_kernel_named_like_a_module_level_name_of_generated_code_is_refused(name):
    error = error_for(kernel_source("return np.sum(x)").replace("def f(", f"def {name}("))
    assert str(error.loc) == f"{PATH}:5:5" and f"`{name}` is a name the generated module uses itself" in error.message


def test_a_kernel_may_bind_a_local_of_its_own_name():
    source = kernel_source("f = np.sum(x * x)\nreturn f") + "\ng = grad(f)\n"
    namespace: dict = {}
    exec(compile(transpile_source(source, PATH), PATH, "exec"), namespace)
    np.testing.assert_allclose(namespace["f"](np.ones(2)), 2.0)
    np.testing.assert_allclose(namespace["g"](np.array([1.0, 3.0])), [2.0, 6.0])
