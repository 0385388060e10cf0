"""Reading what ``foxlike explain`` explains: image files, folders of images, text files, tables.

Images become one float tensor (N, C, H, W) in [0, 1], resized to
``image_size`` and then normalised with ``mean`` and ``std`` when given; the
un-normalised pixels are kept for the report's overlays. A ``.txt`` file holds
one sentence per line; a tokenizer turns the sentences into model inputs. A
``.csv`` file holds one row per sample under a header naming the columns.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import InputError
from ..runner.inputs import Inputs, tokenize_sentences

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
TEXT_SUFFIXES = (".txt",)
TABLE_SUFFIXES = (".csv",)


def expand_paths(paths: list[str]) -> list[Path]:
    """Files as given, folders replaced by the images in them (sorted by name)."""
    found = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not images:
                raise InputError(f"Folder {given!r} holds no image ({', '.join(IMAGE_SUFFIXES)}).")
            found += images
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"Input {given!r} does not exist.")
    if not found:
        raise InputError("No inputs given: name image files, a folder of images or a .txt file.")
    return found


def _read_image(path: Path, size: tuple[int, int] | None, channels: int):
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB")
            if size:
                image = image.resize((size[1], size[0]), Image.BILINEAR)
            array = np.asarray(image, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"Cannot read image {str(path)!r}: {exc}. Remove it, or pass --skip-unreadable to leave "
                         "unreadable images out (the report lists them).") from None
    return array[..., None] if array.ndim == 2 else array


def read_images(paths: list[Path], image_size: list[int] | None = None, channels: int = 3,
                mean: list[float] | None = None, std: list[float] | None = None,
                skip_unreadable: bool = False) -> Inputs:
    """The images as one batch; with ``skip_unreadable`` an image that cannot be read is left out and
    listed in ``Inputs.skipped`` instead of stopping the run."""
    import numpy as np
    import torch

    size = tuple(image_size) if image_size else None
    arrays, read, skipped = [], [], []
    for path in paths:
        try:
            arrays.append(_read_image(path, size, channels))
            read.append(path)
        except InputError as exc:
            if not skip_unreadable:
                raise
            skipped.append(f"{path}: {str(exc).split(': ', 1)[-1].split('. Remove it')[0]}")
    if not arrays:
        raise InputError(f"None of the {len(paths)} image(s) could be read: {'; '.join(skipped)}.")
    paths = read
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise InputError(f"The images have different sizes {sorted(shapes)}: set image_size (--image-size H W).")
    pixels = np.stack(arrays)
    tensor = torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous()
    if mean:
        tensor = tensor - torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    if std:
        tensor = tensor / torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    return Inputs("cv", tensor, [p.name for p in paths], pixels=pixels, skipped=skipped)


def read_sentences(path: Path, tokenizer: Callable | None) -> Inputs:
    """One sentence per non-empty line, tokenized by :func:`tokenize_sentences`."""
    if tokenizer is None:
        raise InputError(
            f"{str(path)!r} is text, and the model brings no tokenizer: pass --tokenizer module:callable, or "
            "give the model a `tokenize(sentences) -> input_ids` method (docs/cli.md)."
        )
    sentences = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not sentences:
        raise InputError(f"{str(path)!r} holds no sentence (one per line expected).")
    return tokenize_sentences(tokenizer, sentences)


def read_inputs(paths: list[str], tokenizer: Callable | None = None, feature_names: list[str] | None = None,
                **image_options) -> Inputs:
    """Everything named on the command line as one batch: all images, one text file or one table."""
    from .tables import read_table

    files = expand_paths(paths)
    single = [p for p in files if p.suffix.lower() in TEXT_SUFFIXES + TABLE_SUFFIXES]
    if single:
        if len(files) > 1:
            raise InputError("Give one .txt file of sentences, one .csv table or images, not several of these "
                             "or a mix.")
        if single[0].suffix.lower() in TABLE_SUFFIXES:
            return read_table(single[0], feature_names)
        return read_sentences(single[0], tokenizer)
    return read_images(files, **image_options)
