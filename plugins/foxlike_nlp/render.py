"""Token attributions as HTML (every token escaped) and as coloured terminal text."""
from __future__ import annotations

import html


def _strength(score: float, scale: float) -> float:
    return min(1.0, abs(score) / scale) if scale > 0 else 0.0


def _scale(pairs) -> float:
    return max((abs(s) for _, s in pairs), default=0.0)


def to_html(pairs: list[tuple[str, float]]) -> str:
    """Spans coloured green (for the target) or red (against), with the score in the title."""
    scale = _scale(pairs)
    spans = []
    for token, score in pairs:
        rgb = "22,163,74" if score >= 0 else "220,38,38"
        spans.append(
            f'<span class="token" title="{score:+.4f}" style="background: rgba({rgb},'
            f'{_strength(score, scale):.2f})">{html.escape(token)}</span>'
        )
    return '<span class="tokens">' + " ".join(spans) + "</span>"


def to_terminal(pairs: list[tuple[str, float]]) -> str:
    """Tokens with a green or red background whose intensity follows the score (ANSI 256 colours)."""
    greens, reds = (194, 157, 120, 82, 46), (224, 217, 210, 203, 196)
    scale = _scale(pairs)
    parts = []
    for token, score in pairs:
        shade = (greens if score >= 0 else reds)[min(4, int(_strength(score, scale) * 4.999))]
        parts.append(f"\x1b[48;5;{shade}m\x1b[30m{token}\x1b[0m")
    return " ".join(parts)
