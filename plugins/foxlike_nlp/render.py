"""Token attributions as HTML (every token escaped) and as coloured terminal text."""
from __future__ import annotations


def _strength(score: float, scale: float) -> float:
    return min(1.0, abs(score) / scale) if scale > 0 else 0.0


def _scale(pairs) -> float:
    return max((abs(s) for _, s in pairs), default=0.0)


def to_html(pairs: list[tuple[str, float]]) -> str:
    """Escaped token spans coloured by attribution: the report's own renderer, so both look the same."""
    import numpy as np

    from foxlike.toolkit.token_colours import tokens_html

    return tokens_html([token for token, _ in pairs], np.array([score for _, score in pairs], dtype=np.float64))


def to_terminal(pairs: list[tuple[str, float]]) -> str:
    """Tokens on a red (for the target) or blue (against) background as in the report (ANSI 256 colours)."""
    reds, blues = (224, 217, 210, 203, 196), (189, 153, 117, 75, 33)
    scale = _scale(pairs)
    parts = []
    for token, score in pairs:
        shade = (reds if score >= 0 else blues)[min(4, int(_strength(score, scale) * 4.999))]
        parts.append(f"\x1b[48;5;{shade}m\x1b[30m{token}\x1b[0m")
    return " ".join(parts)
