"""The Markdown tables of RESULTS.md, built from one run's results."""
from __future__ import annotations

import math
import re
import statistics

from .sizes import Sizes

TITLE = "# foxlike benchmarks\n\nWritten by `python -m benchmarks.run` (`make bench`); see docs/performance.md.\n"
MiB = 2**20


def replace_section(document: str, label: str, section: str) -> str:
    """``document`` with the section of device ``label`` replaced (or added)."""
    begin, end = f"<!-- device: {label} -->", f"<!-- end device: {label} -->"
    block = f"{begin}\n{section.rstrip()}\n{end}\n"
    if begin in document and end in document:
        return re.sub(re.escape(begin) + ".*?" + re.escape(end) + "\n?", lambda _: block, document, flags=re.S)
    return (document.rstrip() + "\n\n" if document.strip() else TITLE + "\n") + block


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _ok(result: dict | None) -> bool:
    return bool(result) and "seconds" in result


def _why(result: dict | None) -> str:
    if not result:
        return "not run"
    if "unavailable" in result:
        return f"not available: {result['unavailable']}"
    return f"failed: {result.get('failed', '?')}"


def _best(result: dict) -> float:
    return min(result["seconds"])


def _ratio(value: float, reference: float | None) -> str:
    if reference is None or reference <= 0 or value is None:
        return "–"
    return f"{value / reference:.3f}"


def _timed_rows(results: dict, names: dict[str, str], reference: str, extra=None) -> list[list]:
    """Rows: label, best s, median s, time ratio, peak MiB, peak ratio, notes."""
    ref = results.get(reference)
    ref_time = _best(ref) if _ok(ref) else None
    ref_peak = ref["peak_bytes"] if _ok(ref) else None
    rows = []
    for name, label in names.items():
        result = results.get(name)
        if not _ok(result):
            rows.append([label, "–", "–", "–", "–", "–", _why(result)])
            continue
        notes = extra(result) if extra else ""
        rows.append([label, f"{_best(result):.3f}", f"{statistics.median(result['seconds']):.3f}",
                     _ratio(_best(result), ref_time), f"{result['peak_bytes'] / MiB:.0f}",
                     _ratio(result["peak_bytes"], ref_peak), notes])
    return rows


def _foxlike_notes(result: dict) -> str:
    info = result.get("info", {})
    parts = []
    if "explainer_seconds" in info:
        parts.append(f"explainer alone {info['explainer_seconds']:.3f} s (last run)")
    failed = [name for name, ok in info.get("checks", {}).items() if not ok]
    if info.get("checks"):
        parts.append("checks failed: " + ", ".join(failed) if failed else "all checks passed")
    if "error" in info:
        parts.append(f"error: {info['error'][:120]}")
    parts += [f"{k}={v}" for k, v in info.items() if k not in ("explainer_seconds", "checks", "error")]
    return "; ".join(parts)


def overhead_section(results: dict, sizes: Sizes) -> str:
    names = {"overhead/captum": "Captum `IntegratedGradients.attribute` (target given)",
             "overhead/captum+forward": "Captum: forward + argmax + `attribute`",
             "overhead/foxlike": "foxlike `explain` (prediction, target, IG, checks)",
             "overhead/foxlike-under-no_grad": "foxlike `explain` called under `torch.no_grad()`",
             "overhead/foxai": "FoXAI 0.6.0 `FoXaiExplainer` (IG)"}
    header = ["run", "best s", "median s", "time ÷ Captum+forward", "peak MiB", "peak ÷ Captum+forward", "notes"]
    text = (f"### Overhead: IG on resnet18 (random weights), batch {sizes.overhead_batch}, "
            f"{sizes.image}x{sizes.image}, n_steps={sizes.overhead_steps}, one internal batch\n\n")
    text += _table(header, _timed_rows(results, names, "overhead/captum+forward", _foxlike_notes))
    plain = results.get("overhead/captum")
    if _ok(plain) and _ok(results.get("overhead/foxlike")):
        text += (f"\nAgainst `attribute` alone (no prediction): foxlike time ÷ Captum = "
                 f"{_best(results['overhead/foxlike']) / _best(plain):.3f}, peak ÷ Captum = "
                 f"{results['overhead/foxlike']['peak_bytes'] / max(plain['peak_bytes'], 1):.3f}.\n")
    return text


