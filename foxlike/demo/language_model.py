"""A real small causal language model: a two-layer GPT-2 trained in seconds on the movie-review snippets.

No weights can be downloaded here, so the language-model explainers are
checked on a model that has learnt something: Hugging Face's
``GPT2LMHeadModel`` (random initialisation from a config) trained on the
Rotten Tomatoes snippets that :mod:`foxlike.demo.sentiment` reads, with a
word-level tokenizer built on them (a ``PreTrainedTokenizerFast``, so
Captum's and inseq's LLM tools take it as they take GPT-2's). It needs the
``transformers`` extra.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import torch

from .sentiment import WordTokenizer, load_reviews

PAD, UNK, EOS = "[PAD]", "[UNK]", "[EOS]"
#: The most frequent words kept (the rest are [UNK]): the output layer, most of the work, stays small.
VOCABULARY = 1000
BLOCK = 24
LEARNING_RATE = 1e-2


def review_tokenizer(texts: list[str], size: int = VOCABULARY):
    """A word-level Hugging Face tokenizer: lower-cased words and punctuation, ids 0-2 for [PAD], [UNK], [EOS]."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    counts = Counter(word for text in texts for word in WordTokenizer.pattern.findall(text.lower()))
    words = sorted(w for w, _ in counts.most_common(size))
    vocabulary = {token: i for i, token in enumerate([PAD, UNK, EOS, *words])}
    tokenizer = Tokenizer(models.WordLevel(vocabulary, unk_token=UNK))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Split(Regex(WordTokenizer.pattern.pattern), "isolated")])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token=PAD, unk_token=UNK, eos_token=EOS)


@dataclass
class ReviewLanguageModel:
    model: torch.nn.Module
    tokenizer: object
    #: mean next-token cross-entropy on held-out reviews (nats), and that of predicting the unigram frequencies
    loss: float
    unigram_loss: float

    def encode(self, texts: list[str]) -> torch.Tensor:
        """Prompts of one length as ``(N, L)`` ids (foxlike explains prompts of one length together)."""
        rows = [self.tokenizer.encode(text, add_special_tokens=False) for text in texts]
        if len({len(r) for r in rows}) != 1:
            raise ValueError(f"prompts of different lengths {[len(r) for r in rows]}")
        return torch.tensor(rows)

    def greedy(self, prompt: torch.Tensor, count: int) -> torch.Tensor:
        with torch.no_grad():
            return self.model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=count,
                                       do_sample=False, pad_token_id=0)[:, prompt.shape[1]:]


def _stream(tokenizer, texts: list[str]) -> torch.Tensor:
    """Every text's ids, each followed by [EOS]. The tokenizer's own rule (lower case, then the words and
    punctuation marks) applied with a dict: eight times faster than calling it here."""
    vocabulary, unknown, eos = tokenizer.get_vocab(), tokenizer.convert_tokens_to_ids(UNK), tokenizer.convert_tokens_to_ids(EOS)
    return torch.tensor([i for text in texts for i in
                         [*(vocabulary.get(w, unknown) for w in WordTokenizer.pattern.findall(text.lower())), eos]])


def train_review_language_model(steps: int = 300, seed: int = 0, batch: int = 32) -> ReviewLanguageModel:
    """Train on 90% of the reviews (a stream of blocks of 24 words); the losses are on the other 10%.

    [UNK] is never a label: the model learns not to predict it, so its greedy continuations are words.
    """
    from transformers import GPT2Config, GPT2LMHeadModel

    texts = [text for text, _ in load_reviews()]
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(texts), generator=generator).tolist()
    split = int(0.9 * len(texts))
    train_texts, test_texts = [texts[i] for i in order[:split]], [texts[i] for i in order[split:]]
    tokenizer = review_tokenizer(train_texts)
    train, test = _stream(tokenizer, train_texts), _stream(tokenizer, test_texts)
    blocks = train[: len(train) // BLOCK * BLOCK].reshape(-1, BLOCK)
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=64, n_embd=64, n_layer=2, n_head=4,
                        n_inner=128, bos_token_id=2, eos_token_id=2, pad_token_id=0)
    model = GPT2LMHeadModel(config)
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=LEARNING_RATE, total_steps=steps, pct_start=0.1)
    unknown = tokenizer.convert_tokens_to_ids(UNK)
    model.train()
    for _ in range(steps):
        rows = blocks[torch.randint(len(blocks), (batch,), generator=generator)]
        loss = model(rows, labels=rows.masked_fill(rows == unknown, -100)).loss
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    model.eval()
    held_out = test[: len(test) // BLOCK * BLOCK].reshape(-1, BLOCK)
    with torch.no_grad():
        loss = float(model(held_out, labels=held_out.masked_fill(held_out == unknown, -100)).loss)
    frequencies = torch.bincount(train, minlength=len(tokenizer)).double() + 1
    frequencies[unknown] = 0
    targets = held_out[:, 1:][held_out[:, 1:] != unknown]
    unigram = float(-(frequencies / frequencies.sum()).log()[targets].mean())
    return ReviewLanguageModel(model, tokenizer, loss, unigram)
