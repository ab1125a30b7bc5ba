# -*- coding: utf-8 -*-
# Copyright: netsec.zeek contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Broker's WebSocket JSON data model: the collection's one codec.

Private to the netsec.zeek collection: no compatibility promise to other code.

Import from here; the code lives in two modules, each usable alone, cut where
zeek-client cuts its own codec (``brokertypes.py`` / ``types.py``):

* ``broker_types``: Broker's value model. Python classes for the Broker types
  that plain Python cannot tell apart (count vs integer, address vs string,
  ...), ``to_json`` / ``from_json`` between them and the wire's
  ``{"@data-type", "data"}`` objects, the handshake, ack, error and
  data-message frames, and events (``[1, 1, [name, args(, metadata)]]``);
* ``zeek_types``: Zeek's types over those values. ``parse_type("set[subnet]")``
  and records that turn plain Python data (what users write in YAML) into
  typed values and back, with Zeek's strict rules (records are positional
  vectors, ``int`` is never ``count``, enums are fully qualified), and the
  Management framework's records (``Management::Configuration``, ...).

Every problem raises ``BrokerJSONError`` whose message starts with the path
inside the document (``$.data[2].data[0]``) so a person can find it.

No imports from the rest of the collection, and only relative ones inside it:
the controller emulator imports this package as ``plugins.module_utils``,
while zeek-client's independent codec referees both in the tests.
"""

from __future__ import annotations

from .broker_types import (
    Ack,
    Address,
    BrokerJSONError,
    Count,
    DataMessage,
    Enum,
    ErrorFrame,
    Event,
    Integer,
    Port,
    Real,
    Set,
    Subnet,
    Table,
    Timespan,
    Timestamp,
    Vector,
    as_event,
    data_message,
    decode_frame,
    dumps,
    from_json,
    handshake,
    loads,
    make_event,
    to_json,
    to_plain,
)
from .zeek_types import (
    CLUSTER_ROLE,
    CONFIGURATION,
    INSTANCE,
    KNOWN_ENUMS,
    MANAGEMENT_ROLE,
    MANAGEMENT_STATE,
    NODE,
    NODE_OUTPUTS,
    NODE_STATUS,
    OPTION,
    RESULT,
    ADDR,
    ANY,
    BOOL,
    COUNT,
    DOUBLE,
    INT,
    INTERVAL,
    PORT,
    STRING,
    SUBNET,
    TIME,
    CompositeType,
    EnumType,
    Field,
    Record,
    SetType,
    TableType,
    VectorType,
    ZeekType,
    interval_text,
    is_interval_text,
    parse_interval_text,
    parse_type,
    parse_version,
)

__all__ = [
    "BrokerJSONError", "Count", "Integer", "Real", "Timespan", "Timestamp",
    "Enum", "Address", "Subnet", "Port", "Vector", "Set", "Table",
    "to_json", "from_json", "dumps", "loads",
    "Event", "make_event", "as_event", "to_plain",
    "Ack", "ErrorFrame", "DataMessage", "handshake", "data_message", "decode_frame",
    "parse_type", "parse_version", "ZeekType", "Record", "Field", "EnumType", "VectorType", "SetType",
    "TableType", "CompositeType", "BOOL", "COUNT", "INT", "DOUBLE", "INTERVAL", "TIME", "STRING", "ADDR",
    "SUBNET", "PORT", "ANY",
    "interval_text", "is_interval_text", "parse_interval_text",
    "CLUSTER_ROLE", "MANAGEMENT_ROLE", "MANAGEMENT_STATE", "KNOWN_ENUMS",
    "OPTION", "INSTANCE", "NODE", "CONFIGURATION", "NODE_STATUS", "RESULT", "NODE_OUTPUTS",
]