def memory_section(results: dict, sizes: Sizes) -> str:
    names = {"ig_memory/captum-default": "Captum, `internal_batch_size=None` (default)"}
    names.update({f"ig_memory/captum-chunk-{c}": f"Captum, `internal_batch_size={c}` (hand-tuned)"
                  for c in sizes.memory_chunks})
    names.update({"ig_memory/foxlike-auto": "foxlike, nothing tuned",
                  "ig_memory/foxlike-budget": f"foxlike, memory budget {sizes.memory_budget / MiB:.0f} MiB"})
    tuned = [results.get(f"ig_memory/captum-chunk-{c}") for c in sizes.memory_chunks]
    fastest = min((_best(r) for r in tuned if _ok(r)), default=None)
    rows = []
    for name, label in names.items():
        result = results.get(name)
        if not _ok(result):
            rows.append([label, "–", _ratio(None, None), "–", _why(result)])
            continue
        rows.append([label, f"{_best(result):.3f}", _ratio(_best(result), fastest),
                     f"{result['peak_bytes'] / MiB:.0f}", _foxlike_notes(result) if "foxlike" in name else ""])
    return (f"### IG memory: resnet18, batch {sizes.memory_batch}, {sizes.memory_image}x{sizes.memory_image}, "
            f"n_steps={sizes.memory_steps}\n\n"
            + _table(["run", "best s", "time ÷ fastest hand-tuned", "peak MiB", "notes"], rows))


def gradcam_section(results: dict, sizes: Sizes) -> str:
    names = {"gradcam/captum+forward": "Captum: forward + argmax + `LayerGradCam` + `interpolate`",
             "gradcam/captum": "Captum `LayerGradCam` + `interpolate`, target handed to it (not like for like)",
             "gradcam/foxlike": "foxlike Grad-CAM",
             "gradcam/pytorch-grad-cam": "pytorch-grad-cam `GradCAM` (target handed to it)",
             "gradcam/foxai": "FoXAI 0.6.0 LayerGradCAM (target handed to it)"}
    header = ["run", "best s", "median s", "time ÷ Captum+forward", "peak MiB", "peak ÷ Captum+forward", "notes"]
    return (f"### Grad-CAM on resnet18 `layer4`, batch {sizes.gradcam_batch}, {sizes.image}x{sizes.image}\n\n"
            "Ratios are to what a Captum user writes for foxlike's answer: the prediction for the target, then "
            "the method. foxlike runs the same prediction.\n\n"
            + _table(header, _timed_rows(results, names, "gradcam/captum+forward", _foxlike_notes)))


def shared_work_section(results: dict, sizes: Sizes) -> str:
    header = ["run", "best s", "median s", "time ÷ reference", "peak MiB", "peak ÷ reference", "notes"]
    groups = [
        (f"Saliency on resnet18, batch {sizes.gradcam_batch}, {sizes.image}x{sizes.image} (goal: ≤ 0.8x)",
         {"gradient/captum+forward": "Captum: forward + argmax + `Saliency.attribute`",
          "gradient/foxlike": "foxlike `cv.saliency` (gradient from the prediction's graph)"}, "gradient/captum+forward"),
        ("Saliency + input x gradient + Grad-CAM + IG (16 steps): one request against four",
         {"combined/foxlike-separately": "foxlike, one request per explainer",
          "combined/foxlike-together": "foxlike, one request of all four"}, "combined/foxlike-separately"),
        ("Fixed cost: 200 calls on a 2-layer MLP, batch 8, saliency (goal: ≤ 1.15x)",
         {"fixed/captum+forward": "Captum: forward + argmax + `Saliency.attribute`",
          "fixed/foxlike": "foxlike `with explain` block (target, checks, state restored)"}, "fixed/captum+forward"),
    ]
    return "".join(f"### {title}\n\n" + _table(header, _timed_rows(results, names, reference)) + "\n"
                   for title, names, reference in groups)


