"""Finding the input embedding layer and the reference input for text models."""
from __future__ import annotations

import torch
from torch import nn

from foxlike import ParameterError


def input_embedding(model, inputs, layer=None) -> nn.Module:
    """``layer`` if given; else ``get_input_embeddings()`` (Hugging Face); else the first nn.Embedding that runs.

    A TorchScript model is refused: its compiled forward runs no Python hooks, and attributing to the
    embeddings means hooking them."""
    if isinstance(model.model, torch.jit.ScriptModule):
        raise ParameterError(
            "This is a TorchScript model: its compiled forward calls no Python hooks, and attribution to the input "
            "embeddings needs one on the embedding layer. Load the model as 'module:factory' with its weights "
            "(foxlike explain/serve both take that), or explain the TorchScript model with a perturbation method "
            "(nlp.lime, nlp.kernel_shap), which only calls it."
        )
    if layer is not None:
        return model.layer(layer)
    get = getattr(model.model, "get_input_embeddings", None)
    if callable(get) and isinstance(get(), nn.Module):
        return get()
    ran = model.run_order(inputs, nn.Embedding)
    if not ran:
        raise ParameterError(
            "The model has no nn.Embedding that runs on the token ids, so foxlike cannot find its input "
            "embeddings. Name the layer with layer='<dotted.name>' (see model.named_modules())."
        )
    return ran[0]


def check_token_ids(inputs) -> None:
    if inputs.is_floating_point() or inputs.dim() != 2:
        raise ParameterError(
            f"nlp explainers take token ids: a (batch, sequence) integer tensor, got {tuple(inputs.shape)} of "
            f"{inputs.dtype}. Tokenize the text first; for images use the cv.* explainers."
        )


def reference_ids(inputs: torch.Tensor, pad_id: int, special_ids) -> torch.Tensor:
    """Every token replaced by padding, except special tokens ([CLS], [SEP], ...), which keep their place."""
    reference = torch.full_like(inputs, pad_id)
    keep = torch.isin(inputs, torch.as_tensor(list(special_ids or ()), dtype=inputs.dtype, device=inputs.device))
    return torch.where(keep, inputs, reference)
