"""Token scores as people read them: aligned with the tokens, and summed into words."""
from __future__ import annotations


def aligned(tokens: list[str], scores) -> list[tuple[str, float]]:
    """(token, score) pairs for one sequence; ``scores`` is the row of token-level attributions."""
    values = [float(s) for s in scores]
    if len(values) != len(tokens):
        raise ValueError(f"{len(tokens)} tokens but {len(values)} scores")
    return list(zip(tokens, values))


def words(tokens: list[str], scores, word_ids: list) -> list[tuple[str, float]]:
    """Sum sub-word token scores into words; ``word_ids[i]`` is token i's word (None for special tokens).

    Word text joins the sub-word pieces, dropping WordPiece's ``##`` and
    SentencePiece's ``▁`` markers.
    """
    merged: dict[int, list] = {}
    for token, score, word in zip(tokens, scores, word_ids):
        if word is None:
            continue
        piece = token[2:] if token.startswith("##") else token.lstrip("\u2581")
        entry = merged.setdefault(word, ["", 0.0])
        entry[0] += piece
        entry[1] += float(score)
    return [(text, score) for text, score in merged.values()]
