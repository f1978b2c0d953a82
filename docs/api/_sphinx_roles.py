"""MkDocs hook: render the Sphinx roles of skopt_hp's numpydoc docstrings.

The docstrings follow numpydoc and cross-reference with Sphinx roles
(``:class:`~skopt_hp.Trials```). mkdocstrings renders docstrings as Markdown, which
leaves ``:class:`` in front of inline code. This hook, run on each page's HTML,
drops the role and links the name when the API reference documents it:

* ``:class:`~skopt_hp.Trials``` becomes a link titled ``Trials`` (``~`` keeps the
  last component, as in Sphinx), ``:func:`skopt_hp.fmin``` one titled
  ``skopt_hp.fmin``;
* a bare name (``:meth:`save```) is linked when exactly one object documented on
  the page ends with it, and otherwise stays plain code.

Links go through mkdocs-autorefs as *optional* references: a name that is not
documented (``sklearn.model_selection.RandomizedSearchCV``) renders as plain code
and is never a build warning.
"""

from __future__ import annotations

import html
import re
from typing import Any

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|data|obj|exc):<code>([^<]+)</code>")
DOCUMENTED_ID = re.compile(r'id="(skopt_hp\.[\w.]+)"')


def _resolve(target: str, documented: set[str]) -> str | None:
    if target.startswith("skopt_hp."):
        return target
    suffix = "." + target
    matches = [ident for ident in documented if ident.endswith(suffix)]
    return matches[0] if len(matches) == 1 else None


def on_page_content(html_text: str, **kwargs: Any) -> str:
    if ":<code>" not in html_text:
        return html_text
    documented = set(DOCUMENTED_ID.findall(html_text))

    def replace(match: re.Match[str]) -> str:
        target = html.unescape(match[1]).strip()
        short = target.startswith("~")
        target = target.lstrip("~")
        title = target.rsplit(".", 1)[-1] if short else target
        code = f"<code>{html.escape(title)}</code>"
        identifier = _resolve(target, documented)
        if identifier is None:
            return code
        return f'<autoref identifier="{html.escape(identifier)}" optional>{code}</autoref>'

    return ROLE.sub(replace, html_text)
