# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Zeek's CPU lists (``workers_cpu_list``, ``*_cpu_set``), parsed exactly as
``CpuList::CpuList`` in tools/systemd-generator/src/utils.cc (v9.0.0-rc1) parses them.

Private to the netsec.zeek collection.
"""

from __future__ import annotations

import re

# std::from_chars<int>: an optional '-', then digits; no '+', no spaces.
_INT_RE = re.compile(r"^-?[0-9]+$")
_INT_MAX = 2 ** 31 - 1


def _parse_int(text):
    """zeek::detail::parse_int: the whole text must be an int, else None."""
    if not _INT_RE.match(text):
        return None
    value = int(text)
    if not -_INT_MAX - 1 <= value <= _INT_MAX:
        return None
    return value


def parse_cpu_list(text):
    """'0-8:2,10' -> [0, 2, 4, 6, 8, 10]; None when Zeek would call it invalid.

    An empty text is a valid empty list. Single numbers are not range-checked by
    Zeek (a negative single number fails only because it splits on '-').
    """
    if text == "":
        return []
    cpus = []
    for part in text.split(","):
        pieces = part.split("-")
        if len(pieces) == 2:
            stride = 1
            right = pieces[1].split(":")
            if len(right) == 2:
                stride = _parse_int(right[1])
                if stride is None or stride <= 0:
                    return None
                high = _parse_int(right[0])
            elif len(right) == 1:
                high = _parse_int(pieces[1])
            else:
                return None
            low = _parse_int(pieces[0])
            if low is None or high is None or low < 0 or high < 0 or high < low:
                return None
            cpus.extend(range(low, high + 1, stride))
        elif len(pieces) == 1:
            number = _parse_int(pieces[0])
            if number is None:
                return None
            cpus.append(number)
        else:
            return None
    return cpus


def cpu_at_index(cpus, index):
    """CpuList::CpuAtIndex: the CPU of the 1-based ``index``, wrapping around; '' when empty."""
    if not cpus:
        return ""
    return str(cpus[(index - 1) % len(cpus)])


def cpu_set_text(cpus):
    """CpuList::IndicesSetString: sorted, de-duplicated, comma-joined (a CPUAffinity value)."""
    return ",".join(str(cpu) for cpu in sorted(set(cpus)))
