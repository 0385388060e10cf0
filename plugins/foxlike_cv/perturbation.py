"""The machinery LIME and Kernel SHAP share: switch features off, evaluate the model in batches."""
from __future__ import annotations

import torch


def masked_scores(model, image, mask, n_features, coalitions, target, baselines, forward_args, per_eval):
    """The target score for ``image`` with the features where a coalition row is 0 set to ``baselines``.

    ``coalitions`` is (S, k) of 0/1; the model runs on ``per_eval`` perturbed
    images at a time.
    """
    scores = []
    onehot = torch.nn.functional.one_hot(mask.reshape(-1), n_features).to(image.dtype)  # (pixels, k)
    for chunk in coalitions.split(per_eval):
        keep = (chunk.to(image.dtype) @ onehot.T).reshape(len(chunk), *mask.shape)  # (s, 1, H, W)
        perturbed = image * keep + baselines * (1 - keep)
        args = tuple(a.expand(len(chunk), *a.shape[1:]) if isinstance(a, torch.Tensor) and a.dim() else a
                     for a in forward_args)
        with torch.no_grad():
            output = model(perturbed, *args).reshape(len(chunk), -1)
        scores.append(output[:, 0] if target is None else output[:, int(target)])
    return torch.cat(scores).double()


def per_image(inputs, target, forward_args):
    """Each image with its own target and its own rows of the batched forward arguments."""
    for i in range(inputs.shape[0]):
        args = tuple(a[i:i + 1] if isinstance(a, torch.Tensor) and a.dim() and a.shape[0] == inputs.shape[0]
                     else a for a in forward_args)
        yield i, inputs[i:i + 1], None if target is None else target[i], args


def to_input_shape(coefficients: torch.Tensor, mask: torch.Tensor, inputs_shape) -> torch.Tensor:
    """Spread each feature's coefficient over its pixels, in every channel."""
    return coefficients[mask].expand(inputs_shape)

