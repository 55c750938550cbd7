"""Indexing: the index model and shape rules (`items`), the registry entries (`entries`), their batching
rules (`batch_rules`)."""
from .entries import Scatter, slice_along, take_along
from .items import Ref, advanced_items, array_axis, index_refs, render_index, shift_refs

__all__ = ["Ref", "Scatter", "advanced_items", "array_axis", "index_refs", "render_index", "shift_refs", "slice_along",
           "take_along"]
