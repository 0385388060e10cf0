"""What a causal language model generates, as the score explained: one log-probability per generated token.

For a prompt of L token ids and a continuation of K tokens, the score of
token t is log p(token_t | prompt, tokens before t), read in one forward pass
over prompt + continuation (teacher forcing), so an explainer's every
perturbed or interpolated prompt is scored against the same continuation.
The continuation is the model's own greedy one (``target="continuation"``,
``"continuation:K"``, or :func:`continuation` with ``max_new_tokens``), or one
the user gives (ids, or a string with its tokenizer). The result is a
:class:`ContinuationTarget` of K scores per sample: attributions gain a
generated-token dimension, ``(N, K, L)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

import foxlike
from foxlike import TargetError

#: Tokens generated when the target names no count: enough for a phrase, few enough for K explanations.
DEFAULT_NEW_TOKENS = 5
#: The explainers that attribute a classifier's output, named when a language-model explainer gets one.
CLASSIFIER_EXPLAINERS = "nlp.integrated_gradients, nlp.lime or nlp.kernel_shap"
LM_EXPLAINERS = "nlp.llm_integrated_gradients, nlp.llm_feature_ablation or nlp.llm_kernel_shap"


@dataclass
class ContinuationTarget(foxlike.ScoreTarget):
    """A :class:`foxlike.ScoreTarget` whose scores are a continuation's per-token log-probabilities.

    ``per_sample[0]`` holds the continuation's ids, ``(N, K)``; ``greedy`` says whether the model chose them.
    """

    greedy: bool = False

    @property
    def ids(self) -> torch.Tensor:
        return self.per_sample[0]


def next_token_logits(output) -> torch.Tensor:
    """A causal LM's ``(N, L, vocabulary)`` scores; a classifier's ``(N, classes)`` is refused by name."""
    logits = output.logits if getattr(output, "logits", None) is not None else output
    if not isinstance(logits, torch.Tensor) or logits.dim() != 3:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise TargetError(
            f"A continuation needs a causal language model's next-token scores, (batch, sequence, vocabulary), "
            f"but the model's output is {shape}: this looks like a classifier. Explain it with "
            f"{CLASSIFIER_EXPLAINERS}."
        )
    return logits


def continuation_log_probs(call, prompt: torch.Tensor, continuation: torch.Tensor) -> torch.Tensor:
    """``(rows, K)``: log p(continuation_t | prompt, continuation before t), in one forward pass."""
    continuation = continuation.to(prompt.device, prompt.dtype)
    logits = next_token_logits(call(torch.cat([prompt, continuation], dim=1)))
    start = prompt.shape[1] - 1
    predicted = logits[:, start:start + continuation.shape[1]].float().log_softmax(dim=-1)
    return predicted.gather(-1, continuation[..., None]).squeeze(-1)


def _check_prompt(inputs, forward_args: tuple) -> None:
    if not isinstance(inputs, torch.Tensor) or inputs.is_floating_point() or inputs.dim() != 2:
        raise TargetError("A continuation is generated from token ids, a (batch, sequence) integer tensor: "
                          "tokenize the prompt first.")
    if any(isinstance(a, torch.Tensor) and a.shape == inputs.shape for a in forward_args):
        raise TargetError(
            "The prompt came with a forward argument shaped like it (an attention mask?), which cannot follow "
            "the prompt as the continuation grows it: explain prompts of one length together, without a mask "
            "(one call per length)."
        )


def greedy_continuation(run, prompt: torch.Tensor, first_logits: torch.Tensor, count: int) -> torch.Tensor:
    """``count`` tokens, each the most likely after the prompt and those before it; ``first_logits`` are the
    scores already computed on the prompt."""
    chosen = [first_logits[:, -1].argmax(dim=-1)]
    with torch.no_grad():
        for _ in range(count - 1):
            grown = torch.cat([prompt, torch.stack(chosen, dim=1).to(prompt.dtype)], dim=1)
            chosen.append(next_token_logits(run(grown))[:, -1].argmax(dim=-1))
    return torch.stack(chosen, dim=1).to(prompt.dtype)


def _target(ids: torch.Tensor, greedy: bool, decode=None) -> ContinuationTarget:
    describe = [("greedy continuation " if greedy else "continuation ")
                + (repr(decode(row.tolist())) if decode else str(row.tolist())) for row in ids]
    return ContinuationTarget(lambda call, inputs, rows: continuation_log_probs(call, inputs, rows), (ids,),
                              describe, ids.shape[1], greedy=greedy)


def _count(argument) -> int:
    if isinstance(argument, bool) or not str(argument).isdigit() or int(argument) < 1:
        raise TargetError(f"A continuation's length is a positive number of tokens, as in 'continuation:8', got "
                          f"{argument!r}.")
    return int(argument)


def greedy_target(output, context, argument: str | None = None) -> ContinuationTarget:
    """The registered ``"continuation"`` target: the model's greedy continuation (``"continuation:8"``: 8 tokens)."""
    logits = next_token_logits(output)
    _check_prompt(context.inputs, context.forward_args)
    count = DEFAULT_NEW_TOKENS if argument is None else _count(argument)
    return _target(greedy_continuation(lambda x: context.run(x, *context.forward_args), context.inputs, logits,
                                       count), greedy=True)


