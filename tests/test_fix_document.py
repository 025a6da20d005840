"""The editable record documents of `advisor fix`: set, insert and delete at a JSON pointer keep
each format's layout, and touch only the lines an edit must."""

from __future__ import annotations

import pytest

from advisor.fix.backends import open_document
from advisor.fix.document import MISSING, field_order, key_position
from advisor.fix.merge import merge_lines


def edit(name: str, text: str, *operations) -> str:
    document = open_document(name, text)
    for operation, *arguments in operations:
        getattr(document, operation)(*arguments)
    return document.render()


# --- YAML --------------------------------------------------------------------------------------

def test_yaml_keeps_what_round_trips_would_rewrite():
    text = ("---\nmodel:\n  layers:\n  - {type: dense}\n  loss: ~\n\ndata:\n  path: 'a.csv'   # quoted\n"
            "  flag: yes\n  time_column: null\n")
    after = edit("x.yaml", text,
                 ("insert", "/model/layers/-", {"type": "dropout", "rate": 0.5}),
                 ("set", "/data/path", "b.csv"))
    assert after == ("---\nmodel:\n  layers:\n  - {type: dense}\n  - {type: dropout, rate: 0.5}\n  loss: ~\n\n"
                     "data:\n  path: 'b.csv'   # quoted\n  flag: yes\n  time_column: null\n")


def test_yaml_new_section_lands_in_record_order_with_its_blank_lines():
    text = "problem:\n  type: regression\n  target: y\n\nmetric:\n  name: mae\n\nmodel:\n  loss: mse\n"
    after = edit("x.yaml", text, ("set", "/protocol", {"type": "kfold", "folds": 4}))
    assert after == ("problem:\n  type: regression\n  target: y\n\nprotocol:\n  type: kfold\n  folds: 4\n\n"
                     "metric:\n  name: mae\n\nmodel:\n  loss: mse\n")


def test_yaml_new_key_joins_its_section_before_trailing_comments_and_blank_lines():
    text = "problem:\n  target: y   # what\n\n# the data\ndata:\n  samples: 10\n"
    after = edit("x.yaml", text, ("set", "/problem/type", "regression"), ("set", "/data/path", "d.csv"))
    assert after == "problem:\n  type: regression\n  target: y   # what\n\n# the data\ndata:\n  path: d.csv\n  samples: 10\n"


def test_yaml_deleting_the_last_key_keeps_the_blank_line_after_it():
    text = "problem:\n  type: regression\n  target: y\n\nmetric:\n  name: mae\n"
    after = edit("x.yaml", text, ("delete", "/problem/target"), ("set", "/splits/method", "time"))
    assert after == "problem:\n  type: regression\n\nsplits:\n  method: time\n\nmetric:\n  name: mae\n"


def test_yaml_lists_keep_their_own_indentation():
    text = "model:\n  layers:\n  - type: dense\n    units: 4\n  metrics:\n      - accuracy\n"
    after = edit("x.yaml", text, ("insert", "/model/layers/-", {"type": "dense", "units": 1}),
                 ("insert", "/model/metrics/-", "auc"))
    assert after == ("model:\n  layers:\n  - type: dense\n    units: 4\n  - type: dense\n    units: 1\n"
                     "  metrics:\n      - accuracy\n      - auc\n")


def test_yaml_aliases_and_double_quotes_survive():
    text = 'base: &b {units: 3}\nmodel:\n  layers:\n    - *b\n    - {type: "dense", activation: "relu"}\n'
    after = edit("x.yaml", text, ("set", "/model/layers/1/activation", "sigmoid"))
    assert after == text.replace('"relu"', '"sigmoid"')


def test_yaml_values_read_back_as_plain_data():
    document = open_document("x.yaml", "a: {b: [1, 2.5, yes, null, 'x']}\n")
    assert document.get("/a/b") == [1, 2.5, True, None, "x"]
    assert document.get("/a/c") is MISSING and not document.has("/a/b/9")


# --- JSON --------------------------------------------------------------------------------------

def test_json_keeps_tabs_separators_number_spelling_and_missing_final_newline():
    text = '{\n\t"data":{"samples":10,"rate":1e-3},\n\t"model":{\n\t\t"loss":"mse"\n\t}\n}'
    after = edit("x.json", text, ("set", "/model/epochs", 5), ("set", "/data/samples", 20))
    assert after == '{\n\t"data":{"samples":20,"rate":1e-3},\n\t"model":{\n\t\t"loss":"mse",\n\t\t"epochs":5\n\t}\n}'


