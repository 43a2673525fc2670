"""A tiny, random OPUS-MT-shaped CTranslate2 model, built with ctranslate2's spec API and
a SentencePiece model trained on a few lines: no torch, no downloads, well under a second."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import sentencepiece
from ctranslate2.specs import TransformerSpec  # type: ignore[import-untyped]

_CORPUS = [
    "Your order has shipped.",
    "Where is my parcel?",
    "I want a refund for the blue shirt, please.",
    "Ihre Bestellung wurde versandt.",
    "0123456789 #-_$.,:;!?/=%()'\"",
] * 10


def build_tiny_model(directory: Path, seed: int = 0) -> Path:
    """An OPUS-MT-shaped model directory: model.bin, config, shared vocabulary, source.spm."""
    proto = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(_CORPUS),
        model_writer=proto,
        vocab_size=48,
        model_type="char",
        character_coverage=1.0,
        minloglevel=2,
    )
    processor = sentencepiece.SentencePieceProcessor(model_proto=proto.getvalue())
    vocabulary = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    rng = np.random.default_rng(seed)
    d_model, ffn, size = 16, 32, len(vocabulary)

    def weights(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.3).astype(np.float32)

    def norm(spec: object) -> None:
        spec.gamma = np.ones(d_model, np.float32)  # type: ignore[attr-defined]
        spec.beta = np.zeros(d_model, np.float32)  # type: ignore[attr-defined]

    def linear(spec: object, out_dim: int, in_dim: int) -> None:
        spec.weight = weights(out_dim, in_dim)  # type: ignore[attr-defined]
        spec.bias = weights(out_dim)  # type: ignore[attr-defined]

    spec = TransformerSpec.from_config(1, 2)
    spec.encoder.embeddings[0].weight = weights(size, d_model)
    norm(spec.encoder.layer_norm)
    spec.decoder.embeddings.weight = weights(size, d_model)
    norm(spec.decoder.layer_norm)
    linear(spec.decoder.projection, size, d_model)
    for layer in [*spec.encoder.layer, *spec.decoder.layer]:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d_model, d_model)
        linear(layer.self_attention.linear[1], d_model, d_model)
        norm(layer.ffn.layer_norm)
        linear(layer.ffn.linear_0, ffn, d_model)
        linear(layer.ffn.linear_1, d_model, ffn)
        if hasattr(layer, "attention"):  # decoder layers attend to the encoder
            norm(layer.attention.layer_norm)
            linear(layer.attention.linear[0], d_model, d_model)
            linear(layer.attention.linear[1], 2 * d_model, d_model)
            linear(layer.attention.linear[2], d_model, d_model)
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.config.add_source_eos = True  # as OPUS-MT (Marian) models are converted
    spec.validate()  # what ctranslate2's converters do before saving: checks shapes and
    spec.optimize()  # turns the numpy arrays into the variables save() writes
    directory.mkdir(parents=True)
    spec.save(str(directory))
    (directory / "source.spm").write_bytes(proto.getvalue())
    return directory
