"""Every reply the desk writes, once, in plain English: templates.yaml beside this module,
read and checked once when the desk starts.

`{{name}}` placeholders hold values that must reach the customer unchanged (order and
tracking numbers, dates, amounts, URLs): the translation service keeps them intact and
in place, and they are filled in after translation. Words that should be translated
(product names, durations) are written into the text before it is translated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from frontend.support_desk.datafile import DataFileError, Node, load

PATH = Path(__file__).with_name("templates.yaml")

_PLACEHOLDER = re.compile(r"\{\{\s*\w+\s*\}\}")
_KEY = re.compile(r"^[a-z_]+\.[a-z_]+$")  # "wismo.not_shipped"
_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")  # "OUTSIDE_RETURN_WINDOW"


@dataclass(frozen=True)
class Templates:
    templates: dict[str, str]
    denial_reasons: dict[str, str]  # plain words by DecideReturn reason code
    default_denial: str


def load_templates(path: Path = PATH) -> Templates:
    """The templates at `path`, checked: its three sections and no others, keys such as
    `wismo.not_shipped`, non-empty texts whose braces are all `{{name}}` placeholders, and
    no placeholders in the denial reasons (they are sent as they are)."""
    root = load(path).mapping(required=("templates", "denial_reasons", "default_denial"))
    templates = {}
    for key, node in root["templates"].items():
        if not _KEY.match(key):
            raise node.error("a template's name is `group.name`, in lower case")
        templates[key] = _text(node)
    reasons = {}
    for code, node in root["denial_reasons"].items():
        if not _CODE.match(code):
            raise node.error("a reason code is upper case, as DecideReturn sends it")
        reasons[code] = _plain(node)
    return Templates(templates, reasons, _plain(root["default_denial"]))


def _text(node: Node) -> str:
    text = node.string()
    if "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
        raise node.error("braces only as `{{name}}` placeholders")
    return text


def _plain(node: Node) -> str:
    text = _text(node)
    if _PLACEHOLDER.search(text):
        raise node.error("no placeholders here: nothing fills them in")
    return text


try:
    _LOADED = load_templates()
except DataFileError as error:  # the desk does not start without its replies
    raise RuntimeError(f"the support desk's reply templates are broken: {error}") from None

TEMPLATES = _LOADED.templates
DENIAL_REASONS = _LOADED.denial_reasons
DEFAULT_DENIAL = _LOADED.default_denial