def adapters_section(results: dict, sizes: Sizes) -> str:
    """Each adapter beside its library called directly (benchmarks/adapters.py)."""
    header = ["library", "direct best s", "foxlike best s", "time ÷ direct", "direct peak MiB", "foxlike peak MiB",
              "peak ÷ direct"]
    rows = []
    for library, what in (("gradcam", "pytorch-grad-cam GradCAM"), ("zennit", "Zennit EpsilonPlusFlat + ResNetCanonizer"),
                          ("quantus", "Grad-CAM + Quantus MaxSensitivity (4 samples)")):
        direct, ours = results.get(f"adapters/{library}-direct"), results.get(f"adapters/{library}-foxlike")
        if not (_ok(direct) and _ok(ours)):
            rows.append([what, "–", "–", "–", "–", "–", _why(direct if not _ok(direct) else ours)])
            continue
        rows.append([what, f"{_best(direct):.3f}", f"{_best(ours):.3f}", _ratio(_best(ours), _best(direct)),
                     f"{direct['peak_bytes'] / MiB:.0f}", f"{ours['peak_bytes'] / MiB:.0f}",
                     _ratio(ours["peak_bytes"], direct["peak_bytes"])])
    from .adapters import side

    return (f"### Adapters against their libraries: resnet18, batch {sizes.gradcam_batch}, {side(sizes)}x{side(sizes)}\n\n"
            + _table(header, rows))


def adaptive_section(result: dict | None) -> str:
    text = "### Adaptive IG: time to a relative completeness error under the tolerance\n\n"
    if not result or "rows" not in result:
        return text + _why(result) + "\n"
    text += (f"Tolerance {result['tolerance']:g} (relative, worst sample). foxlike explainer: "
             f"{result['explainer'] or 'not available'}.\n\n")
    rows = []
    for row in result["rows"]:
        fox = ([f"{row['foxlike_seconds']:.3f}", f"{row['foxlike_error']:.2g}", row.get("foxlike_steps") or "?",
                _ratio(row["foxlike_seconds"], row["captum_seconds"])]
               if "foxlike_seconds" in row else [row.get("foxlike", "–"), "–", "–", "–"])
        oracle = (f"{row['oracle_steps']} steps, {row['oracle_seconds']:.3f} s" if row.get("oracle_steps")
                  else "not within 512 steps")
        rows.append([row["model"], f"{row['captum_seconds']:.3f}", f"{row['captum_error']:.2g}", oracle, *fox])
    return text + _table(["model", "Captum 50 steps s", "Captum error", "Captum, fewest steps in hindsight",
                          "foxlike adaptive s", "foxlike error", "foxlike steps", "time ÷ Captum 50 steps"], rows)


def _budget_to_reach(curve: list[dict], error: float) -> tuple[float, bool] | None:
    """Evaluations a curve needs for ``error``, interpolated on log scales, and whether that is only an
    upper bound (its first point is already better); None when even its last point is worse."""
    points = [(p["evaluations"], p["error"]) for p in curve]
    if points[0][1] <= error:
        return points[0][0], True
    for (n0, e0), (n1, e1) in zip(points, points[1:]):
        if e1 <= error < e0:
            t = (math.log(e0) - math.log(error)) / (math.log(e0) - math.log(e1))
            return math.exp(math.log(n0) + t * (math.log(n1) - math.log(n0))), False
    return None


def shapley_section(result: dict | None) -> str:
    text = "### LIME and Kernel SHAP against exact Shapley values\n\n"
    if not result or "results" not in result:
        return text + _why(result) + "\n"
    found = result["results"]
    text += (f"{result['features']} features (a 4x3 grid on the trained digits CNN's 8x8 input, absent = 0), exact "
             f"values by enumerating all {2 ** result['features']} coalitions; relative L2 error, mean over "
             f"{result['inputs']} digits x {result['seeds']} seeds; evaluations = rows through the model inside "
             "the explainer, counted.\n\n")
    columns = ["kernel_shap/captum", "kernel_shap/foxlike", "lime/captum", "lime/foxlike"]
    curves = {c: found[c]["curve"] for c in columns if "curve" in found.get(c, {})}
    budgets = sorted({p["budget"] for curve in curves.values() for p in curve})
    rows = []
    for budget in budgets:
        row = [budget]
        for column in columns:
            point = next((p for p in curves.get(column, []) if p["budget"] == budget), None)
            row.append(f"{point['error']:.3f} ({point['evaluations']:.0f} evals)" if point else "–")
        rows.append(row)
    text += _table(["n_samples", "Captum KernelShap", "foxlike cv.kernel_shap", "Captum Lime", "foxlike cv.lime"], rows)
    for column in columns:
        if column not in curves:
            text += f"\n- {column}: {_why(found.get(column))}"
    for method in ("kernel_shap", "lime"):
        ours, theirs = curves.get(f"{method}/foxlike"), curves.get(f"{method}/captum")
        if not (ours and theirs):
            continue
        fractions = []
        for point in theirs:
            needed = _budget_to_reach(ours, point["error"])
            fraction = "not reached" if needed is None else \
                f"{'≤ ' if needed[1] else ''}{needed[0] / point['evaluations']:.2f}"
            fractions.append(f"{point['evaluations']:.0f} → {fraction}")
        text += (f"\n- {method}: fraction of Captum's evaluations foxlike needs for Captum's error "
                 f"(Captum evaluations → fraction): {', '.join(fractions)}")
    return text + "\n"


