"""Benchmarks measured in counts and errors rather than one timed run: each returns rows for the table."""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

import torch

from .measure import Unavailable, synchronize
from .shapley import exact_shapley, grid_mask, per_feature, relative_error
from .sizes import Sizes
from .workloads import (ADAPTIVE_EXPLAINERS, ADAPTIVE_PARAMETERS, KERNEL_SHAP_EXPLAINERS, LIME_EXPLAINERS, accepted,
                        argmax_target, digits_mlp, explainer_class, images, mobilenet, parameter, resnet18,
                        trained_digits)

IG = "cv.integrated_gradients"
TOLERANCE = 0.01


class Inside:
    """A real foxlike plugin that knows whether an explainer is running (to tell its forwards from foxlike's)."""

    def __init__(self):
        self.running = False

    import foxlike as _foxlike

    @_foxlike.hookimpl(wrapper=True)
    def calculate_features(self, explainer, model, inputs, target, params):
        self.running = True
        try:
            return (yield)
        finally:
            self.running = False


class ForwardCounter:
    """Counts the calls and rows through a model, inside a foxlike explainer and outside one."""

    def __init__(self, model: torch.nn.Module, inside: Inside):
        self.inside = inside
        self.reset()
        self.handle = model.register_forward_pre_hook(self._count)

    def _count(self, module, args):
        where = "inside" if self.inside.running else "outside"
        self.calls[where] += 1
        self.rows[where] += args[0].shape[0]

    def reset(self):
        self.calls, self.rows = {"outside": 0, "inside": 0}, {"outside": 0, "inside": 0}


def _registered(inside: Inside) -> str:
    from foxlike import plugins

    return plugins.register(inside, name="benchmark-inside")


def _completeness_error(model, inputs, attributions, target) -> float:
    """Largest relative gap, over the batch, between the attributions' sum and F(x) - F(0)."""
    with torch.no_grad():
        gap = (model(inputs) - model(torch.zeros_like(inputs))).gather(1, target[:, None]).squeeze(1).double()
    total = attributions.reshape(len(inputs), -1).double().sum(dim=1)
    return float(((total - gap).abs() / gap.abs().clamp_min(1e-12)).max())


