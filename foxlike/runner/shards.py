"""The one record of a batch's results, and where it is kept: shard files and their manifest.

A :class:`BatchRecord` is what explaining a batch gives (the samples' indices,
the prediction's scores and one :class:`foxlike.Explanation` per explainer).
A :class:`ShardStore` writes each record to its own shard file
(``batch-000007.pt``) and then lists it in ``manifest.json``, both through
:mod:`.files`, so a file is either whole or absent and the manifest never
names a missing shard; a run with the same settings resumes from it. The
report and the command line read the same records back.
"""
from __future__ import annotations

import json
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import FoxlikeError, FoxlikeWarning, InputError
from ..explanation import Explanation
from .files import replace_file, replace_text

MANIFEST = "manifest.json"
#: 2: shards hold the prediction's ``scores``, each check's message and the ``metrics``.
FORMAT = 2


def shard_name(index: int) -> str:
    return f"batch-{index:06d}.pt"


#: The names :func:`shard_name` gives, and no other file's.
SHARD = re.compile(r"batch-\d{6,}\.pt")


@dataclass
class BatchRecord:
    """One batch's results: sample indices (in the dataset), the prediction's scores, and the explanations."""

    indices: torch.Tensor
    scores: torch.Tensor
    explanations: dict[str, Explanation]

    def to_shard(self) -> dict:
        return {"indices": self.indices.cpu(), "scores": self.scores.detach().cpu(),
                "explanations": {name: e.to_record() for name, e in self.explanations.items()}}

    @classmethod
    def from_shard(cls, shard: dict, settings: dict | None = None) -> "BatchRecord":
        """The record a shard holds; ``settings`` (the manifest's) give each explainer's parameters back."""
        settings = settings or {}
        parameters = settings.get("explainers", {})
        batch = len(shard["indices"])
        explanations = {}
        for name, record in shard["explanations"].items():
            explanation = Explanation.from_record(name, record, parameters.get(name), str(settings.get("output", "")))
            explanation.batch_size = explanation.batch_size or batch
            explanations[name] = explanation
        return cls(shard["indices"], shard["scores"], explanations)


def clear(out_dir) -> None:
    """Delete the shards (listed or not: one written just before an interruption is not) and the
    manifest in ``out_dir``, and only those files."""
    out = Path(out_dir)
    for path in out.glob("batch-*.pt"):
        if SHARD.fullmatch(path.name):
            path.unlink()
    (out / MANIFEST).unlink(missing_ok=True)


def _whole(path: Path) -> bool:
    """Whether ``path`` is a shard as torch.save wrote it: a plain file (no link) holding a zip archive
    whose every member matches its checksum (a torn or overwritten file does not)."""
    if path.is_symlink() or not path.is_file() or not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def differences(saved: dict, settings: dict, prefix: str = "") -> list[str]:
    """The keys (dotted) whose values differ between two settings."""
    found = []
    for key in sorted(set(saved) | set(settings)):
        a, b = saved.get(key), settings.get(key)
        if isinstance(a, dict) and isinstance(b, dict) and key != "explainers":
            found += differences(a, b, f"{prefix}{key}.")
        elif a != b:
            found.append(f"{prefix}{key}")
    return found


class ShardStore:
    """A folder of shards and ``manifest.json``: the job's settings and every batch whose shard is written.

    After opening, ``discarded`` says why an earlier job's shards were deleted (the settings that differ),
    and ``damaged`` lists the batches whose shard could not be read back whole: they are explained again.
    """

    def __init__(self, out_dir: Path, settings: dict, restart_other_job: bool = False):
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / MANIFEST
        self.settings = json.loads(json.dumps(settings, default=str))  # as it reads back from the file
        self.batches: dict[int, dict] = {}
        self.discarded: list[str] = []
        self.damaged: list[int] = []
        if self.path.is_symlink():
            raise InputError(f"{str(self.path)!r} is a link: foxlike never follows links in its output folder "
                             "(it could point anywhere). Remove it, or choose another output folder.")
        if self.path.exists():
            saved = json.loads(self.path.read_text())
            if (saved.get("format"), saved.get("settings")) == (FORMAT, self.settings):
                self._resume(saved)
            elif restart_other_job:
                self.discarded = (differences(saved.get("settings") or {}, self.settings)
                                  if saved.get("format") == FORMAT else ["format"])
                clear(self.out_dir)
            else:
                raise FoxlikeError(
                    f"{self.out_dir} holds results of a different job ({saved.get('settings')}, format "
                    f"{saved.get('format')}), not of this one ({self.settings}, format {FORMAT}). Choose another "
                    "out_dir, or delete that one to start again."
                )

    def _resume(self, saved: dict) -> None:
        for index, entry in saved.get("batches", {}).items():
            path = self.out_dir / entry["shard"]
            if not path.exists() and not path.is_symlink():
                continue
            if _whole(path):
                self.batches[int(index)] = entry
            else:
                self.damaged.append(int(index))
        if self.damaged:
            warnings.warn(f"{self.out_dir}: the shards of batch(es) {self.damaged} are damaged (torn, overwritten "
                          "or a link); they will be explained again.", FoxlikeWarning, stacklevel=3)

    def write(self, index: int, record: BatchRecord) -> None:
        """Write batch ``index``'s shard, then list it: the manifest never names a missing shard."""
        replace_file(self.out_dir / shard_name(index), lambda handle: torch.save(record.to_shard(), handle))
        self.batches[index] = {"shard": shard_name(index), "samples": int(record.indices.numel()),
                               "passed": {name: e.passed for name, e in record.explanations.items()}}
        content = {"format": FORMAT, "settings": self.settings,
                   "batches": {str(i): self.batches[i] for i in sorted(self.batches)}}
        replace_text(self.path, json.dumps(content, indent=1, default=str))

    def read(self, index: int) -> BatchRecord:
        shard = torch.load(self.out_dir / shard_name(index), weights_only=True)
        return BatchRecord.from_shard(shard, self.settings)


class MemoryStore:
    """Records kept in memory, for a run that keeps no folder (nothing to resume from)."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.batches: dict[int, BatchRecord] = {}

    def write(self, index: int, record: BatchRecord) -> None:
        self.batches[index] = record

    def read(self, index: int) -> BatchRecord:
        return self.batches[index]
