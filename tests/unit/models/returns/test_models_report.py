"""The report written with each version: plots that name the model, and the card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from PIL import Image

from models.returns import dataset, report
from models.returns.registry import register
from models.returns.train import TrainConfig, TrainResult, train
from services.returns_decision.engines.risk.artifact import (
    MODEL_FILE,
    content_version,
    read_metadata,
)


def test_every_plot_names_the_model_and_its_final_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = dataset.from_synthetic(6000, seed=31)
    config = TrainConfig(task="fraud", seed=31, max_rounds=60, early_stopping_rounds=20)
    result = train(data, config, name="returns_fraud")
    titles: dict[str, str] = {}
    save = report._save

    def spy(fig: Figure, path: Path, result: TrainResult) -> None:
        titles[path.name] = fig.axes[0].get_title()
        save(fig, path, result)

    monkeypatch.setattr(report, "_save", spy)
    directory, _ = register(tmp_path, result, write_report=True)

    # The version on the plots is the one the stored files hash to (metadata included).
    version = content_version((directory / MODEL_FILE).read_text(), read_metadata(directory))
    assert version == directory.name == result.metadata.version
    identity = f"returns_fraud {version}"
    card = json.loads((directory / report.CARD_JSON).read_text())
    assert sorted(titles) == sorted(Path(p).name for p in card["plots"])
    for name, title in titles.items():
        assert title.splitlines()[0] == identity, name
    for plot in card["plots"]:
        with Image.open(directory / plot) as image:
            assert image.info["Title"] == identity, plot

    assert card["trained_on"] == {"mode": "local"}
    assert "locally (one process)" in (directory / report.CARD_MD).read_text()