def sharing_section(result: dict | None) -> str:
    text = "### Several explainers on one batch\n\n"
    if not result or "together" not in result:
        return text + _why(result) + "\n"
    together, apart = result["together"], result["apart"]
    text += (f"Explainers: {', '.join(result['explainers'])} ({result['path_methods']} with a completeness check, "
             "which costs one forward of the baseline each).\n\n")
    return text + _table(
        ["how", "forwards by foxlike (prediction + completeness)", "forwards inside explainers", "target resolutions"],
        [["one `explain` with all of them", together["calls"]["outside"], together["calls"]["inside"],
          together["targets"]],
         ["one `explain` per explainer", apart["calls"]["outside"], apart["calls"]["inside"], apart["targets"]]])


def many_targets_section(result: dict | None) -> str:
    text = "### Several targets per input (`target=\"topk:3\"`)\n\n"
    if not result or "rows" not in result:
        return text + _why(result) + "\n"
    text += (f"{result['images']} digits, {result['targets']} targets each: one `explain` with all targets against "
             "one per target. Explainers with `multi_target` run each perturbed input once for every target; "
             "the others are called once per target by foxlike.\n\n")
    rows = [[f"`{r['explainer']}`", "yes" if r["multi_target"] else "no", r["rows_together"], r["rows_apart"],
             _ratio(r["rows_together"], r["rows_apart"]), f"{r['seconds_together']:.3f}", f"{r['seconds_apart']:.3f}",
             _ratio(r["seconds_together"], r["seconds_apart"])] for r in result["rows"]]
    return text + _table(["explainer", "multi_target", "model rows together", "apart", "ratio", "seconds together",
                          "apart", "ratio"], rows)


def imports_section(result: dict | None) -> str:
    text = "### Start-up: fresh interpreter, best of several\n\n"
    if not result or "rows" not in result:
        return text + _why(result) + "\n"
    torch_seconds = next((r["seconds"] for r in result["rows"] if r["what"] == "import torch"), None)
    rows = [[f"`{r['what']}`", f"{r['seconds']:.3f}", _ratio(r["seconds"], torch_seconds),
             ", ".join(r["heavy_modules"]) or "none"] for r in result["rows"]]
    return text + _table(["what", "seconds", "÷ import torch", "heavy modules loaded"], rows)


def render_section(meta: dict, results: dict, sizes: Sizes) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    head = (f"## {meta['device']}\n\n{meta['date']}; sizes: {meta['sizes']}; {versions}; "
            f"whole run {meta['seconds']:.0f} s"
            + (f" (re-run since: {'; '.join(meta['updated'])})" if meta.get("updated") else "")
            + f". Each case ran in {meta.get('rounds', 1)} fresh process(es), "
            "interleaved; best time and lowest peak kept. Peak memory: "
            + ("`torch.cuda.max_memory_allocated` above the memory allocated before the run.\n\n"
               if "CUDA" in meta["device"] else
               "the case's process peak RSS (getrusage maxrss) above its level before the run; "
               "one fresh process per case. With 2 rounds or more, peaks come from the odd rounds, run with "
               "glibc told to map large blocks directly (`MALLOC_MMAP_THRESHOLD_`, so the peak is what was "
               "live), and times from the even rounds, run with the default allocator users have (the "
               "direct mapping slows small chunks).\n\n"))
    return head + "\n".join([
        overhead_section(results, sizes), memory_section(results, sizes), gradcam_section(results, sizes),
        shared_work_section(results, sizes),
        adapters_section(results, sizes), adaptive_section(results.get("study/adaptive")),
        shapley_section(results.get("study/shapley")), sharing_section(results.get("study/sharing")),
        many_targets_section(results.get("study/many_targets")), imports_section(results.get("study/imports")),
    ])
