"""The explain_dataset job on a real Dask cluster of 2 worker processes gives the single-process results."""
from __future__ import annotations

import pytest
import torch

from foxlike.runner.dataset import explain_dataset

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed: pip install 'foxlike[dask]'")

from foxlike.runner.distributed import explain_dataset_distributed  # noqa: E402

EXPLAINERS = {"cv.integrated_gradients": {"n_steps": 16}}
BATCH = 8


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each, on this machine."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture
def dataset(digits):
    return torch.utils.data.TensorDataset(digits.test_images[:37], digits.test_labels[:37])


def test_two_workers_give_the_single_process_results(digits, dataset, client, tmp_path):
    single = explain_dataset(digits.model, dataset, EXPLAINERS, tmp_path / "single", batch_size=BATCH, progress=False)
    spread = explain_dataset_distributed(digits.model, dataset, EXPLAINERS, tmp_path / "spread", batch_size=BATCH,
                                         client=client, progress=False)
    assert sorted(spread.computed) == [0, 1, 2, 3, 4]
    workers = {w["id"] for w in client.scheduler_info()["workers"].values()}
    assert len(workers) == 2
    assert torch.allclose(spread.attributions("cv.integrated_gradients"),
                          single.attributions("cv.integrated_gradients"), rtol=1e-5, atol=1e-7)
    assert torch.equal(spread.targets("cv.integrated_gradients"), single.targets("cv.integrated_gradients"))
    assert spread.manifest()["batches"] == single.manifest()["batches"]


def test_the_cluster_resumes_a_run_started_in_one_process(digits, dataset, client, tmp_path):
    explain_dataset(digits.model, torch.utils.data.Subset(dataset, range(2 * BATCH)), EXPLAINERS, tmp_path,
                    batch_size=BATCH, progress=False)
    manifest = (tmp_path / "manifest.json").read_text()
    (tmp_path / "manifest.json").write_text(manifest.replace('"batches": 2', '"batches": 5'))
    resumed = explain_dataset_distributed(digits.model, dataset, EXPLAINERS, tmp_path, batch_size=BATCH,
                                          client=client, progress=False)
    assert resumed.resumed == [0, 1] and sorted(resumed.computed) == [2, 3, 4]
    assert resumed.attributions("cv.integrated_gradients").shape == (37, 1, 8, 8)


def test_the_users_model_is_left_in_training_mode_if_it_was(digits, dataset, client, tmp_path):
    digits.model.train()
    try:
        explain_dataset_distributed(digits.model, dataset, EXPLAINERS, tmp_path, batch_size=16, client=client,
                                    progress=False)
        assert digits.model.training
    finally:
        digits.model.eval()
