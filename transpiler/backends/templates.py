"""The Jinja2 environment over `lifted.templates` (the repository's `templates/` folder, package data when installed)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from ..codegen import c_comment_text, comment_text, docstring_literal, string_literal


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    from ... import templates  # lifted.templates, never a top-level `templates` of the user's project

    folder = Path(templates.__file__).parent
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False,
    )
    # every source-derived string reaches generated code through one of these (a file name or a docstring
    # must never end a literal or a comment early)
    env.filters.update(string_literal=string_literal, docstring=docstring_literal, comment=comment_text,
                       c_comment=c_comment_text)
    return env


def render_module(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
