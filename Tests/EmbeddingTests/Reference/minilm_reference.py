#!/usr/bin/env python3
"""Independent numpy reference of sentence-transformers/all-MiniLM-L6-v2: the oracle the Swift
embedding tests compare against.

Only numpy (pinned in requirements.txt beside this file; scripts/install-embedding-reference.sh
makes the venv) and the standard library: this file reads model.safetensors, tokenizes from
vocab.txt and runs the encoder itself. It takes nothing from transformers, tokenizers,
safetensors or torch.

What it computes (what sentence-transformers computes for this model):
  1. text.strip() (SentenceTransformer strips every input), then BERT's uncased tokenizer:
     literal special tokens ("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", case-sensitive) in the
     raw text map to their ids as the HuggingFace tokenizer does; the rest goes through the
     BasicTokenizer (clean text, pad CJK ideographs, NFD and drop marks (Mn), lower-case, split on
     whitespace and punctuation) and greedy longest-match-first WordPiece ("##" continuation;
     a word over 100 characters, or one that does not split into vocabulary pieces, is [UNK]).
  2. [CLS] + pieces[:254] + [SEP]: at most 256 tokens (sentence_bert_config.json's
     max_seq_length; tokenizer.json's own 128 is overridden by sentence-transformers).
  3. The 6-layer BERT encoder: word + position (0..n-1) + token type 0 embeddings, LayerNorm
     (eps 1e-12); per layer self-attention (12 heads of 32, softmax(QK^T/sqrt(32) + mask) V),
     dense + residual + LayerNorm, dense 1536 + exact (erf) GELU, dense + residual + LayerNorm.
     Linear weights are stored [out, in]: y = x @ W.T + b.
  4. Mean over the tokens of the attention mask, then L2 normalisation (2_Normalize).
The pooler (pooler.dense.*) is in the file but not used by sentence-transformers.

Arithmetic is float64 by default (--dtype float32 is there to compare speed); the weights are
float32 in the file and widened exactly.

Usage:
  python minilm_reference.py MODEL_DIR embed [--dtype float64|float32] < texts.json
      stdin: a JSON list of strings. stdout: {"vectors": [[384 floats], ...],
      "token_ids": [[ids with [CLS] and [SEP]], ...]}.
  python minilm_reference.py MODEL_DIR tokenize < texts.json
      stdout: {"token_ids": [[...], ...]} (no model weights read).
  python minilm_reference.py MODEL_DIR bench N TOKENS [--dtype float64|float32]
      Embeds N synthetic chunks (bench_texts below) in batches of 8 and prints one JSON line
      {"chunks_per_second": x, "seconds": y, "chunks": N, ...}. The time covers tokenizing and
      the encoder, not loading the model or building the texts.

The benchmark texts (a Swift benchmark builds the same ones): the words of BENCH_PARAGRAPH, split
on single spaces, W of them; chunk i (0-based) is the words at positions (7*i + k) mod W for
k = 0 ..< TOKENS-2, joined with single spaces. Every word is one lower-case vocabulary token, so
each chunk is exactly TOKENS tokens with [CLS] and [SEP] (2 <= TOKENS <= 256).
"""

import json
import math
import struct
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np

MAX_SEQ_LENGTH = 256  # sentence_bert_config.json
MAX_CHARS_PER_WORD = 100
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

BENCH_PARAGRAPH = (
    "the quick brown fox jumped over the lazy dog while the old farmer walked slowly along "
    "the river to the small village where people gather every morning to buy fresh bread and "
    "talk about the weather the news and the price of grain before they return home to work "
    "in the fields until the sun goes down behind the hills and the children come back from "
    "school with stories about what they learned that day"
)


# ---------------------------------------------------------------------------------------------
# safetensors


_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4"}


def read_safetensors(path):
    """Every tensor of a .safetensors file, by name, as numpy arrays (copies, native order).

    Layout: 8-byte little-endian header length n, n bytes of JSON header
    {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
    then the data; offsets are relative to the end of the header."""
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = np.dtype(_DTYPES[info["dtype"]])
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape)) if shape else 1
        if end - begin != count * dtype.itemsize:
            raise ValueError(f"{name}: {end - begin} bytes for shape {shape} {info['dtype']}")
        array = np.frombuffer(raw, dtype=dtype, count=count, offset=base + begin)
        tensors[name] = array.reshape(shape).astype(dtype.newbyteorder("="))
    return tensors


