"""Models grad-cam and foxlike are both run on: the trained digits CNN, and resnet18 with random weights."""
import pytest
import torch


@pytest.fixture(scope="session")
def resnet18():
    import torchvision

    torch.manual_seed(0)
    return torchvision.models.resnet18().eval()


@pytest.fixture(scope="session")
def photos():
    """Two 64x64 images: resnet18's layer4 is then 2x2, so a CAM is not one constant value."""
    return torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
