"""`np.histogram` in its two forms: a number of equal bins (equal_bins.py, with the outer edges and the block-wise
counts of counts.py) and explicit bin edges (edges.py)."""
from .equal_bins import FUNCTIONS, histogram

__all__ = ["FUNCTIONS", "histogram"]
