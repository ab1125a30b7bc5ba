"""option_semantics: what a node reports after Option::set, for Zeek's transforming change handlers."""
import pytest

from ansible_collections.netsec.zeek.plugins.module_utils import option_semantics as sem

PRIVATE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")


def ctx(is_local=True, private=tuple(PRIVATE), local_nets=None):
    return {sem.PRIVATE_IS_LOCAL: is_local, sem.PRIVATE_SPACE: list(private),
            sem.LOCAL_NETS: list(local_nets or [])}


def test_local_nets_reports_the_private_space_too():
    predicted = sem.predict(sem.LOCAL_NETS, frozenset(["198.51.100.0/24"]), ctx())
    assert predicted == frozenset(["198.51.100.0/24", *PRIVATE])
    assert sem.converged(sem.LOCAL_NETS, frozenset(["198.51.100.0/24"]), predicted, ctx())
    # What the user asked for alone is not what a real node reports: the old equality never converged.
    assert not sem.converged(sem.LOCAL_NETS, frozenset(["198.51.100.0/24"]), frozenset(["198.51.100.0/24"]), ctx())


def test_local_nets_unchanged_when_private_space_is_not_local():
    assert sem.predict(sem.LOCAL_NETS, frozenset(["198.51.100.0/24"]), ctx(is_local=False)) == \
        frozenset(["198.51.100.0/24"])


def test_local_nets_empty_value_still_has_the_private_space():
    assert sem.predict(sem.LOCAL_NETS, frozenset(), ctx()) == frozenset(PRIVATE)


def test_subnets_are_compared_as_networks():
    # Zeek masks the host bits: 10.1.2.3/8 is 10.0.0.0/8; IPv6 in compressed form.
    predicted = sem.predict(sem.LOCAL_NETS, frozenset(["2001:0db8:0000::/32"]), ctx(private=["10.1.2.3/8"]))
    assert predicted == frozenset(["2001:db8::/32", "10.0.0.0/8"])


def test_other_options_report_what_was_set():
    assert not sem.transforms("Weird::sampling_threshold")
    assert sem.context_ids("Weird::sampling_threshold") == ()
    assert sem.predict("Weird::sampling_threshold", 7) == 7
    assert sem.already_set("HTTP::proxy_headers", frozenset(["VIA"]), frozenset(["VIA"]))
    assert sem.side_effects("Weird::sampling_threshold", 7) == {}


def test_context_is_named_and_required():
    assert sem.transforms(sem.LOCAL_NETS)
    assert sem.context_ids(sem.LOCAL_NETS) == (sem.PRIVATE_IS_LOCAL, sem.PRIVATE_SPACE)
    with pytest.raises(sem.MissingContext, match="Site::private_address_space_is_local"):
        sem.predict(sem.LOCAL_NETS, frozenset(), {})
    with pytest.raises(ValueError, match="must be a bool"):
        sem.predict(sem.LOCAL_NETS, frozenset(), {sem.PRIVATE_IS_LOCAL: "T", sem.PRIVATE_SPACE: []})


def test_private_space_moves_local_nets():
    context = ctx(local_nets=[*PRIVATE, "198.51.100.0/24"])
    new = frozenset(["10.0.0.0/8", "100.64.0.0/10"])
    assert sem.predict(sem.PRIVATE_SPACE, new, context) == new
    effects = sem.side_effects(sem.PRIVATE_SPACE, new, context)
    # The old private ranges that are gone leave local_nets, the new ones join, the rest stays.
    assert effects == {sem.LOCAL_NETS: frozenset(["10.0.0.0/8", "100.64.0.0/10", "198.51.100.0/24"])}
    assert sem.side_effects(sem.PRIVATE_SPACE, new, ctx(is_local=False)) == {}


def test_explanations_cover_every_transforming_option():
    assert set(sem.EXPLANATIONS) == {sem.LOCAL_NETS, sem.PRIVATE_SPACE}


def test_a_reader_of_options_only_infers_private_address_space_is_local():
    """NetsecOptions::query answers options, not constants: the constant is inferred from local_nets."""
    assert sem.option_context_ids(sem.LOCAL_NETS) == (sem.LOCAL_NETS, sem.PRIVATE_SPACE)
    assert sem.PRIVATE_IS_LOCAL not in sem.option_context_ids(sem.PRIVATE_SPACE)
    assert sem.option_context_ids("Weird::sampling_threshold") == ()
    options = {sem.PRIVATE_SPACE: list(PRIVATE), sem.LOCAL_NETS: [*PRIVATE, "198.51.100.0/24"]}
    assert sem.constants_inferred(options)[sem.PRIVATE_IS_LOCAL] is True
    options[sem.LOCAL_NETS] = ["10.0.0.0/8"]  # a private range missing: the handler would have added it
    assert sem.constants_inferred(options)[sem.PRIVATE_IS_LOCAL] is False
    assert sem.predict(sem.LOCAL_NETS, frozenset(["198.51.100.0/24"]), sem.constants_inferred(options)) == \
        frozenset(["198.51.100.0/24"])
    # What was read wins over the inference; without both options there is nothing to infer from.
    assert sem.constants_inferred(ctx(is_local=False, local_nets=PRIVATE))[sem.PRIVATE_IS_LOCAL] is False
    assert sem.constants_inferred({sem.PRIVATE_SPACE: PRIVATE}) == {sem.PRIVATE_SPACE: PRIVATE}
