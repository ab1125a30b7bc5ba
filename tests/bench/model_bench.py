"""The cluster model: read a zeek-client .ini, validate, compare, render — ours vs zeek-client's.

zeek-client can parse and render a .ini and compare two configurations for
equality; it has no validation or diff. Both sides read the same text; ours
also runs the controller's validation, lint and the check-mode comparison
(with the diff text), so the comparison is conservative.
"""
import configparser
import io

from _support import SIZES, best_of, ms, print_table, sample_config
from ansible_collections.netsec.zeek.plugins.module_utils import cluster
from zeekclient import types as zc_types


def ini_text(size):
    config = cluster.from_dict(sample_config(size))
    return cluster.to_ini(config)


def ours(text, have):
    want, _warnings = cluster.from_ini(text)
    assert not cluster.validate(want)
    cluster.lint(want)
    comparison = cluster.compare(want, have)
    return want, comparison, cluster.to_ini(want)


def theirs(text, have_zc):
    parser = configparser.ConfigParser(allow_no_value=True)
    parser.read_string(text)
    want = zc_types.Configuration.from_config_parser(parser)
    have_zc.id = want.id
    equal = want == have_zc
    out = io.StringIO()
    want.to_config_parser().write(out)
    return want, equal, out.getvalue()


def run():
    rows = []
    for size in SIZES:
        text = ini_text(size)
        have = cluster.from_ini(text)[0]
        parser = configparser.ConfigParser(allow_no_value=True)
        parser.read_string(text)
        have_zc = zc_types.Configuration.from_config_parser(parser)
        assert ours(text, have)[1]["changed"] is False
        assert theirs(text, have_zc)[1] is True
        our_best, _our_median = best_of(lambda: ours(text, have))
        their_best, _their_median = best_of(lambda: theirs(text, have_zc))
        rows.append((size, ms(our_best), ms(their_best), "%.1fx" % (their_best / our_best)))
    print_table(".ini -> model -> validate + lint + compare + diff + render (ours) vs "
                ".ini -> model -> == + render (zeek-client 1.5.0), best of runs",
                ("nodes", "netsec.zeek", "zeek-client 1.5.0", "speed-up"), rows)
    return rows
