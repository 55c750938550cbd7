"""What reading a module's top level finds: its kernels, its transform declarations and the names its imports
and assignments bind, with a locator that turns LibCST nodes into source positions for errors."""
from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ...sources import physical_lines
from ..errors import SourceLoc


@dataclass
class KernelSource:
    name: str
    node: cst.FunctionDef
    loc: SourceLoc


@dataclass
class Declaration:
    """`target = transform(func, wrt=...)`; `wrt` holds parameter names or positions as written."""

    target: str
    transform: str
    func: str
    wrt: tuple | None
    wrt_is_tuple: bool
    loc: SourceLoc
    func_loc: SourceLoc | None = None  # the transformed function's name in the call, for errors about it
    wrt_loc: SourceLoc | None = None  # the `wrt=` value, for errors about it
    hidden: bool = False  # the inner call of a nested declaration, `jvp(grad(f))`: not emitted on its own
    in_axes: object = 0  # vmap: an axis or None per parameter (or one for all), as written
    out_axes: object = 0  # vmap: an axis or None per result (or one for all), as written
    options_loc: tuple = (None, None)  # where vmap's in_axes and out_axes are written, for errors about them


@dataclass
class ParsedModule:
    path: str
    text: str
    kernels: dict[str, KernelSource]
    declarations: list[Declaration]
    constants: dict[str, object]  # module-level numbers, with their value once the module has run
    locate: "Locator"
    # local name -> the NumPy/SciPy path it stands for ("np" -> "numpy", "logsumexp" -> "scipy.special.logsumexp"),
    # or an AD library ("jax") whose attributes may lead there
    modules: dict[str, str] = field(default_factory=dict)
    # local name -> (library, name) for transforms imported from lifted, autograd or jax
    transform_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    dists: dict[str, KernelSource] = field(default_factory=dict)  # `@dist` functions (transpiler.dist)
    helpers: dict[str, cst.FunctionDef] = field(default_factory=dict)  # undecorated functions dist code may call
    # local name -> (module, name, import statement) for names imported from other project modules
    imported: dict[str, tuple[str, str, cst.CSTNode]] = field(default_factory=dict)
    unstable: dict[str, SourceLoc] = field(default_factory=dict)  # module-level names rebound unpredictably
    # local name -> full name, for functions imported from an AD library's own code (autograd.misc.fixed_points's
    # `fixed_point`): nothing the compiler can see into, named in the error where a kernel calls one
    library_functions: dict[str, str] = field(default_factory=dict)
    # an undecorated-looking helper that has another decorator (`@primitive`): name -> that decorator's source
    decorated: dict[str, str] = field(default_factory=dict)
    source_file: str | None = None  # the real path of the file (imports resolve next to it)
    # every other file the build read (path -> digest of its bytes) or looked for and did not find (-> None):
    # the on-the-fly cache is valid while these are unchanged (shared with the modules it imports from)
    dependencies: dict[str, str | None] = field(default_factory=dict)
    # kernel -> (its reverse rule kernel, where declared), from `custom_vjp(f, f_vjp)`
    custom_vjps: dict[str, tuple[str, SourceLoc]] = field(default_factory=dict)
    python_names: dict[str, str] = field(default_factory=dict)  # `functools`, `partial` -> "functools.partial"
    # other module-level assignments (`sizes = [2, 10, 1]`, `loss = make_loss(sizes)`), in order: evaluated at
    # build time when a kernel or a declaration needs them (module_scope.py)
    statements: list[cst.BaseSmallStatement] = field(default_factory=list)
    # "module" -> the code of the module-level statements that compute arrays (`A = np.eye(3) * 2`) and the
    # names holding them (module_scope.py): made by the first lowering of the module, emitted once at the top of
    # the generated module
    module_arrays: dict = field(default_factory=dict)
    import_only: bool = False  # read for the kernels another module imports from it (its arrays are not emitted)


class Locator:
    """Turns LibCST nodes into `SourceLoc`s (1-based columns, the whole source line kept)."""

    def __init__(self, path: str, text: str, positions):
        self.path = path
        self.lines = physical_lines(text)
        self.positions = positions
        self._placed: dict = {}  # nodes the compiler writes (`a.fill(v)` as `a[...] = v`) -> the source's position

    def place_like(self, node: cst.CSTNode, like: cst.CSTNode) -> None:
        """Give a node the compiler writes, and every node under it that the source does not hold, the position of
        the source node `like`: its errors point there."""
        if node not in self.positions:
            self._placed[node] = self.positions[like] if like in self.positions else self._placed[like]
        for child in node.children:
            self.place_like(child, like)

    def __call__(self, node: cst.CSTNode) -> SourceLoc:
        pos = self.positions[node] if node in self.positions else self._placed[node]
        line = pos.start.line
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return SourceLoc(self.path, line, pos.start.column + 1, pos.end.line, pos.end.column + 1, text)