def _best_time(run, device: str, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        synchronize(device)
        started = time.perf_counter()
        result = run()
        synchronize(device)
        times.append(time.perf_counter() - started)
    return min(times), result


def _fewest_captum_steps(ig, model, inputs, target, device: str, repeat: int) -> dict:
    """The hindsight answer: the fewest steps (doubling from 4) at which Captum meets TOLERANCE, and its time."""
    for steps in (4, 8, 16, 32, 64, 128, 256, 512):
        seconds, attributions = _best_time(
            lambda: ig.attribute(inputs, baselines=0.0, target=target, n_steps=steps), device, repeat)
        if _completeness_error(model, inputs, attributions, target) <= TOLERANCE:
            return {"oracle_steps": steps, "oracle_seconds": seconds}
    return {"oracle_steps": None, "oracle_seconds": None}


def sharing(sizes: Sizes, device: str) -> dict:
    """Several explainers on one batch: foxlike's own forwards and target resolutions, counted."""
    import foxlike
    from foxlike import plugins

    model, inputs = resnet18(device), images(2, 64, device)
    wanted = [IG, "cv.saliency", "cv.input_x_gradient", "cv.layer_integrated_gradients", "cv.grad_cam"]
    names = [n for n in wanted if n in plugins.registry().explainers]
    explainers = {n: accepted(plugins.lookup("explainers", n), {"n_steps": 8, "layer": "layer4"}) for n in names}
    resolved = []

    def target(output):
        resolved.append(len(output))
        return output.argmax(dim=1)

    inside = Inside()
    name = _registered(inside)
    counter = ForwardCounter(model, inside)
    try:
        with foxlike.explain(model, explainers=explainers, target=target, strict=False) as xai_model:
            xai_model(inputs)
        together = {"calls": dict(counter.calls), "targets": len(resolved)}
        counter.reset()
        resolved.clear()
        for explainer, params in explainers.items():
            with foxlike.explain(model, explainers={explainer: params}, target=target, strict=False) as xai_model:
                xai_model(inputs)
        apart = {"calls": dict(counter.calls), "targets": len(resolved)}
    finally:
        counter.handle.remove()
        plugins.unregister(name)
    return {"explainers": names, "path_methods": sum(plugins.lookup("explainers", n).completeness for n in names),
            "together": together, "apart": apart}


def many_targets(sizes: Sizes, device: str) -> dict:
    """Three targets per image (``"topk:3"``): perturbation methods read every target from one run of each
    perturbed input; the rows through the model and the time, against one call per target."""
    import foxlike

    trained = trained_digits(device)
    model, inputs = trained.model, trained.test_images[:8].to(device)
    rows = []
    handle = model.register_forward_pre_hook(lambda module, args: rows.append(args[0].shape[0]))
    found = []
    try:
        for name, params in (("cv.kernel_shap", {"segmentation": "grid", "n_samples": 256}),
                             ("cv.lime", {"segmentation": "grid", "n_samples": 256}),
                             (IG, {"n_steps": 32})):
            def together():
                with foxlike.explain(model, {name: params}, target="topk:3", strict=False) as xai_model:
                    return xai_model(inputs)[1][name]

            explained = together()
            targets = explained.target

            def apart():
                for t in range(3):
                    with foxlike.explain(model, {name: params}, target=targets[:, t], strict=False) as xai_model:
                        xai_model(inputs)

            rows.clear()
            together()
            together_rows = sum(rows)
            rows.clear()
            apart()
            apart_rows = sum(rows)
            found.append({"explainer": name, "multi_target": explained.attributions.dim() == 5 and
                          foxlike.plugins.lookup("explainers", name).multi_target,
                          "rows_together": together_rows, "rows_apart": apart_rows,
                          "seconds_together": _best_time(together, device, sizes.repeat)[0],
                          "seconds_apart": _best_time(apart, device, sizes.repeat)[0]})
    finally:
        handle.remove()
    return {"rows": found, "images": len(inputs), "targets": 3}


def adaptive(sizes: Sizes, device: str) -> dict:
    """Time to a relative completeness error of TOLERANCE: Captum at a fixed 50 steps against adaptive IG."""
    from captum.attr import IntegratedGradients

    try:
        cls = explainer_class(ADAPTIVE_EXPLAINERS)
        tolerance_name = parameter(cls, ADAPTIVE_PARAMETERS)
    except Unavailable as missing:
        try:
            cls = explainer_class((IG,))
            tolerance_name = parameter(cls, tuple(p for p in ADAPTIVE_PARAMETERS if p != "rtol"))
        except Unavailable:
            cls, tolerance_name, why = None, None, str(missing)
    digits = trained_digits(device)
    mlp, digit_images = digits_mlp(device)
    side = sizes.adaptive_image
    workloads = {
        "digits CNN (trained)": (digits.model, digits.test_images[:16].to(device)),
        "digits MLP (trained)": (mlp, digit_images[:16]),
        f"resnet18 {side}px (random)": (resnet18(device), images(2, side, device)),
        f"mobilenet_v3_small {side}px (random)": (mobilenet(device), images(2, side, device)),
    }
    rows = []
    for label, (model, inputs) in workloads.items():
        target = argmax_target(model, inputs)
        ig = IntegratedGradients(model)
        captum_seconds, attributions = _best_time(
            lambda: ig.attribute(inputs, baselines=0.0, target=target, n_steps=50), device, sizes.repeat)
        row = {"model": label, "captum_seconds": captum_seconds,
               "captum_error": _completeness_error(model, inputs, attributions, target)}
        row.update(_fewest_captum_steps(ig, model, inputs, target, device, sizes.repeat))
        if cls is None:
            row["foxlike"] = f"not available: {why}"
        else:
            import foxlike

            def run():
                # adaptive IG starts small and doubles only where the tolerance is not met yet
                params = {tolerance_name: TOLERANCE, **accepted(cls, {"baselines": 0.0, "n_steps": 8})}
                with foxlike.explain(model, explainers={cls.name: params}, target=target, strict=False) as xai:
                    return xai(inputs)[1][cls.name]

            seconds, explanation = _best_time(run, device, sizes.repeat)
            row.update(foxlike_seconds=seconds,
                       foxlike_error=_completeness_error(model, inputs, explanation.attributions, target),
                       foxlike_steps=explanation.extras.get("n_steps"))
        rows.append(row)
    return {"tolerance": TOLERANCE, "explainer": None if cls is None else f"{cls.name}({tolerance_name}=...)",
            "rows": rows}


def _captum_estimator(method: str, model, image, mask, target: int):
    from captum.attr import KernelShap, Lime

    explainer = (KernelShap if method == "kernel_shap" else Lime)(model)

    def estimate(budget: int, seed: int) -> torch.Tensor:
        torch.manual_seed(seed)
        return explainer.attribute(image, baselines=0.0, target=target, feature_mask=mask, n_samples=budget,
                                   perturbations_per_eval=64)

    return estimate


def _foxlike_estimator(cls, model, image, mask, target: int):
    import foxlike

    def estimate(budget: int, seed: int) -> torch.Tensor:
        torch.manual_seed(seed)
        params = accepted(cls, {"feature_mask": mask, "n_samples": budget, "baselines": 0.0, "seed": seed})
        with foxlike.explain(model, explainers={cls.name: params}, target=target, strict=False) as xai_model:
            return xai_model(image)[1][cls.name].attributions

    return estimate


def shapley(sizes: Sizes, device: str) -> dict:
    """Kernel SHAP and LIME against exact Shapley values of 12 features, by number of model evaluations."""
    digits = trained_digits("cpu")
    model = digits.model
    mask = grid_mask(8, 8, 4, 3)
    inputs = digits.test_images[: sizes.shapley_inputs]
    targets = argmax_target(model, inputs)
    exact = [exact_shapley(model, inputs[i:i + 1], mask, int(targets[i])) for i in range(len(inputs))]
    inside = Inside()
    name = _registered(inside)
    counter = ForwardCounter(model, inside)
    results = {}
    try:
        for method, candidates in (("kernel_shap", KERNEL_SHAP_EXPLAINERS), ("lime", LIME_EXPLAINERS)):
            for library in ("captum", "foxlike"):
                try:
                    cls = explainer_class(candidates) if library == "foxlike" else None
                    if cls is not None and "feature_mask" not in cls.parameters():
                        raise Unavailable(f"{cls.name} takes no feature_mask parameter")
                except Unavailable as why:
                    results[f"{method}/{library}"] = {"unavailable": str(why)}
                    continue
                curve = []
                for budget in sizes.shapley_budgets:
                    errors, evaluations = [], []
                    for i in range(len(inputs)):
                        image, target = inputs[i:i + 1], int(targets[i])
                        estimate = (_captum_estimator(method, model, image, mask[None, None], target)
                                    if cls is None else _foxlike_estimator(cls, model, image, mask[None, None], target))
                        for seed in range(sizes.shapley_seeds):
                            counter.reset()
                            attributions = estimate(budget, seed)
                            evaluations.append(counter.rows["inside" if cls is not None else "outside"])
                            errors.append(relative_error(per_feature(attributions, mask), exact[i]))
                    curve.append({"budget": budget, "evaluations": statistics.mean(evaluations),
                                  "error": statistics.mean(errors)})
                results[f"{method}/{library}"] = {"curve": curve}
    finally:
        counter.handle.remove()
        from foxlike import plugins

        plugins.unregister(name)
    return {"features": int(mask.max()) + 1, "inputs": len(inputs), "seeds": sizes.shapley_seeds, "results": results}


HEAVY = ("torch", "captum", "torchvision", "sklearn", "skimage", "matplotlib", "foxlike_cv", "foxlike_nlp")


def _subprocess_seconds(code: str, repeat: int) -> tuple[float, list[str]]:
    probe = code + f"\nimport sys, json; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    best, loaded = float("inf"), []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
        best = min(best, time.perf_counter() - started)
        loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return best, loaded


def imports(sizes: Sizes, device: str) -> dict:
    """Wall time of a fresh interpreter doing each thing, best of several, and the heavy modules it loaded."""
    repeat = max(5, sizes.repeat)
    probes = {
        "python -c pass": "pass",
        "import torch": "import torch",
        "import foxlike": "import foxlike",
        "foxlike --help": "import contextlib, io\nfrom foxlike.cli import main\n"
                          "with contextlib.redirect_stdout(io.StringIO()):\n"
                          "    try:\n        main(['--help'])\n    except SystemExit:\n        pass",
        "foxlike explainers": "import contextlib, io\nfrom foxlike.cli import main\n"
                              "with contextlib.redirect_stdout(io.StringIO()):\n    main(['explainers'])",
    }
    rows = []
    for label, code in probes.items():
        seconds, loaded = _subprocess_seconds(code, repeat)
        rows.append({"what": label, "seconds": seconds, "heavy_modules": loaded})
    return {"repeat": repeat, "rows": rows}
