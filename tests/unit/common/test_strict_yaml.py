"""The strict YAML reader: YAML 1.2 booleans only, duplicate keys, positions."""

from __future__ import annotations

from services.common.strict_yaml import YamlProblem, load_strict_yaml


def test_only_true_and_false_are_booleans() -> None:
    document = load_strict_yaml("countries: [NO, SE]\nenabled: true\nswitch: off\n")
    assert document.data == {"countries": ["NO", "SE"], "enabled": True, "switch": "off"}
    assert document.problems == []


def test_positions_of_every_path() -> None:
    document = load_strict_yaml("rules:\n  - id: a\n    when: {x: 1}\n")
    assert document.positions["rules"] == (2, 3)
    assert document.positions["rules[0].id"] == (2, 9)
    assert document.positions["rules[0].when.x"] == (3, 15)


def test_duplicate_keys_are_reported_where_they_are() -> None:
    document = load_strict_yaml("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert document.problems == [YamlProblem("b.c", "duplicate key", 4, 3)]


def test_invalid_yaml_says_where() -> None:
    document = load_strict_yaml("a: [1, 2\nb: 3\n")
    assert document.data is None
    (problem,) = document.problems
    assert problem.path == ""
    assert problem.message.startswith("not valid YAML")
    assert (problem.line, problem.column) == (2, 2)


def test_an_empty_document_is_a_problem() -> None:
    assert load_strict_yaml("  \n").problems == [YamlProblem("", "the document is empty")]