def test_json_new_items_follow_their_siblings_layout():
    text = '{\n  "model": {\n    "layers": [\n      {"units": 4},\n      {"units": 1}\n    ]\n  }\n}\n'
    after = edit("x.json", text, ("insert", "/model/layers/1", {"type": "dropout", "rate": 0.5}),
                 ("set", "/protocol", {"type": "kfold", "folds": 4}))
    assert after == ('{\n  "protocol": {\n    "type": "kfold",\n    "folds": 4\n  },\n  "model": {\n    "layers": [\n'
                     '      {"units": 4},\n      {"type": "dropout", "rate": 0.5},\n      {"units": 1}\n    ]\n  }\n}\n')


# --- TOML --------------------------------------------------------------------------------------

def test_toml_keeps_literal_strings_and_the_blank_lines_between_array_tables():
    text = ("[problem]\ntarget = 'y'  # literal\n\n[[model.layers]]\nunits = 4\n\n[[model.layers]]\nunits = 1\n\n"
            "[metric]\nname = 'mae'\n")
    after = edit("x.toml", text, ("set", "/problem/target", "z"),
                 ("insert", "/model/layers/1", {"type": "dropout", "rate": 0.5}))
    assert after == ("[problem]\ntarget = 'z'  # literal\n\n[[model.layers]]\nunits = 4\n\n[[model.layers]]\n"
                     'type = "dropout"\nrate = 0.5\n\n[[model.layers]]\nunits = 1\n\n[metric]\nname = \'mae\'\n')


def test_toml_one_line_arrays_keep_their_separators():
    text = 'metric = { name = "auc", others = ["precision", "recall"] }\n'
    after = edit("x.toml", text, ("insert", "/metric/others/0", "f1"))
    assert after == 'metric = { name = "auc", others = ["f1", "precision", "recall"] }\n'


# --- the operations themselves -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["x.yaml", "x.json", "x.toml"])
def test_setting_an_equal_value_changes_nothing(name):
    text = {"x.yaml": "a:\n  b: 1\n", "x.json": '{"a": {"b": 1}}\n', "x.toml": "[a]\nb = 1\n"}[name]
    document = open_document(name, text)
    assert document.set("/a/b", 1) is False
    assert document.set("/a/b", 1.0) is True  # 1.0 is another value than 1 in a record
    assert document.delete("/a/missing") is False


@pytest.mark.parametrize("name", ["x.yaml", "x.json", "x.toml"])
def test_impossible_edits_are_refused(name):
    text = {"x.yaml": "a: [1, 2]\n", "x.json": '{"a": [1, 2]}\n', "x.toml": "a = [1, 2]\n"}[name]
    document = open_document(name, text)
    with pytest.raises(ValueError):
        document.set("/a/5", 3)
    with pytest.raises(ValueError):
        document.set("/a/0/b", 3)
    with pytest.raises(ValueError):
        document.insert("/a/x", 3)


def test_unknown_formats_are_refused():
    with pytest.raises(ValueError, match="not a YAML, TOML or JSON record"):
        open_document("model.keras", "")


def test_keys_take_the_record_formats_order():
    assert field_order([])[:5] == ["version", "name", "description", "source", "problem"]
    assert field_order(["model", "layers", "0"])[:3] == ["type", "name", "units"]
    assert field_order(["history"]) == ["file", "epoch", "not_logged"] and field_order(["nowhere"]) == []
    order = ["a", "b", "c", "d"]
    assert key_position(["a", "d"], "c", order) == 1
    assert key_position(["d"], "b", order) == 0
    assert key_position(["x", "a"], "z", order) == 2


def test_a_merge_that_cannot_place_an_edit_gives_way():
    original = "a: 1\nb: 2\nc: 3\n"
    baseline = "x: 9\ny: 8\n"  # nothing in common with the original
    assert merge_lines(original, baseline, "x: 9\ny: 7\n") is None
    assert merge_lines(original, original, original) == original
    assert merge_lines("a: 1\r\nb: 2\r\n", "a: 1\nb: 2\n", "a: 1\nb: 3\n") == "a: 1\r\nb: 3\r\n"
