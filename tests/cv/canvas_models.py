"""Digits pasted on a larger canvas, and the small segmentation network trained on them in-session.

Each 32x32 canvas holds two different scikit-learn digits (8x8, doubled to 16x16), one in each half at a
random height; the label of a pixel is 1 + its digit's index in DIGITS where the digit's ink is, 0 elsewhere.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

CANVAS, DIGIT = 32, 16
#: the digits drawn (shapes a network this small tells apart in seconds); class i + 1 is DIGITS[i]
DIGITS = (0, 1, 4, 7)
CLASSES = len(DIGITS) + 1


def digit_canvases(count: int, seed: int = 0):
    """``(images (count, 1, 32, 32), labels (count, 32, 32), boxes (count, 2, 4) x1 y1 x2 y2, classes (count, 2))``:
    a class is 1 + the digit's index in DIGITS, as in the labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    kept = np.isin(digits.target, DIGITS)
    pictures = torch.tensor(digits.images[kept] / 16.0, dtype=torch.float32)
    pictures = pictures.repeat_interleave(2, 1).repeat_interleave(2, 2)
    classes = torch.tensor([DIGITS.index(d) for d in digits.target[kept]])
    rng = np.random.default_rng(seed)
    images = torch.zeros(count, 1, CANVAS, CANVAS)
    labels = torch.zeros(count, CANVAS, CANVAS, dtype=torch.long)
    boxes = torch.zeros(count, 2, 4, dtype=torch.long)
    chosen = torch.zeros(count, 2, dtype=torch.long)
    for i in range(count):
        first = int(rng.integers(len(classes)))
        second = int(rng.choice(np.flatnonzero(classes.numpy() != int(classes[first]))))
        for slot, index in enumerate((first, second)):
            x, y = slot * DIGIT, int(rng.integers(0, CANVAS - DIGIT + 1))
            picture = pictures[index]
            images[i, 0, y:y + DIGIT, x:x + DIGIT] = picture
            labels[i, y:y + DIGIT, x:x + DIGIT][picture > 0.25] = int(classes[index]) + 1
            boxes[i, slot] = torch.tensor([x, y, x + DIGIT, y + DIGIT])
            chosen[i, slot] = int(classes[index]) + 1
    return images, labels, boxes, chosen


class CanvasSegmenter(nn.Module):
    """An encoder-decoder small enough to train on two cores: background and the four digits."""

    def __init__(self):
        super().__init__()
        self.encode = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 32, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.decode = nn.Sequential(
            nn.ConvTranspose2d(32, 16, 4, stride=4), nn.ReLU(), nn.Conv2d(16, CLASSES, 3, padding=1),
        )

    def forward(self, x):
        return {"out": self.decode(self.encode(x))}  # as torchvision's segmentation models


def trained_segmenter(epochs: int = 10, seed: int = 0) -> CanvasSegmenter:
    torch.manual_seed(seed)
    images, labels, _, _ = digit_canvases(1000, seed)
    model = CanvasSegmenter()
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    weights = torch.ones(CLASSES)
    weights[0] = 0.3  # background is most of every canvas
    for _ in range(epochs):
        for batch in torch.randperm(len(images)).split(64):
            loss = nn.functional.cross_entropy(model(images[batch])["out"], labels[batch], weight=weights)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return model.eval()
