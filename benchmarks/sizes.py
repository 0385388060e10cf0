"""How big each benchmark is: small on the CPU (``make bench`` in minutes on 2 cores), the issue's sizes with --full."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Sizes:
    image: int            # side of the resnet18 input for the overhead and Grad-CAM runs
    overhead_batch: int
    overhead_steps: int
    memory_image: int     # side of the resnet18 input for the IG memory runs
    memory_batch: int
    memory_steps: int
    memory_chunks: tuple  # hand-tuned internal_batch_size values to compare
    memory_budget: int    # bytes given to foxlike's memory-budget IG
    gradcam_batch: int
    adaptive_image: int
    shapley_inputs: int   # digits explained in the Kernel SHAP / LIME study
    shapley_seeds: int
    shapley_budgets: tuple
    repeat: int           # timed runs per case (best and median reported)

    def as_dict(self) -> dict:
        return asdict(self)


# The IG memory case has the shape (16 images x 200 steps = 3,200 rows) on images small enough
# for 2 CPU cores: Captum's default single chunk then needs several GiB.
QUICK = Sizes(image=224, overhead_batch=2, overhead_steps=16, memory_image=64, memory_batch=16, memory_steps=200,
              memory_chunks=(50, 200, 800), memory_budget=256 * 2**20, gradcam_batch=4, adaptive_image=64,
              shapley_inputs=4, shapley_seeds=3, shapley_budgets=(32, 64, 128, 256, 512), repeat=3)

FULL = Sizes(image=224, overhead_batch=16, overhead_steps=50, memory_image=224, memory_batch=16, memory_steps=200,
             memory_chunks=(100, 200, 400, 800, 1600), memory_budget=8 * 2**30, gradcam_batch=16,
             adaptive_image=224, shapley_inputs=10, shapley_seeds=5, shapley_budgets=(32, 64, 128, 256, 512, 1024, 2048),
             repeat=5)
