"""Remembering a model's state, and putting it back exactly.

foxlike promises to leave the user's model as it found it: the training flag
of every module, ``requires_grad`` of every parameter, and the hooks on every
module. Hooks added while explaining (by foxlike or by any explainer) are
removed; the user's own hooks stay. So are attributes an explainer set on a
module (Captum's LRP leaves ``rule`` and ``activations`` behind).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

_HOOK_DICTS = (
    "_forward_hooks",
    "_forward_pre_hooks",
    "_backward_hooks",
    "_backward_pre_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_forward_pre_hooks_with_kwargs",
)


@dataclass
class ModelState:
    training: list[tuple[torch.nn.Module, bool]]
    requires_grad: list[tuple[torch.nn.Parameter, bool]]
    hooks: list[tuple[dict, set]]
    attributes: list[tuple[torch.nn.Module, set]]

    @classmethod
    def capture(cls, model: torch.nn.Module) -> "ModelState":
        modules = list(model.modules())
        return cls(
            training=[(m, m.training) for m in modules],
            requires_grad=[(p, p.requires_grad) for p in model.parameters()],
            hooks=[(d, set(d)) for m in modules for name in _HOOK_DICTS if (d := getattr(m, name, None)) is not None],
            attributes=[(m, set(vars(m))) for m in modules],
        )

    def restore(self) -> None:
        for module, training in self.training:
            module.training = training
        for parameter, requires_grad in self.requires_grad:
            parameter.requires_grad_(requires_grad)
        for hooks, before in self.hooks:
            for key in [k for k in hooks if k not in before]:
                del hooks[key]
        for module, before in self.attributes:
            for name in [n for n in vars(module) if n not in before]:
                delattr(module, name)

    def added_hooks(self) -> int:
        """How many hooks exist now that did not when the state was captured."""
        return sum(len(set(hooks) - before) for hooks, before in self.hooks)
