"""Reading images, folders and sentence files into a batch."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from foxlike import InputError
from foxlike.cli.inputs import read_inputs


@pytest.fixture
def photos(tmp_path):
    import skimage.data

    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(skimage.data.coffee()).save(folder / "coffee.png")
    Image.fromarray(skimage.data.chelsea()).save(folder / "chelsea.jpg")
    (folder / "notes.md").write_text("not an image")
    return folder


def test_folder_images_are_resized_scaled_and_normalised(photos):
    inputs = read_inputs([str(photos)], image_size=[32, 48], mean=[0.5, 0.4, 0.3], std=[0.2, 0.2, 0.2])

    assert inputs.modality == "cv" and inputs.names == ["chelsea.jpg", "coffee.png"]
    assert inputs.tensor.shape == (2, 3, 32, 48) and inputs.pixels.shape == (2, 32, 48, 3)
    assert 0.0 <= inputs.pixels.min() and inputs.pixels.max() <= 1.0
    expected = (torch.from_numpy(inputs.pixels).permute(0, 3, 1, 2) - torch.tensor([0.5, 0.4, 0.3]).view(1, 3, 1, 1)) / 0.2
    torch.testing.assert_close(inputs.tensor, expected)


def test_images_of_different_sizes_ask_for_image_size(photos):
    with pytest.raises(InputError, match="different sizes.*--image-size"):
        read_inputs([str(photos)])


def test_grayscale_reading_gives_one_channel(photos):
    inputs = read_inputs([str(photos / "coffee.png")], channels=1)
    assert inputs.tensor.shape == (1, 1, 400, 600)
    np.testing.assert_allclose(inputs.tensor[0, 0].numpy(), inputs.pixels[0, ..., 0])


def test_sentences_need_a_tokenizer(tmp_path):
    path = tmp_path / "reviews.txt"
    path.write_text("a fine film\n")
    with pytest.raises(InputError, match="--tokenizer module:callable"):
        read_inputs([str(path)])


def test_sentences_are_one_per_non_empty_line(tmp_path):
    path = tmp_path / "reviews.txt"
    path.write_text("a fine film\n\n  a poor one  \n")

    inputs = read_inputs([str(path)], tokenizer=lambda s: (torch.zeros(len(s), 3, dtype=torch.long), [x.split() for x in s]))

    assert inputs.modality == "nlp" and inputs.names == ["a fine film", "a poor one"]
    assert inputs.tokens == [["a", "fine", "film"], ["a", "poor", "one"]]


def test_a_tokenizer_may_add_forward_arguments(tmp_path):
    path = tmp_path / "reviews.txt"
    path.write_text("a fine film\nok\n")

    def tokenize(sentences):
        ids = torch.tensor([[1, 2, 3], [4, 0, 0]])
        return ids, [s.split() for s in sentences], {"attention_mask": (ids != 0).long()}

    inputs = read_inputs([str(path)], tokenizer=tokenize)

    assert inputs.forward_kwargs["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_missing_inputs_are_named(tmp_path):
    with pytest.raises(InputError, match="'nowhere.png' does not exist"):
        read_inputs(["nowhere.png"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no image"):
        read_inputs([str(tmp_path / "empty")])
