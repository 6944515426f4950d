"""The paper's orders of methods, problems and modes, the influence backends, and fixed method
colours.

Names not known to the paper come after the known ones, in the order they are first seen.
"""

METHODS = ("pinnfluence", "rar", "grad_dot", "out_grad", "loss_grad", "random", "static")
PDES = ("diffusion", "allen_cahn", "burgers", "wave", "drift_diffusion")
MODES = ("add", "replace")
# influence.backend in the program's order (src/config/keys.c)
BACKENDS = ("arnoldi", "exact", "gauss_newton", "block_krylov")

# One colour per method in every figure (matplotlib's tab10, colour-blind friendlier order:
# the two influence methods in strong colours, the baselines after, static in black).
_METHOD_COLOURS = {
    "pinnfluence": "#d62728",
    "rar": "#1f77b4",
    "grad_dot": "#ff7f0e",
    "out_grad": "#9467bd",
    "loss_grad": "#2ca02c",
    "random": "#8c564b",
    "static": "#333333",
}
_EXTRA_COLOURS = ("#e377c2", "#17becf", "#bcbd22", "#7f7f7f")


def ordered(names, known):
    """The distinct names, those in `known` first (in that order), then the rest as first seen."""
    distinct = list(dict.fromkeys(names))
    return [n for n in known if n in distinct] + [n for n in distinct if n not in known]


def method_colour(method):
    """A fixed colour for a method (unknown methods get stable colours by their name)."""
    if method in _METHOD_COLOURS:
        return _METHOD_COLOURS[method]
    return _EXTRA_COLOURS[sum(map(ord, method)) % len(_EXTRA_COLOURS)]