def _encoded(text: str, tokenizer) -> list[int]:
    if tokenizer is None:
        raise TargetError("A continuation given as text needs the model's tokenizer: "
                          "continuation(text, tokenizer=tokenizer), or pass the token ids instead.")
    encode = getattr(tokenizer, "encode", None)
    ids = encode(text, add_special_tokens=False) if callable(encode) else tokenizer(text)
    ids = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
    if not ids:
        raise TargetError(f"The continuation {text!r} has no tokens: give at least one word.")
    return ids


def continuation(text_or_ids=None, tokenizer=None, max_new_tokens: int | None = None):
    """A target for ``foxlike.explain``: the greedy continuation of ``max_new_tokens`` tokens (no text or ids),
    or the continuation given as a string (with ``tokenizer``, whose ``encode`` is used without special
    tokens), a list of ids, or ids ``(K,)`` for every sample or ``(N, K)`` one row each."""
    if text_or_ids is None:
        count = DEFAULT_NEW_TOKENS if max_new_tokens is None else _count(max_new_tokens)

        def greedy(output, context):
            return greedy_target(output, context, str(count))
        return greedy
    if max_new_tokens is not None:
        raise TargetError("Give a continuation or max_new_tokens, not both: max_new_tokens asks the model to "
                          "choose the tokens.")
    given = _encoded(text_or_ids, tokenizer) if isinstance(text_or_ids, str) else text_or_ids
    decode = getattr(tokenizer, "decode", None)

    def given_continuation(output, context):
        next_token_logits(output)
        _check_prompt(context.inputs, context.forward_args)
        ids = torch.as_tensor(given, dtype=context.inputs.dtype, device=context.inputs.device)
        batch = context.inputs.shape[0]
        ids = ids.expand(batch, -1) if ids.dim() == 1 else ids
        if ids.dim() != 2 or ids.shape[0] != batch or ids.shape[1] == 0:
            raise TargetError(f"The continuation's ids have shape {tuple(ids.shape)}: give (K,) ids for every "
                              f"sample or ({batch}, K), one row per prompt.")
        return _target(ids.clone(), greedy=False, decode=decode)
    return given_continuation


def classifier_argmax(output):
    """The registered ``"nlp.argmax"``, the classifier explainers' default: foxlike's own default (``None``:
    the argmax, or the single output), with a language model's ``(N, L, vocabulary)`` output refused by naming
    the explainers for it."""
    logits = output.logits if getattr(output, "logits", None) is not None else output
    if isinstance(logits, torch.Tensor) and logits.dim() == 3:
        raise TargetError(
            f"The model's output is {tuple(logits.shape)}, a language model's next-token scores, not a "
            f"classifier's: explain what it generates with {LM_EXPLAINERS}, or name a class target "
            "(a callable that picks one score per sample)."
        )
    return None
