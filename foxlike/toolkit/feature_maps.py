"""How a layer's output is laid out as a map of the image: channels first, channels last, or tokens.

Grad-CAM and upsampled layer attributions need (N, C, h, w). A CNN layer gives
that; a Swin stage gives channels last (N, h, w, C); a ViT block gives a token
sequence (N, T, C) whose first tokens (class, distillation, register) are not
patches and whose other ``h * w`` tokens are the patch grid, row by row.
A layout is recognised by the grid's aspect matching the image's: (N, 2, 2, 768)
for a 64 px image is channels last, since as channels first it would be
2 channels of a 2 x 768 map.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Literal, Union

import torch

from ..errors import ParameterError

#: ``reshape=`` of the layer methods: find the layout, name it, or a function (N, ...) -> (N, C, h, w).
Reshape = Union[Literal["auto", "channels_first", "channels_last", "tokens"], Callable]
#: The most leading non-patch tokens looked for: a class token, a distillation token and up to 8 registers.
MOST_EXTRA_TOKENS = 10


@dataclass(frozen=True)
class Layout:
    kind: str  # "channels_first", "channels_last", "tokens" or "custom"
    grid: tuple[int, int]
    extra_tokens: int = 0
    custom: Callable | None = None

    @property
    def positions(self) -> int:
        return self.grid[0] * self.grid[1]

    def to_map(self, values: torch.Tensor) -> torch.Tensor:
        """``values`` (shaped like the layer's output) as (N, C, h, w)."""
        if self.kind == "channels_first":
            return values
        if self.kind == "channels_last":
            return values.permute(0, 3, 1, 2)
        if self.kind == "custom":
            return self.custom(values)
        patches = values[:, self.extra_tokens:, :]
        return patches.transpose(1, 2).reshape(values.shape[0], values.shape[2], *self.grid)

    def describe(self) -> str:
        if self.kind == "tokens":
            return f"tokens: {self.extra_tokens} extra, then a {self.grid[0]}x{self.grid[1]} grid"
        return f"{self.kind.replace('_', ' ')}, {self.grid[0]}x{self.grid[1]}"


def _fits(h: int, w: int, image: tuple[int, int]) -> bool:
    """Whether an h x w grid can be a map of an image of this size (its aspect, within one cell)."""
    height, width = image
    return 0 < h <= height and 0 < w <= width and abs(h * width - w * height) <= max(height, width)


def _token_grid(tokens: int, image: tuple[int, int]) -> tuple[int, tuple[int, int]] | None:
    for extra in range(min(MOST_EXTRA_TOKENS, tokens - 1) + 1):
        patches = tokens - extra
        h = max(1, round(math.sqrt(patches * image[0] / image[1])))
        if patches % h == 0 and _fits(h, patches // h, image):
            return extra, (h, patches // h)
    return None


def find_layout(shape: tuple, image: tuple[int, int], kind: str = "auto") -> Layout | None:
    """The layout of a layer output ``shape`` for an image of ``image`` (height, width); ``None`` if none fits."""
    if len(shape) == 4 and kind in ("auto", "channels_first") and (kind != "auto" or _fits(*shape[2:], image)):
        return Layout("channels_first", tuple(shape[2:]))
    if len(shape) == 4 and kind in ("auto", "channels_last") and (kind != "auto" or _fits(*shape[1:3], image)):
        return Layout("channels_last", tuple(shape[1:3]))
    if len(shape) == 3 and kind in ("auto", "tokens"):
        found = _token_grid(shape[1], image)
        return None if found is None else Layout("tokens", found[1], found[0])
    return None


def layout_for(shape: tuple, image: tuple[int, int], reshape: Reshape, layer_name: str) -> Layout:
    """The layout ``reshape`` asks for, checked against the layer's output ``shape``."""
    if callable(reshape):
        return Layout("custom", (0, 0), custom=reshape)
    kinds = ("auto", "channels_first", "channels_last", "tokens")
    if reshape not in kinds:
        raise ParameterError(f"reshape={reshape!r} is not a layout: use one of {', '.join(map(repr, kinds))} "
                             "or a function mapping the layer's output to (N, C, h, w).")
    layout = find_layout(shape, image, reshape)
    if layout is None:
        raise ParameterError(
            f"Layer {layer_name!r} gives {shape}, which is not a feature map of the {image[0]}x{image[1]} image "
            f"({reshape}): a layer method needs (N, C, h, w), (N, h, w, C) or tokens (N, T, C) of a patch grid. "
            "Name another layer with layer=, or pass reshape=<function> that turns this output into (N, C, h, w)."
        )
    return layout
