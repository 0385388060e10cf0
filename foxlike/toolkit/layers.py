"""Finding the layer a layer method attributes to: the last feature map the model's head consumes.

"The last conv layer" is wrong on most models people use: in a ResNet the
last conv (``layer4.1.conv2``) is bypassed by the block's skip connection, so
Layer IG through it cannot add up to the output (relative error 0.86 on
resnet18) and Grad-CAM sees only part of what the head reads; in a ViT it is
the patch embedding. So the model is run on one sample with every module
hooked, and the modules whose output is a map of the image (channels first,
channels last, or a patch-token sequence: :mod:`foxlike.toolkit.feature_maps`)
are tried from the last to finish backwards. The first one taken is the one
that

- nothing bypasses: with its output cut from the graph, the output no longer
  depends on the image (a block's output passes, the conv inside it does not);
- whose map the output reads: the gradient at its grid positions is not all
  zero (a ViT's last block fails: only its class token reaches the head),
  unless the gradient is zero everywhere (a head initialised to zero).

Modules that run more than once, or that only enlarge a smaller map (VGG's
adaptive pooling to 7x7 of a 2x2 map), are not taken; nor is a pooling layer
(or a block whose output is its last pooling layer's), whose map is the one
before it at a lower resolution: on the digits CNN the pooled 4x4 map left
Grad-CAM all zero for some digits, the 8x8 map before the pooling did not.
"""
from __future__ import annotations

import torch
from torch import nn

from ..errors import ParameterError
from .feature_maps import Layout, Reshape, find_layout, layout_for
from .probes import remembered, signature
from .rows import as_tuple

#: Candidates tried before giving up: a ViT's last block has about a dozen modules to try before the block
#: in front of it.
MOST_CANDIDATES = 64
#: Layers that only pool the map before them.
POOLING = (nn.MaxPool2d, nn.AvgPool2d, nn.LPPool2d, nn.FractionalMaxPool2d)


def _image(sample) -> torch.Tensor:
    return as_tuple(sample)[0]


def _ran(model, sample, args) -> tuple[list[tuple[nn.Module, tuple, tuple | None]], dict]:
    """``(module, output shape, first input's shape)`` in the order modules finish, and how often each ran."""
    finished, calls = [], {}

    def record(module, inputs, output):
        calls[module] = calls.get(module, 0) + 1
        if isinstance(output, torch.Tensor):
            first = inputs[0].shape if inputs and isinstance(inputs[0], torch.Tensor) else None
            finished.append((module, tuple(output.shape), first))

    handles = [m.register_forward_hook(record) for m in model.model.modules() if m is not model.model]
    try:
        with torch.no_grad():
            model.on(sample, *args)
    finally:
        for handle in handles:
            handle.remove()
    return finished, calls


def _enlarges(layout: Layout, first_input: tuple | None) -> bool:
    return (layout.kind == "channels_first" and first_input is not None and len(first_input) == 4
            and first_input[2] * first_input[3] < layout.positions)


def _pools(finished: list, index: int) -> bool:
    """Whether module ``index`` is a pooling layer, or a block whose output is that of the pooling layer that
    finished just before it (its last child)."""
    module, shape, _ = finished[index]
    if isinstance(module, POOLING):
        return True
    if index == 0:
        return False
    previous, previous_shape, _ = finished[index - 1]
    return isinstance(previous, POOLING) and previous_shape == shape and any(m is previous for m in module.modules())


def _read_whole(model, sample, args, module: nn.Module, layout: Layout) -> bool:
    """Whether the output depends on the image only through ``module`` and reads its map."""
    inputs = tuple(x.detach().clone().requires_grad_(x.is_floating_point()) for x in as_tuple(sample))
    cut = {}

    def detach(_, __, output):
        cut["leaf"] = output.detach().requires_grad_(True)
        return cut["leaf"].clone()  # not the leaf itself: the model may change its output in place

    handle = module.register_forward_hook(detach)
    try:
        with torch.enable_grad():
            output = model.on(inputs if isinstance(sample, tuple) else inputs[0], *args)
            # random weights: a plain sum of softmax outputs is constant, and its gradient zero everywhere
            weights = torch.randn(output.shape, generator=torch.Generator().manual_seed(0)).to(output)
            through, around = torch.autograd.grad((output * weights).sum(), [cut["leaf"], inputs[0]],
                                                  allow_unused=True)
    finally:
        handle.remove()
    if around is not None or through is None:
        return False
    # a layer whose output has no gradient at all (a head initialised to zero) cannot be judged by it
    return bool(layout.to_map(through).ne(0).any()) or not bool(through.ne(0).any())


