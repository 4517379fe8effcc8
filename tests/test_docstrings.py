"""
The algorithms repeat REINFORCE's signature and ``:param:`` docstring: every parameter is documented, in the
signature's order, and a parameter the classes share has the same default and the same text in each of them.
"""

import inspect
import itertools
import re

import pytest

from sb3_reinforce import REINFORCE, MaskableREINFORCE, RecurrentREINFORCE

# The classes that repeat REINFORCE's parameters: a new one (RecurrentREINFORCE) is one more entry
ALGORITHMS = [REINFORCE, MaskableREINFORCE, RecurrentREINFORCE]

# Shared parameters whose text legitimately differs between the classes, and why
DOCUMENTED_DIFFERENTLY = {
    "policy": "each class takes its own policies: SB3's actor-critic ones, sb3-contrib's maskable or recurrent ones",
    "env": "MaskableREINFORCE's env must give action masks",
    "ent_coef": "MaskableREINFORCE's entropy is that of the masked distribution",
    "rollout_buffer_class": "each class needs its own whole-episode buffer (MaskableREINFORCE's stores the masks)",
    "bootstrap_truncated": "RecurrentREINFORCE refuses it: the critic's LSTM state at the terminal observation is unknown",
    "chunk_size": "RecurrentREINFORCE's chunks are whole episodes, and an episode longer than a chunk is unrolled in segments",
}

PARAM = re.compile(r"^:param (\w+):(.*)$")


def documented_params(cls: type) -> dict[str, str]:
    """
    The ``:param name: text`` entries of a class docstring, each text with its continuation lines joined.

    :param cls: The class
    :return: The text of each documented parameter, in the docstring's order
    """
    docstring = inspect.getdoc(cls)
    assert docstring, f"{cls.__name__} has no docstring"
    params: dict[str, str] = {}
    name = None
    for line in docstring.splitlines():
        match = PARAM.match(line)
        if match:
            name = match.group(1)
            assert name not in params, f"{cls.__name__} documents {name} twice"
            params[name] = match.group(2).strip()
        elif name is not None and line.startswith(" ") and line.strip():
            params[name] += " " + line.strip()
        else:
            name = None
    return params


def signature_params(cls: type) -> dict[str, inspect.Parameter]:
    return {name: param for name, param in inspect.signature(cls.__init__).parameters.items() if name != "self"}


@pytest.mark.parametrize("cls", ALGORITHMS, ids=lambda cls: cls.__name__)
def test_every_parameter_documented_in_order(cls):
    documented = list(documented_params(cls))
    signature = list(signature_params(cls))
    assert not set(signature) - set(documented), f"{cls.__name__}: undocumented {set(signature) - set(documented)}"
    assert not set(documented) - set(signature), f"{cls.__name__}: documented, not taken {set(documented) - set(signature)}"
    assert documented == signature, f"{cls.__name__}: the docstring's order is not the signature's"


@pytest.mark.parametrize("first, second", list(itertools.combinations(ALGORITHMS, 2)), ids=lambda cls: cls.__name__)
def test_shared_parameters_agree(first, second):
    first_docs, second_docs = documented_params(first), documented_params(second)
    first_sig, second_sig = signature_params(first), signature_params(second)
    shared = first_sig.keys() & second_sig.keys()
    for name in sorted(shared):
        first_default, second_default = first_sig[name].default, second_sig[name].default
        assert first_default == second_default, (
            f"{name}: default {first_default!r} in {first.__name__}, {second_default!r} in {second.__name__}"
        )
        if name in DOCUMENTED_DIFFERENTLY:
            continue
        assert first_docs.get(name) == second_docs.get(name), (
            f"{name} is documented differently:\n{first.__name__}: {first_docs.get(name)}\n"
            f"{second.__name__}: {second_docs.get(name)}"
        )


def test_documented_differently_list_is_current():
    """Each allowed difference names a parameter every class takes, and its texts do differ (else drop it)."""
    for name in DOCUMENTED_DIFFERENTLY:
        texts = set()
        for cls in ALGORITHMS:
            assert name in signature_params(cls), f"{name} (DOCUMENTED_DIFFERENTLY) is not a parameter of {cls.__name__}"
            texts.add(documented_params(cls).get(name))
        assert len(texts) > 1, f"{name} is documented the same in every class: remove it from DOCUMENTED_DIFFERENTLY"


def test_documented_params_parser():
    """The parser joins continuation lines and stops at the end of the parameters, so the checks above can fail."""

    class Documented:
        """
        Summary.

        :param alpha: First line
            second line
        :param beta: One line

        Not a parameter's text.
        """

        def __init__(self, alpha: int, beta: int = 1, gamma: int = 2):
            pass

    assert documented_params(Documented) == {"alpha": "First line second line", "beta": "One line"}
    with pytest.raises(AssertionError, match="undocumented"):
        test_every_parameter_documented_in_order(Documented)
