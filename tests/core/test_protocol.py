import json

from hypothesis import given
from hypothesis import strategies as st

from core import protocol
from core.protocol import (
    Cleared, Error, Flushed, Metadata, Unknown, Warning, describe_close, parse_client_text, parse_server_text,
)


def test_client_messages_serialize_exactly_as_the_protocol_says():
    assert json.loads(protocol.Speak("Hi \"you\"\n").to_json()) == {"type": "Speak", "text": "Hi \"you\"\n"}
    assert json.loads(protocol.Flush().to_json()) == {"type": "Flush"}
    assert json.loads(protocol.Clear().to_json()) == {"type": "Clear"}
    assert json.loads(protocol.Close().to_json()) == {"type": "Close"}


def test_metadata_flushed_cleared_are_parsed_into_typed_events():
    meta = parse_server_text(json.dumps({
        "type": "Metadata", "request_id": "r1", "model_name": "aura-2-thalia-en",
        "model_version": "v", "model_uuid": "u", "extra": 1,
    }))
    assert meta == Metadata("r1", "aura-2-thalia-en", "v", "u")
    assert parse_server_text('{"type": "Flushed", "sequence_id": 3}') == Flushed(3)
    assert parse_server_text('{"type": "Cleared", "sequence_id": 0}') == Cleared(0)


def test_warning_in_both_the_documented_and_the_live_shape():
    assert parse_server_text('{"type": "Warning", "description": "d", "code": "C"}') == Warning("d", "C")
    live = parse_server_text(json.dumps({
        "type": "Warning", "warn_code": "EXCESSIVE_FLUSH", "warn_msg": "Rate limit exceeded for flushes.",
    }))
    assert live == Warning("Rate limit exceeded for flushes.", "EXCESSIVE_FLUSH")


def test_unknown_types_are_tolerated_with_their_payload():
    event = parse_server_text('{"type": "SpeechStarted", "t": 1}')
    assert event == Unknown("SpeechStarted", {"type": "SpeechStarted", "t": 1})


def test_malformed_frames_become_error_events():
    assert isinstance(parse_server_text("{not json"), Error)
    assert isinstance(parse_server_text("[1, 2]"), Error)
    assert isinstance(parse_server_text('{"no": "type"}'), Error)
    assert isinstance(parse_server_text('{"type": "Flushed"}'), Error)
    assert isinstance(parse_server_text('{"type": "Flushed", "sequence_id": "3"}'), Error)
    assert isinstance(parse_server_text('{"type": "Flushed", "sequence_id": true}'), Error)
    assert isinstance(parse_server_text('{"type": "Metadata"}'), Error)
    assert isinstance(parse_server_text("[" * 100000), Error)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(st.text())
def test_parsing_any_text_never_raises(raw):
    parse_server_text(raw)


@given(st.sampled_from(["Metadata", "Flushed", "Cleared", "Warning", "X"]),
       st.dictionaries(st.sampled_from(["request_id", "model_name", "sequence_id", "description", "code",
                                        "warn_code", "warn_msg", "model_uuid"]), json_values))
def test_parsing_messages_with_random_fields_never_raises(kind, fields):
    event = parse_server_text(json.dumps({"type": kind, **fields}))
    assert isinstance(event, (Metadata, Flushed, Cleared, Warning, Error, Unknown))


def test_client_parser_rejects_what_the_server_must_refuse():
    assert parse_client_text('{"type": "Speak", "text": "a"}') == protocol.Speak("a")
    for bad in ('{"type": "Reset"}', '{"type": "Speak"}', '{"type": "Speak", "text": 5}', "[]", "nope"):
        try:
            parse_client_text(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")


def test_close_descriptions_name_the_deepgram_code_meaning():
    assert "2400" in describe_close(1008, "DATA-0001")
    assert "2000" in describe_close(1009, "BIG-0001: text too long")
    assert "60-minute" in describe_close(1011, "NET-0003")
    assert "network" in describe_close(None, "")
    assert describe_close(4999, "") == "The server closed the connection."
