"""The Jinja2 environment over `lifted.templates` (the repository's `templates/` folder, package data when installed)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    from ... import templates  # lifted.templates, never a top-level `templates` of the user's project

    folder = Path(templates.__file__).parent
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False,
    )


def render_module(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