def _search(model, inputs) -> tuple[nn.Module, Layout]:
    sample, args = model.first_sample(inputs)
    image = tuple(_image(sample).shape[-2:])
    finished, calls = _ran(model, sample, args)
    tried = 0
    for index in reversed(range(len(finished))):
        module, shape, first_input = finished[index]
        layout = find_layout(shape, image)
        if calls[module] != 1 or layout is None or layout.positions < 2 or _enlarges(layout, first_input):
            continue
        if _pools(finished, index):
            continue
        if _read_whole(model, sample, args, module, layout):
            return module, layout
        tried += 1
        if tried == MOST_CANDIDATES:
            break
    raise ParameterError(
        "No layer of the model gives a feature map of the image that its output reads whole (a map (N, C, h, w), "
        "(N, h, w, C) or patch tokens (N, T, C) that nothing bypasses), so there is no layer to attribute to. "
        "Name a layer with layer='<dotted.name>' (see model.named_modules()) or pass the module itself."
    )


def find_layer(model, inputs) -> tuple[nn.Module, Layout]:
    """The last feature map the model's head consumes whole, and its layout (remembered per model and input
    signature)."""
    question = ("feature_layer", *map(signature, as_tuple(inputs)), *(signature(a) for a in model.forward_args))
    return remembered(model.model, question, lambda: _search(model, inputs))


def _output_shape(model, inputs, module: nn.Module) -> tuple:
    shapes = []
    handle = module.register_forward_hook(lambda _, __, output: shapes.append(output))
    sample, args = model.first_sample(inputs)
    try:
        with torch.no_grad():
            model.on(sample, *args)
    finally:
        handle.remove()
    if not shapes:
        raise ParameterError(f"Layer {model.layer_name(module)!r} does not run in the model's forward pass: "
                             "name a layer that does.")
    if not isinstance(shapes[-1], torch.Tensor):
        raise ParameterError(f"Layer {model.layer_name(module)!r} returns a {type(shapes[-1]).__name__}, not a "
                             "tensor: name a layer whose output is the feature map (or a module inside it).")
    return tuple(shapes[-1].shape)


def feature_layer(model, inputs, layer=None, reshape: Reshape = "auto") -> tuple[nn.Module, Layout]:
    """``layer`` (a dotted name or a module; found with :func:`find_layer` when ``None``) and its layout."""
    if layer is None and reshape == "auto":
        return find_layer(model, inputs)
    module = find_layer(model, inputs)[0] if layer is None else model.layer(layer)
    image = tuple(_image(inputs).shape[-2:])
    return module, layout_for(_output_shape(model, inputs, module), image, reshape, model.layer_name(module))


def resolve_layer(model, inputs, layer) -> nn.Module:
    """``layer`` as given (a dotted name or a module), or the one :func:`find_layer` finds when ``None``."""
    return find_layer(model, inputs)[0] if layer is None else model.layer(layer)


def upsample_to_input(attributions: torch.Tensor, inputs, layout: Layout | None = None) -> torch.Tensor:
    """As a map (``layout``), summed over channels and resized bilinearly to the input's size: (N, 1, H, W)."""
    if layout is not None:
        attributions = layout.to_map(attributions)
    summed = attributions.sum(dim=1, keepdim=True) if attributions.dim() == 4 else attributions
    if summed.dim() != 4:
        raise ParameterError(
            f"upsample=True needs a layer with 4-D output (N, C, h, w); this layer gives {tuple(attributions.shape)}."
        )
    return nn.functional.interpolate(summed, size=_image(inputs).shape[-2:], mode="bilinear", align_corners=False)
