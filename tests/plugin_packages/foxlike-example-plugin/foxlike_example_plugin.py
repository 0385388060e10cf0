"""A third-party plugin: an explainer, a metric and a named target, written against foxlike's public API only."""
import foxlike


class GradientTimesInput(foxlike.Explainer):
    """Gradient of the target score times the input, computed with plain autograd."""

    name = "example.gradient_x_input"
    modality = "cv"

    def calculate_features(self, model, inputs, target, scale=1.0):
        import torch

        inputs = inputs.detach().requires_grad_(True)
        scores = model(inputs, *model.forward_args)
        picked = scores[:, 0] if target is None else scores.gather(1, target.reshape(-1, 1)).squeeze(1)
        (gradient,) = torch.autograd.grad(picked.sum(), inputs)
        return scale * gradient * inputs.detach()


class PositiveShare(foxlike.Metric):
    """Share of the attribution mass that is positive, per sample."""

    name = "example.positive_share"
    higher_is_better = True

    def compute(self, model, inputs, explanation, reexplain):
        flat = explanation.attributions.flatten(1)
        return flat.clamp_min(0).sum(1) / flat.abs().sum(1)


def second_best(output):
    return output.topk(2, dim=-1).indices[:, 1]


@foxlike.hookimpl
def register_explainers(register):
    register(GradientTimesInput)


@foxlike.hookimpl
def register_metrics(register):
    register(PositiveShare)


@foxlike.hookimpl
def register_targets(register):
    register("example.second_best", second_best)
