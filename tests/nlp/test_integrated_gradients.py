"""nlp.integrated_gradients: closed form, equality with IG on the embeddings, masks at every step."""
import pytest
import torch
from torch import nn

import foxlike
from foxlike.demo.sentiment import MeanPooledClassifier


def explain(model, ids, explainers, **forward):
    with foxlike.explain(model, explainers, target=1) as xai_model:
        return xai_model(ids, **forward)[1]


@pytest.mark.parametrize("params", [{}, {"method": "riemann_trapezoid", "n_steps": 4}])
def test_token_scores_on_a_mean_pooled_linear_model_match_the_closed_form(params):
    # On a linear model every rule is exact, once its weights sum to 1: Captum's trapezoid weights sum
    # to (n - 1) / n, which foxlike corrects (3/4 of the answer at 4 steps otherwise).
    torch.manual_seed(0)
    model = MeanPooledClassifier(20, dimension=8)
    with torch.no_grad():
        model.embedding.weight[0] = torch.randn(8)  # a pad embedding that is not zero makes the test sharper
    ids = torch.tensor([[3, 7, 7, 12, 0], [5, 0, 9, 9, 9]])
    scores = explain(model, ids, {"nlp.integrated_gradients": params})["nlp.integrated_gradients"].attributions
    embedding, w = model.embedding.weight.detach(), model.head.weight.detach()[1]
    expected = (embedding[ids] - embedding[0]) @ w / ids.shape[1]
    torch.testing.assert_close(scores, expected, rtol=1e-5, atol=1e-6)


def test_layer_ig_on_the_embedding_equals_ig_on_the_embedding_outputs():
    from captum.attr import IntegratedGradients

    torch.manual_seed(0)
    model = TwoLayerText(30)
    ids = torch.randint(1, 30, (3, 6))
    ours = explain(model, ids, {"nlp.integrated_gradients": {"n_steps": 40}})["nlp.integrated_gradients"]
    embedded, reference = model.embedding(ids).detach(), model.embedding(torch.zeros_like(ids)).detach()
    direct = IntegratedGradients(model.from_embeddings).attribute(embedded, baselines=reference, target=1, n_steps=40)
    torch.testing.assert_close(ours.attributions, direct.sum(-1), rtol=1e-4, atol=1e-6)
    assert ours.extras["embedding_layer"] == "embedding" and ours.passed


class TwoLayerText(nn.Module):
    def __init__(self, vocabulary):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, 8)
        self.encoder = nn.Sequential(nn.Linear(8, 16), nn.Tanh())
        self.head = nn.Linear(16, 2)

    def from_embeddings(self, embedded):
        return self.head(self.encoder(embedded).mean(dim=1))

    def forward(self, ids):
        return self.from_embeddings(self.embedding(ids))


def test_special_tokens_keep_their_place_in_the_reference():
    from foxlike_nlp.embeddings import reference_ids

    ids = torch.tensor([[101, 7, 8, 102, 0]])
    assert reference_ids(ids, 0, (101, 102)).tolist() == [[101, 0, 0, 102, 0]]


def test_float_inputs_are_refused_with_the_image_explainer_named():
    model = nn.Sequential(nn.Linear(4, 2))
    with pytest.raises(foxlike.InputError, match="explains token ids .* use cv.integrated_gradients"):
        explain(model, torch.randn(2, 4), ["nlp.integrated_gradients"])


def test_integer_inputs_without_an_embedding_layer_ask_for_layer():
    class OneHot(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(10, 2)

        def forward(self, ids):
            return self.head(nn.functional.one_hot(ids, 10).float().mean(dim=1))

    with pytest.raises(foxlike.ParameterError, match="layer='<dotted.name>'"):
        explain(OneHot(), torch.tensor([[1, 2, 3]]), ["nlp.integrated_gradients"])


class PositionsFirst(nn.Module):
    """Registers its position embedding before the token embedding, but looks the tokens up first."""

    def __init__(self, vocabulary=30, length=6):
        super().__init__()
        self.positions = nn.Embedding(length, 8)
        self.tokens = nn.Embedding(vocabulary, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, ids):
        embedded = self.tokens(ids)
        return self.head((embedded + self.positions(torch.arange(ids.shape[1]).expand_as(ids))).tanh().mean(dim=1))


def test_the_embedding_that_runs_first_is_found_and_no_hook_is_left_behind():
    torch.manual_seed(0)
    model = PositionsFirst()
    ids = torch.randint(1, 30, (2, 6))
    result = explain(model, ids, ["nlp.integrated_gradients"])["nlp.integrated_gradients"]
    assert result.extras["embedding_layer"] == "tokens" and result.passed
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    # Naming the other layer is obeyed: positions do not depend on the ids, so every score is 0 and the
    # completeness check says the scores do not add up to the change in the output.
    with pytest.raises(foxlike.ValidationError, match="completeness"):
        explain(model, ids, {"nlp.integrated_gradients": {"layer": "positions"}})


def test_a_torchscript_model_is_refused_by_ig_with_the_fix_and_explained_by_lime(sentiment):
    """A ScriptModule's compiled forward runs no Python hooks: Layer IG on its embeddings would see nothing."""
    ids, mask = sentiment.tokenizer(["the acting was great", "a dull and tired film"])
    scripted = torch.jit.script(sentiment.model)

    with pytest.raises(foxlike.ParameterError, match=r"TorchScript model.*'module:factory'.*nlp\.lime"):
        with foxlike.explain(scripted, ["nlp.integrated_gradients"]) as xai_model:
            xai_model(ids, attention_mask=mask)
    with foxlike.explain(scripted, {"nlp.lime": {"n_samples": 64}}) as xai_model:
        output, explanations = xai_model(ids, attention_mask=mask)

    assert explanations["nlp.lime"].attributions.shape == ids.shape
    assert torch.equal(output, sentiment.model(ids, attention_mask=mask))
