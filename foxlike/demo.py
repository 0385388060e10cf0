"""``foxlike demo``: a real model on real data, explained end to end."""
from __future__ import annotations

import torch


def run_demo(args) -> int:
    import foxlike
    from foxlike_cv.digits import train_digits_cnn

    print("Training a small CNN on scikit-learn's digits ...", flush=True)
    digits = train_digits_cnn()
    print(f"held-out accuracy: {digits.accuracy():.1%}")
    images = digits.test_images[:8]
    with foxlike.explain(digits.model, explainers=["cv.integrated_gradients"], target="argmax") as xai_model:
        output, explanations = xai_model(images)
    explanation = explanations["cv.integrated_gradients"]
    print(f"\n{explanation}")
    for check in explanation.checks:
        print(f"  {'ok  ' if check.passed else 'FAIL'} {check.name}: {check.message}")
    predicted = output.argmax(dim=1)
    share = explanation.attributions.clamp_min(0).flatten(1)
    top = share.topk(5, dim=1).indices
    print("\nsample  label  predicted  five most important pixels (row, col)")
    for i in range(len(images)):
        pixels = ", ".join(f"({int(p) // 8},{int(p) % 8})" for p in top[i])
        print(f"{i:>6}  {int(digits.test_labels[i]):>5}  {int(predicted[i]):>9}  {pixels}")
    return 0 if torch.equal(explanation.target, predicted) else 1
