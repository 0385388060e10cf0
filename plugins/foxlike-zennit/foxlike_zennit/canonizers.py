"""The canonizer for a model's architecture, chosen by looking at its modules.

LRP's rules need a model in a canonical form: a BatchNorm folded into the
layer before it, and a ResNet's skip connection made a module (``a + b`` in
a forward method is invisible to hooks, so relevance through it is not
redistributed and conservation breaks: on a random resnet18 the relevance
summed to 248 times the target's score with the BatchNorm merge alone, and
to 0.97 times with Zennit's ResNetCanonizer).
"""
from __future__ import annotations

import torch

from foxlike import ParameterError

#: canonizer name -> what it is for; "auto" picks one of these from the modules
CANONIZERS = {
    "resnet": "torchvision ResNets: BatchNorm merged and every BasicBlock and Bottleneck summed by a module",
    "vgg": "torchvision VGGs: BatchNorm merged into the layer before it",
    "merge_batch_norm": "any model: every BatchNorm that directly follows a linear or conv layer merged into it",
    "none": "the model as it is",
}


def chosen(model: torch.nn.Module, name: str) -> str:
    """``name``, or for ``"auto"`` the canonizer the model's modules call for."""
    if name != "auto":
        if name not in CANONIZERS:
            raise ParameterError(f"canonizer={name!r} is not one foxlike knows: choose 'auto' or one of "
                                 f"{', '.join(CANONIZERS)}.")
        return name
    from torchvision.models.resnet import BasicBlock, Bottleneck
    from torchvision.models.vgg import VGG

    if any(isinstance(m, (BasicBlock, Bottleneck)) for m in model.modules()):
        return "resnet"
    return "vgg" if isinstance(model, VGG) else "merge_batch_norm"


def canonizers(name: str) -> list:
    """Zennit's canonizer objects for a name of :data:`CANONIZERS`."""
    from zennit.canonizers import SequentialMergeBatchNorm
    from zennit.torchvision import ResNetCanonizer, VGGCanonizer

    return {"resnet": [ResNetCanonizer()], "vgg": [VGGCanonizer()], "merge_batch_norm": [SequentialMergeBatchNorm()],
            "none": []}[name]
