"""The desk's data files (lexicon, reply templates, demo data): loaded and checked at
start-up, with errors that name the place; and the code's size rule."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from frontend.support_desk import datafile
from frontend.support_desk.datafile import DataFileError
from frontend.support_desk.flow import lexicon
from frontend.support_desk.replies import templates
from frontend.support_desk.settings import SUPPORTED_LANGUAGES
from frontend.support_desk.store import demo

FRONTEND = Path(__file__).resolve().parents[4] / "frontend"
MAX_FUNCTION_LINES = 80


def _write(tmp_path: Path, data: Any, name: str = "data.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _lexicon_data() -> dict[str, Any]:
    data: dict[str, Any] = datafile.load(lexicon.PATH).value
    return data


def test_every_lexicon_entry_has_words_in_every_language() -> None:
    data = _lexicon_data()
    entries = [
        *data["return_reasons"].values(),
        *data["conditions"].values(),
        *data["products"].values(),
        *(data[k] for k in ("yes", "refund", "reship", "exchange")),
    ]
    for entry in entries:
        assert sorted(entry) == sorted(SUPPORTED_LANGUAGES)
    assert "yes" in lexicon.YES  # a word, not YAML 1.1's boolean
    assert lexicon.best_key("vull el reemborsament", {"refund": lexicon.REFUND}) == "refund"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(greetings={"en": ["hi"]}), "unknown key 'greetings'"),
        (lambda d: d.pop("reship"), "missing key 'reship'"),
        (
            lambda d: d["return_reasons"]["RETURN_REASON_STYLE"].update(ca=[]),
            "return_reasons.RETURN_REASON_STYLE.ca: the list is empty",
        ),
        (lambda d: d["yes"].pop("ro"), "yes: no words in 'ro'"),
        (lambda d: d["refund"].update(de=["Geld zurück"]), "refund.de: unknown language"),
        (
            lambda d: d["conditions"].update(ITEM_CONDITION_SHINY={"en": ["shiny"]}),
            "conditions.ITEM_CONDITION_SHINY: unknown name",
        ),
        (
            lambda d: d["return_reasons"]["RETURN_REASON_SIZE_TOO_SMALL"]["es"].append("pequeñ"),
            "RETURN_REASON_SIZE_TOO_SMALL.es[6]: write 'pequeñ' as 'pequen'",
        ),
        (lambda d: d["exchange"]["en"].append("swap"), "exchange.en[4]: 'swap' is listed twice"),
        (lambda d: d["products"]["shirt"].update(fr=[7]), "products.shirt.fr[0]: expected"),
    ],
)
def test_a_broken_lexicon_is_refused_naming_the_place(
    tmp_path: Path, change: Any, message: str
) -> None:
    data = _lexicon_data()
    change(data)
    with pytest.raises(DataFileError) as error:
        lexicon.load_lexicon(_write(tmp_path, data))
    assert message in str(error.value)
    assert str(tmp_path) in str(error.value)


def test_yaml_duplicates_and_booleans_are_caught_with_their_line(tmp_path: Path) -> None:
    text = lexicon.PATH.read_text(encoding="utf-8")
    path = tmp_path / "lexicon.yaml"
    path.write_text(text.replace("refund:\n", "refund:\n  en: [refund]\n", 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"lexicon.yaml:\d+: not valid YAML: duplicate key"):
        lexicon.load_lexicon(path)
    path.write_text(text.replace("[yes, ok,", "[true, ok,", 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"yes\.en\[0\]: expected a non-empty string"):
        lexicon.load_lexicon(path)


def test_templates_are_checked(tmp_path: Path) -> None:
    data: dict[str, Any] = datafile.load(templates.PATH).value
    assert templates.load_templates().templates == templates.TEMPLATES
    broken = {**data, "templates": {**data["templates"], "wismo.eta": "Expected: {{eta}."}}
    with pytest.raises(DataFileError, match=r"templates\.wismo\.eta: braces only"):
        templates.load_templates(_write(tmp_path, broken))
    broken = {**data, "denial_reasons": {"FINAL_SALE": "Sold on {{date}}."}}
    with pytest.raises(DataFileError, match=r"denial_reasons\.FINAL_SALE: no placeholders"):
        templates.load_templates(_write(tmp_path, broken))


def test_every_template_the_flow_names_exists() -> None:
    named = set()
    for path in (FRONTEND / "support_desk").rglob("*.py"):
        named |= set(re.findall(r'\bpart\(\s*"([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert named, "no part(...) calls found"
    assert named <= set(templates.TEMPLATES), sorted(named - set(templates.TEMPLATES))


def _demo_data() -> dict[str, Any]:
    data: dict[str, Any] = datafile.load(demo.PATH).value
    return data


def test_the_demo_data_is_checked(tmp_path: Path) -> None:
    assert demo.load_demo().tenant.tenant_id == demo.TENANT
    data = _demo_data()
    data["customers"][0]["orders"][0]["lines"][0]["size"] = "XXL"
    with pytest.raises(DataFileError, match=r"customers\[0\]\.orders\[0\]\.lines\[0\]: P-OXFORD"):
        demo.load_demo(_write(tmp_path, data, "a.yaml"))
    data = _demo_data()
    data["customers"][1]["orders"][0]["shipment"]["events"].reverse()
    with pytest.raises(DataFileError, match=r"shipment\.events: events go from the oldest"):
        demo.load_demo(_write(tmp_path, data, "b.yaml"))
    data = _demo_data()
    data["customers"][2]["nickname"] = "Cam"
    with pytest.raises(DataFileError, match=r"customers\[2\]: unknown key 'nickname'"):
        demo.load_demo(_write(tmp_path, data, "c.yaml"))


def test_no_function_in_frontend_is_longer_than_80_lines() -> None:
    long = []
    for path in sorted(FRONTEND.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - start + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(FRONTEND.parent)}:{node.lineno} {node.name}")
    assert not long, long
