"""Text attributions as HTML: each token on a background whose colour and strength give its attribution.

Red is for tokens that raise the explained score, blue for those that lower
it. Every token is HTML-escaped: it came from the user's data.
"""
from __future__ import annotations

import html

import numpy as np


def token_scores(attributions: np.ndarray, n_tokens: int) -> np.ndarray:
    """One number per token: embedding dimensions summed, cut to the tokens shown."""
    values = np.asarray(attributions, dtype=np.float64)
    values = values.reshape(values.shape[0], -1).sum(axis=1) if values.ndim > 1 else values
    return np.nan_to_num(values[:n_tokens])


def tokens_html(tokens: list[str], attributions: np.ndarray) -> str:
    """``<span>`` per token, coloured by its share of the largest absolute attribution."""
    scores = token_scores(attributions, len(tokens))
    scale = float(np.abs(scores).max()) or 1.0
    spans = []
    for token, score in zip(tokens, scores):
        strength = abs(score) / scale
        colour = "220,40,40" if score >= 0 else "40,80,220"
        spans.append(
            f'<span class="token" title="{score:+.4g}" style="background: rgba({colour},{strength:.2f})">'
            f"{html.escape(token)}</span>"
        )
    return " ".join(spans)
