"""Placeholder substitution (SPEC-channels §4 Variables, Substitution), with property tests."""

from hypothesis import given, settings
from hypothesis import strategies as st

from gateways.ringotel.placeholders import (
    BUILTINS,
    Context,
    placeholder_names,
    substitute_string,
    substitute_tree,
    whole_placeholder,
)


def ctx(variables=None, properties=None, macros=None):
    return Context(variables or {}, properties or {}, macros or {})


def test_whole_leaf_keeps_number_type():
    assert substitute_string("$API port$", ctx(properties={"API port": 8080})) == 8080


def test_whole_leaf_keeps_bool_and_object_types():
    context = ctx(macros={"flags": {"urgent": True}})
    assert substitute_string("$macro.flags.urgent$", context) is True
    assert substitute_string("$macro.flags$", context) == {"urgent": True}


def test_embedded_placeholder_gets_string_form():
    context = ctx(variables={"to": "+15550001111"}, properties={"Count": 3})
    assert substitute_string("to=$to$ n=$Count$", context) == "to=+15550001111 n=3"


def test_embedded_object_is_json():
    context = ctx(macros={"order": {"id": 7, "paid": False}})
    assert substitute_string("order: $macro.order$", context) == 'order: {"id":7,"paid":false}'


def test_embedded_bool_is_json_lowercase():
    assert substitute_string("x$macro.b$", ctx(macros={"b": True})) == "xtrue"


def test_url_values_are_url_encoded():
    context = ctx(variables={"to": "+1 555/000&x=1"})
    url = substitute_string("https://a.test/send?to=$to$", context, url=True)
    assert url == "https://a.test/send?to=%2B1%20555%2F000%26x%3D1"


def test_url_whole_placeholder_is_still_a_string():
    assert substitute_string("$to$", ctx(variables={"to": 5}), url=True) == "5"


def test_builtins_resolve_before_properties():
    context = ctx(variables={"to": "+1"}, properties={"to": "property"})
    assert substitute_string("$to$", context) == "+1"


def test_missing_builtin_is_empty_string():
    assert substitute_string("[$extension$]", ctx()) == "[]"


def test_property_names_may_contain_spaces():
    assert substitute_string("Bearer $API key$", ctx(properties={"API key": "k1"})) == "Bearer k1"


def test_property_null_value_is_empty():
    assert substitute_string("$Sender$", ctx(properties={"Sender": None})) == ""


def test_macro_dotted_path_in_nested_dict():
    context = ctx(macros={"user": {"first_name": "Ann"}})
    assert substitute_string("Hi $macro.user.first_name$", context) == "Hi Ann"


def test_macro_flat_dotted_key_also_works():
    context = ctx(macros={"user.first_name": "Ann"})
    assert substitute_string("$macro.user.first_name$", context) == "Ann"


def test_unresolved_macro_is_empty_string():
    assert substitute_string("a$macro.nope.deeper$b", ctx(macros={"nope": 1})) == "ab"
    assert substitute_string("$macro.nope$", ctx()) == ""


def test_double_dollar_is_a_literal_dollar():
    assert substitute_string("$$5 and $$to$$", ctx(variables={"to": "X"})) == "$5 and $to$"


def test_double_dollar_alone_whole_leaf():
    assert substitute_string("$$", ctx()) == "$"


def test_lone_dollar_is_kept():
    assert substitute_string("costs $5", ctx()) == "costs $5"


def test_substituted_values_are_not_rescanned():
    context = ctx(variables={"content": "reply $to$ and $$", "to": "+1"})
    assert substitute_string("say: $content$", context) == "say: reply $to$ and $$"
    assert substitute_string("$content$", context) == "reply $to$ and $$"


def test_tree_substitutes_leaves_not_keys():
    tree = {"$to$": "$to$", "list": ["$from$", 1, None], "n": {"deep": "x$to$"}}
    out = substitute_tree(tree, ctx(variables={"to": "T", "from": "F"}))
    assert out == {"$to$": "T", "list": ["F", 1, None], "n": {"deep": "xT"}}


def test_tree_over_max_depth_is_returned_untouched():
    deep = "$to$"
    for _ in range(100):
        deep = [deep]
    assert substitute_tree(deep, ctx(variables={"to": "T"})) is not None


def test_placeholder_names_and_whole_placeholder():
    assert placeholder_names("$a$ $$ $b c$ $") == ["a", "b c"]
    assert whole_placeholder("$API key$") == "API key"
    assert whole_placeholder(" $to$") is None
    assert whole_placeholder("$$") is None
    assert whole_placeholder(5) is None


# --- properties ------------------------------------------------------------------------

NAMES = [*sorted(BUILTINS), "API key", "Sender", "macro.user.name", "macro.x", "unknown"]
PIECES = st.one_of(
    st.text(max_size=8),
    st.sampled_from([f"${name}$" for name in NAMES]),
    st.sampled_from(["$", "$$", "$$$", "$ $", "$\n$"]),
)
TEMPLATES = st.lists(PIECES, max_size=12).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=10,
)
VALUES = st.text() | st.sampled_from(["$to$", "$$", "$API key$", "$macro.user.name$", "%20&="])


@settings(max_examples=300, database=None)
@given(template=TEMPLATES, value=VALUES | JSON_VALUES, url=st.booleans())
def test_substitution_never_raises(template, value, url):
    context = ctx(
        variables={name: value for name in BUILTINS},
        properties={"API key": value, "Sender": value},
        macros={"user": {"name": value}, "x": value},
    )
    substitute_string(template, context, url=url)


@settings(max_examples=300, database=None)
@given(value=VALUES, prefix=st.text(alphabet="abc $", max_size=5))
def test_values_are_never_rescanned(value, prefix):
    context = ctx(variables={"to": "TO", "content": value})
    safe_prefix = prefix.replace("$", "")
    out = substitute_string(f"{safe_prefix}$content$", context)
    assert out == f"{safe_prefix}{value}"


@settings(max_examples=200, database=None)
@given(tree=JSON_VALUES)
def test_tree_without_placeholders_is_unchanged(tree):
    def has_dollar(node):
        if isinstance(node, str):
            return "$" in node
        if isinstance(node, dict):
            return any(has_dollar(v) for v in node.values())
        if isinstance(node, list):
            return any(has_dollar(v) for v in node)
        return False

    out = substitute_tree(tree, ctx(variables={"to": "T"}))
    if not has_dollar(tree):
        assert out == tree


@settings(max_examples=200, database=None)
@given(value=JSON_VALUES)
def test_whole_leaf_preserves_any_json_value(value):
    assert substitute_string("$Sender$", ctx(properties={"Sender": value})) == (
        "" if value is None else value
    )
