"""Integrated Gradients for text: Layer IG on the input embeddings, summed to one score per token."""
from __future__ import annotations

import foxlike
from foxlike.toolkit.parameter_types import Count, PathMethod, Steps
from foxlike.toolkit.quadrature import weight_correction

from .embeddings import check_token_ids, input_embedding, reference_ids


def embedding_attributions(model, inputs, target, pad_id, special_ids, layer, n_steps, method, internal_batch_size):
    """Layer IG on the input embedding layer from the padding reference: ``(N, L', D)`` attributions (``L'``
    is the length the embedding ran on) and the layer."""
    from captum.attr import LayerIntegratedGradients

    check_token_ids(inputs)
    embedding = input_embedding(model, inputs, layer)
    per_dimension = LayerIntegratedGradients(model, embedding).attribute(
        inputs, baselines=reference_ids(inputs, pad_id, special_ids), target=target,
        additional_forward_args=model.additional_forward_args, n_steps=n_steps, method=method,
        internal_batch_size=internal_batch_size,
    ) * weight_correction(method, n_steps)
    return per_dimension, embedding


class IntegratedGradients(foxlike.Explainer):
    """Integrated Gradients on the input embeddings, one score per token, from a padding reference.

    The reference replaces every token by ``pad_id`` except ``special_ids``
    ([CLS], [SEP], ...), which stay in place. Attention masks and other
    forward arguments reach every interpolation step. ``layer`` overrides
    the embedding layer found (``get_input_embeddings()`` on Hugging Face
    models, else the first nn.Embedding that runs). The token scores sum the
    attributions over the embedding dimension; ``extras`` keeps the unsummed
    ``embedding_attributions`` (batch, sequence, dimension) and the layer's name.
    """

    name = "nlp.integrated_gradients"
    default_target = "nlp.argmax"  # refuses a language model's output, naming the nlp.llm_* explainers
    modality = "nlp"
    completeness = True

    def calculate_features(self, model, inputs, target, pad_id: int = 0, special_ids: tuple | list = (), layer=None,
                           n_steps: Steps = 50, method: PathMethod = "gausslegendre",
                           internal_batch_size: Count | None = None):
        per_dimension, embedding = embedding_attributions(model, inputs, target, pad_id, special_ids, layer,
                                                          n_steps, method, internal_batch_size)
        return foxlike.Features(per_dimension.sum(dim=-1), {"embedding_layer": model.layer_name(embedding),
                                                            "embedding_attributions": per_dimension.detach()})

    def baselines(self, inputs, params):
        return reference_ids(inputs, params.get("pad_id", 0), params.get("special_ids", ()))
