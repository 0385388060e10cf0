"""Feature masks for perturbation methods: which pixels switch on and off together.

``"slic"`` segments each image into superpixels with scikit-image's SLIC;
``"grid"`` cuts it into square cells. Either way the mask is a LongTensor
(N, 1, H, W) of feature ids 0..k-1 per image, shared by all channels.
"""
from __future__ import annotations

import torch

from foxlike import ParameterError


def grid_mask(inputs: torch.Tensor, cell: int) -> torch.Tensor:
    height, width = inputs.shape[-2:]
    rows = torch.arange(height, device=inputs.device) // cell
    cols = torch.arange(width, device=inputs.device) // cell
    ids = rows[:, None] * ((width + cell - 1) // cell) + cols[None, :]
    return ids.expand(inputs.shape[0], 1, height, width).clone()


def slic_mask(inputs: torch.Tensor, n_segments: int, compactness: float) -> torch.Tensor:
    from skimage.segmentation import slic

    masks = []
    for image in inputs.detach().cpu():
        pixels = image.permute(1, 2, 0).double().numpy()
        span = pixels.max() - pixels.min()
        pixels = (pixels - pixels.min()) / (span if span > 0 else 1.0)
        segments = slic(pixels, n_segments=n_segments, compactness=compactness, start_label=0,
                        channel_axis=-1, convert2lab=pixels.shape[-1] == 3)
        masks.append(torch.from_numpy(segments).long())
    return torch.stack(masks)[:, None].to(inputs.device)


def feature_masks(inputs: torch.Tensor, feature_mask=None, segmentation: str = "slic", n_segments: int = 50,
                  compactness: float = 10.0, cell: int | None = None) -> torch.Tensor:
    """The user's mask, expanded to one per image, or one made by ``segmentation``."""
    if feature_mask is not None:
        mask = torch.as_tensor(feature_mask, device=inputs.device).long()
        while mask.dim() < inputs.dim():
            mask = mask.unsqueeze(0)
        try:
            return mask.expand(inputs.shape[0], -1, *inputs.shape[2:]).clone()
        except RuntimeError:
            raise ParameterError(
                f"feature_mask of shape {tuple(feature_mask.shape)} does not fit inputs of shape "
                f"{tuple(inputs.shape)}: give (H, W), (1, H, W), (N, 1, H, W) or the input's shape."
            ) from None
    if segmentation == "grid":
        return grid_mask(inputs, cell or max(1, min(inputs.shape[-2:]) // 4))
    if segmentation == "slic":
        return slic_mask(inputs, n_segments, compactness)
    raise ParameterError(f"segmentation must be 'slic' or 'grid', got {segmentation!r}.")