# ---------------------------------------------------------------------------------------------
# Tokenizer


def load_vocab(path):
    vocab = {}
    with open(path, encoding="utf-8") as f:
        for index, line in enumerate(f):
            token = line.rstrip("\n")
            vocab.setdefault(token, index)
    return vocab


def _is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_whitespace(ch):
    # BERT: space, \t, \n, \r and Zs. Line/paragraph separators (Zl, Zp) split words too.
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs" or ch.isspace()


def _is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def basic_tokenize(text):
    """BERT's BasicTokenizer with do_lower_case (accents stripped), as a list of words."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if _is_whitespace(ch):
            out.append(" ")
        elif _is_cjk(cp):
            out.append(" " + ch + " ")
        else:
            out.append(ch)
    text = "".join(out)
    # Strip accents: NFD, then drop nonspacing marks. Then lower-case one character at a time
    # (no context-dependent rules such as Greek final sigma, as the HuggingFace tokenizer).
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = "".join(c.lower() for c in text)
    words = []
    for token in text.split(" "):
        if not token:
            continue
        current = []
        for ch in token:
            if _is_punctuation(ch):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
    return words


def wordpiece(word, vocab, unk_id):
    if len(word) > MAX_CHARS_PER_WORD:
        return [unk_id]
    ids = []
    start = 0
    while start < len(word):
        end = len(word)
        found = None
        while start < end:
            piece = word[start:end]
            if start > 0:
                piece = "##" + piece
            if piece in vocab:
                found = vocab[piece]
                break
            end -= 1
        if found is None:
            return [unk_id]
        ids.append(found)
        start = end
    return ids


class Tokenizer:
    def __init__(self, vocab_path):
        self.vocab = load_vocab(vocab_path)
        self.unk_id = self.vocab["[UNK]"]
        self.cls_id = self.vocab["[CLS]"]
        self.sep_id = self.vocab["[SEP]"]
        self.pad_id = self.vocab["[PAD]"]
        self.special = {t: self.vocab[t] for t in SPECIAL_TOKENS}

    def pieces(self, text):
        """Word-piece ids of a text, without [CLS]/[SEP] and untruncated."""
        ids = []
        rest = text
        while rest:
            # Leftmost literal special token (they never overlap one another).
            hit = None
            for token in SPECIAL_TOKENS:
                at = rest.find(token)
                if at >= 0 and (hit is None or at < hit[0]):
                    hit = (at, token)
            segment = rest if hit is None else rest[: hit[0]]
            for word in basic_tokenize(segment):
                ids.extend(wordpiece(word, self.vocab, self.unk_id))
            if hit is None:
                break
            ids.append(self.special[hit[1]])
            rest = rest[hit[0] + len(hit[1]) :]
        return ids

    def encode(self, text, max_length=MAX_SEQ_LENGTH):
        body = self.pieces(text.strip())[: max_length - 2]
        return [self.cls_id] + body + [self.sep_id]


# ---------------------------------------------------------------------------------------------
# erf and GELU
#
# math.erf is exact to an ulp but one Python call per element; this is a vectorised
# equivalent: a table of erf (from math.erf) at multiples of 1/256 on [0, 6] and a 4th-order
# Taylor step from the nearest one (|d| <= 1/512, erf's derivatives from exp(-x^2)).
# Absolute error under 4e-15 against math.erf (checked by `selftest`); erf(x) = +-1 beyond 6.

_ERF_STEPS = 256
_ERF_LIMIT = 6.0
_a0 = np.arange(int(_ERF_LIMIT * _ERF_STEPS) + 1, dtype=np.float64) / _ERF_STEPS
_g = np.array([2.0 / math.sqrt(math.pi) * math.exp(-v * v) for v in _a0])
_ERF_T0 = np.array([math.erf(v) for v in _a0])
_ERF_T1 = _g  # erf'(a)
_ERF_T2 = -_a0 * _g  # erf''(a) / 2
_ERF_T3 = (2.0 * _a0 * _a0 - 1.0) / 3.0 * _g  # erf'''(a) / 6
_ERF_T4 = (3.0 * _a0 - 2.0 * _a0**3) / 6.0 * _g  # erf''''(a) / 24
del _a0, _g


def erf(x):
    x = np.asarray(x, dtype=np.float64)
    a = np.minimum(np.abs(x), _ERF_LIMIT)
    i = np.rint(a * _ERF_STEPS).astype(np.intp)
    d = a - i * (1.0 / _ERF_STEPS)
    y = np.take(_ERF_T4, i)
    y *= d
    y += np.take(_ERF_T3, i)
    y *= d
    y += np.take(_ERF_T2, i)
    y *= d
    y += np.take(_ERF_T1, i)
    y *= d
    y += np.take(_ERF_T0, i)
    return np.copysign(y, x)


def gelu(x):
    """Exact GELU: x * (1 + erf(x / sqrt(2))) / 2."""
    e = erf(x * (1.0 / math.sqrt(2.0))).astype(x.dtype, copy=False)
    return 0.5 * x * (1.0 + e)


# ---------------------------------------------------------------------------------------------
# Encoder


class MiniLM:
    def __init__(self, model_dir, dtype=np.float64):
        model_dir = Path(model_dir)
        self.dtype = np.dtype(dtype)
        config = json.loads((model_dir / "config.json").read_text())
        self.hidden = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.head_dim = self.hidden // self.heads
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only BERT with absolute positions and erf GELU is implemented")
        sbert = model_dir / "sentence_bert_config.json"
        self.max_seq_length = json.loads(sbert.read_text())["max_seq_length"] if sbert.exists() else 512
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens"):
            raise ValueError("only mean pooling is implemented")
        self.tokenizer = Tokenizer(model_dir / "vocab.txt")

        raw = read_safetensors(model_dir / "model.safetensors")
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in raw else ""

        def w(name):
            return raw[prefix + name].astype(self.dtype)

        self.word = w("embeddings.word_embeddings.weight")
        self.position = w("embeddings.position_embeddings.weight")
        self.token_type0 = w("embeddings.token_type_embeddings.weight")[0]
        self.emb_ln = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        self.blocks = []
        for n in range(self.layers):
            p = f"encoder.layer.{n}."
            wq, wk, wv = (w(p + f"attention.self.{k}.weight") for k in ("query", "key", "value"))
            bq, bk, bv = (w(p + f"attention.self.{k}.bias") for k in ("query", "key", "value"))
            self.blocks.append(
                {
                    # Q, K and V in one product: [in, 3*out].
                    "qkv_w": np.ascontiguousarray(np.concatenate([wq, wk, wv], axis=0).T),
                    "qkv_b": np.concatenate([bq, bk, bv]),
                    "ao_w": np.ascontiguousarray(w(p + "attention.output.dense.weight").T),
                    "ao_b": w(p + "attention.output.dense.bias"),
                    "ao_ln": (w(p + "attention.output.LayerNorm.weight"), w(p + "attention.output.LayerNorm.bias")),
                    "i_w": np.ascontiguousarray(w(p + "intermediate.dense.weight").T),
                    "i_b": w(p + "intermediate.dense.bias"),
                    "o_w": np.ascontiguousarray(w(p + "output.dense.weight").T),
                    "o_b": w(p + "output.dense.bias"),
                    "o_ln": (w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias")),
                }
            )

    def layer_norm(self, x, gamma_beta):
        gamma, beta = gamma_beta
        mean = x.mean(axis=-1, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=-1, keepdims=True)  # biased, as torch
        return centered / np.sqrt(var + self.eps) * gamma + beta

    def forward(self, batch_ids):
        """Sentence vectors [B, hidden] for lists of token ids (with [CLS]/[SEP])."""
        b = len(batch_ids)
        n = max(len(ids) for ids in batch_ids)
        ids = np.full((b, n), self.tokenizer.pad_id, dtype=np.intp)
        mask = np.zeros((b, n), dtype=self.dtype)
        for row, seq in enumerate(batch_ids):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0

        x = self.word[ids] + self.position[:n][None, :, :] + self.token_type0
        x = self.layer_norm(x, self.emb_ln)
        # Padding keys get the most negative finite value, so exp() gives exactly 0.
        bias = (1.0 - mask)[:, None, None, :] * np.finfo(self.dtype).min
        scale = 1.0 / math.sqrt(self.head_dim)
        h, d = self.heads, self.head_dim
        for blk in self.blocks:
            qkv = x @ blk["qkv_w"] + blk["qkv_b"]  # [b, n, 3*hidden]
            qkv = qkv.reshape(b, n, 3, h, d).transpose(2, 0, 3, 1, 4)  # [3, b, h, n, d]
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias  # [b, h, n, n]
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(b, n, self.hidden)
            x = self.layer_norm(context @ blk["ao_w"] + blk["ao_b"] + x, blk["ao_ln"])
            inner = gelu(x @ blk["i_w"] + blk["i_b"])
            x = self.layer_norm(inner @ blk["o_w"] + blk["o_b"] + x, blk["o_ln"])

        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.sqrt((pooled * pooled).sum(axis=1, keepdims=True))
        return pooled / np.maximum(norms, 1e-12)

    def encode_ids(self, texts):
        return [self.tokenizer.encode(t, self.max_seq_length) for t in texts]

    def embed(self, texts, batch_size=8):
        token_ids = self.encode_ids(texts)
        vectors = np.zeros((len(texts), self.hidden), dtype=self.dtype)
        for start in range(0, len(texts), batch_size):
            vectors[start : start + batch_size] = self.forward(token_ids[start : start + batch_size])
        return vectors, token_ids


# ---------------------------------------------------------------------------------------------
# Benchmark texts


def bench_texts(count, tokens):
    """The synthetic chunks of the benchmark; see the module docstring."""
    if not 2 <= tokens <= MAX_SEQ_LENGTH:
        raise ValueError(f"TOKENS must be in 2...{MAX_SEQ_LENGTH}")
    words = BENCH_PARAGRAPH.split(" ")
    return [" ".join(words[(7 * i + k) % len(words)] for k in range(tokens - 2)) for i in range(count)]


# ---------------------------------------------------------------------------------------------
# Command line


def _selftest():
    xs = np.concatenate([np.linspace(-8.0, 8.0, 400001), [0.0, -0.0, 1e-300, 5.9999, 6.0, 6.5, 40.0]])
    exact = np.array([math.erf(v) for v in xs.tolist()])
    err = float(np.abs(erf(xs) - exact).max())
    print(json.dumps({"erf_max_abs_error": err}))
    return 0 if err < 1e-13 else 1


def main(argv):
    args = list(argv)
    dtype = np.float64
    if "--dtype" in args:
        at = args.index("--dtype")
        dtype = {"float64": np.float64, "float32": np.float32}[args[at + 1]]
        del args[at : at + 2]
    if len(args) == 1 and args[0] == "selftest":
        return _selftest()
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    model_dir, command = args[0], args[1]

    if command == "tokenize":
        texts = json.load(sys.stdin)
        tokenizer = Tokenizer(Path(model_dir) / "vocab.txt")
        sbert = Path(model_dir) / "sentence_bert_config.json"
        limit = json.loads(sbert.read_text())["max_seq_length"] if sbert.exists() else MAX_SEQ_LENGTH
        json.dump({"token_ids": [tokenizer.encode(t, limit) for t in texts]}, sys.stdout)
        sys.stdout.write("\n")
        return 0

    if command == "embed":
        texts = json.load(sys.stdin)
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            print("stdin must be a JSON list of strings", file=sys.stderr)
            return 2
        model = MiniLM(model_dir, dtype)
        vectors, token_ids = model.embed(texts)
        json.dump({"vectors": vectors.astype(np.float64).tolist(), "token_ids": token_ids}, sys.stdout)
        sys.stdout.write("\n")
        return 0

    if command == "bench":
        count, tokens = int(args[2]), int(args[3])
        texts = bench_texts(count, tokens)
        model = MiniLM(model_dir, dtype)
        # Every benchmark word must be one vocabulary token, so a chunk is exactly TOKENS long.
        for word in set(BENCH_PARAGRAPH.split(" ")):
            if len(model.tokenizer.pieces(word)) != 1:
                raise AssertionError(f"benchmark word {word!r} is not a single token")
        model.forward([model.tokenizer.encode("warm up")])
        start, cpu_start = time.perf_counter(), time.process_time()
        vectors, token_ids = model.embed(texts, batch_size=8)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        assert all(len(ids) == tokens for ids in token_ids)
        print(
            json.dumps(
                {
                    "chunks_per_second": count / seconds,
                    "seconds": seconds,
                    "cpu_us_per_chunk": cpu / count * 1e6,
                    "chunks": count,
                    "tokens": tokens,
                    "batch_size": 8,
                    "dtype": np.dtype(dtype).name,
                }
            )
        )
        return 0

    print(f"unknown command {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
