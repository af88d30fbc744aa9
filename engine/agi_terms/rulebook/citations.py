"""Citations: how a rule, parameter, phase or obligation names its source."""

from __future__ import annotations

import re

_SOURCE_RANGES = {"N": 19, "P": 17, "Q": 26, "S": 23, "E": 12, "D": 2}
_SOURCE_ID = re.compile(r"(?P<kind>[NPQSED])(?P<num>\d+)|§\d+(?:\.\d+)*")
_SEED = re.compile(r"seeds/[0-9a-f_]+\.txt: \".+\"")


def check_source(text: str) -> str:
    """A citation: source ids (``N8``, ``N4, N5``, ``§4.4``) or ``seeds/FILE.txt: "short quote"``."""
    text = text.strip()
    if not text:
        raise ValueError("the source is empty; cite a source id such as N8")
    if _SEED.fullmatch(text):
        return text
    for part in (p.strip() for p in text.split(",")):
        match = _SOURCE_ID.fullmatch(part)
        if match is None:
            raise ValueError(
                f"{part!r} is not a source id (N1-N19, P1-P17, Q1-Q26, S1-S23, E1-E12, D1-D2, §n.n)"
                ' or a seed citation (seeds/FILE.txt: "quote")'
            )
        if match["kind"] and not 1 <= int(match["num"]) <= _SOURCE_RANGES[match["kind"]]:
            raise ValueError(f"{part!r} is not a source id of the term sheet")
    return text
