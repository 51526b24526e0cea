"""How deeply a JSON text nests, found without parsing it (so a hostile body cannot exhaust the stack).

:func:`deeper_than` drops the strings (with their escapes) and counts ``[``/``{`` levels over the
brackets left, all in C-speed regular expressions but the bracket walk; it stops as soon as ``limit``
is passed. The relay refuses a body nested deeper than :data:`pharmacy_desk.kuper.bounds.MAX_DEPTH`
before ``json.loads`` sees it (Python's parser recurses; about a thousand levels end in
``RecursionError``).
"""

from __future__ import annotations

import re

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")


def deeper_than(text: str | bytes, limit: int) -> bool:
    """True when ``text`` nests ``[``/``{`` more than ``limit`` levels (malformed JSON: some answer;
    parsing it later tells what is wrong)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # cannot be deeper (cheap: the usual case)
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
