"""The offline voice server, driven over a real socket with a plain websocket-client, as any client would."""

import json
import threading
import time

import numpy as np
import pytest
import websocket

from core.options import SpeakOptions, speak_url
from tests.core.helpers import raw_connect, read_until_close, read_until_flushed


def url(server, **options):
    return speak_url(server.url, SpeakOptions(**options))


def speak_and_close(ws, *texts, flush=True):
    for text in texts:
        ws.send(json.dumps({"type": "Speak", "text": text}))
    if flush:
        ws.send('{"type": "Flush"}')


def test_metadata_audio_flushed_and_normal_close(offline_server):
    ws = raw_connect(url(offline_server))
    speak_and_close(ws, "Hello there. ", "How are you?")
    speak_and_close(ws, "Second flush.")
    messages, audio = read_until_flushed(ws, 2)
    ws.send('{"type": "Close"}')
    rest, _, code, reason = read_until_close(ws)
    assert messages[0]["type"] == "Metadata"
    assert messages[0]["model_name"] == "aura-2-thalia-en"
    assert set(messages[0]) == {"type", "request_id", "model_name", "model_version", "model_uuid"}
    assert [m["sequence_id"] for m in messages if m["type"] == "Flushed"] == [0, 1]
    assert (code, reason) == (1000, "Normal Closure")
    seconds = len(audio) / 2 / 24000
    assert 1.5 < seconds < 6
    samples = np.frombuffer(bytes(audio), "<i2")
    assert np.sqrt(np.mean(samples.astype(float) ** 2)) > 300, "speech, not silence"


def test_audio_follows_the_requested_encoding_and_rate(offline_server):
    durations = {}
    for encoding, rate, width in [("linear16", 48000, 2), ("linear16", 8000, 2), ("mulaw", 8000, 1),
                                  ("alaw", 16000, 1), ("linear16", 44100, 2)]:
        ws = raw_connect(url(offline_server, encoding=encoding, sample_rate=rate))
        speak_and_close(ws, "The same sentence every time.")
        _, audio = read_until_flushed(ws)
        ws.send('{"type": "Close"}')
        assert read_until_close(ws)[2] == 1000
        durations[(encoding, rate)] = len(audio) / width / rate
    values = list(durations.values())
    assert max(values) - min(values) < 0.25, durations


def test_close_right_after_flush_ends_promptly_with_1000(offline_server):
    ws = raw_connect(url(offline_server))
    speak_and_close(ws, "A long sentence that takes a while to say, and then some more words after it. " * 5)
    ws.send('{"type": "Close"}')
    started = time.monotonic()
    _, _, code, _ = read_until_close(ws)
    assert code == 1000
    assert time.monotonic() - started < 1.0


def test_clear_drops_unflushed_text_and_answers_cleared(offline_server):
    ws = raw_connect(url(offline_server))
    speak_and_close(ws, "This is never spoken.", flush=False)
    ws.send('{"type": "Clear"}')
    speak_and_close(ws, "Only this.")
    messages, audio = read_until_flushed(ws)
    ws.send('{"type": "Close"}')
    assert read_until_close(ws)[2] == 1000
    assert [m["type"] for m in messages] == ["Metadata", "Cleared", "Flushed"]
    only_this = len(audio)
    ws = raw_connect(url(offline_server))
    speak_and_close(ws, "This is never spoken.Only this.")
    _, both = read_until_flushed(ws)
    ws.send('{"type": "Close"}')
    read_until_close(ws)
    assert only_this < 0.6 * len(both)


def test_clear_after_flush_stops_audio_not_yet_sent(make_server):
    server = make_server(frame_bytes=64)  # many small frames, so Clear lands mid-stream
    ws = raw_connect(url(server))
    speak_and_close(ws, "Words and more words to fill a long stretch of audio. " * 20)
    ws.recv()  # Metadata
    ws.recv()  # the first audio frame: synthesis is under way
    ws.send('{"type": "Clear"}')
    audio_after_cleared = 0
    seen_cleared = False
    flushed = False
    ws.settimeout(5)
    while True:
        opcode, frame = ws.recv_data_frame(True)
        if opcode == websocket.ABNF.OPCODE_TEXT:
            message = json.loads(frame.data)
            seen_cleared |= message["type"] == "Cleared"
            flushed |= message["type"] == "Flushed"
            if seen_cleared:
                break
        elif seen_cleared:
            audio_after_cleared += len(frame.data)
    ws.send('{"type": "Close"}')
    rest, audio, code, _ = read_until_close(ws)
    assert not flushed and not any(m["type"] == "Flushed" for m in rest)
    assert audio == b"" and code == 1000


@pytest.mark.parametrize("send, code, dg_code", [
    (lambda ws: ws.send("{not json"), 1008, "DATA-0000"),
    (lambda ws: ws.send('{"type": "Reset"}'), 1008, "DATA-0000"),
    (lambda ws: ws.send('{"type": "Speak"}'), 1008, "DATA-0000"),
    (lambda ws: ws.send_binary(b"\x00\x01"), 1003, "MESSAGE-0000"),
    (lambda ws: ws.send(json.dumps({"type": "Speak", "text": "a" * 2001})), 1009, "BIG-0001"),
    (lambda ws: ws.send(json.dumps({"type": "Speak", "text": "a" * 70000})), 1009, "BIG-0000"),
])
def test_bad_messages_get_the_documented_error_close(offline_server, send, code, dg_code):
    ws = raw_connect(url(offline_server))
    send(ws)
    messages, _, got_code, reason = read_until_close(ws)
    assert got_code == code
    assert reason.startswith(dg_code)


def test_more_than_the_character_limit_per_window_closes_with_data_0001(make_server):
    server = make_server(chars_per_minute=100, rate_window=60)
    ws = raw_connect(url(server))
    speak_and_close(ws, "a" * 60, flush=False)
    speak_and_close(ws, "b" * 50, flush=False)
    _, _, code, reason = read_until_close(ws)
    assert (code, reason[:9]) == (1008, "DATA-0001")


def test_too_many_flushes_get_the_live_warning_and_are_ignored(make_server):
    server = make_server(flushes_per_minute=2)
    ws = raw_connect(url(server))
    for word in ("One.", "Two.", "Three."):
        speak_and_close(ws, word)
    messages, _ = read_until_flushed(ws, 3)
    ws.send('{"type": "Close"}')
    read_until_close(ws)
    warnings = [m for m in messages if m["type"] == "Warning"]
    assert warnings == [{"type": "Warning", "warn_code": "EXCESSIVE_FLUSH",
                         "warn_msg": "Rate limit exceeded for flushes. Please try again later."}]
    assert [m["sequence_id"] for m in messages if m["type"] == "Flushed"] == [0, 1]


def test_idle_connection_is_closed_with_net_0001(make_server):
    server = make_server(idle_timeout=0.3)
    ws = raw_connect(url(server))
    _, _, code, reason = read_until_close(ws)
    assert (code, reason[:8]) == (1011, "NET-0001")


def handshake_status(target, **kwargs):
    with pytest.raises(websocket.WebSocketBadStatusException) as info:
        raw_connect(target, **kwargs)
    exc = info.value
    headers = {k.lower(): v for k, v in exc.resp_headers.items()}
    return exc.status_code, json.loads(exc.resp_body), headers


def test_unknown_model_and_bad_parameters_are_refused_with_400(offline_server):
    status, body, headers = handshake_status(offline_server.url + "/v1/speak?model=aura-2-nobody-en")
    assert status == 400 and "aura-2-nobody-en" in body["err_msg"]
    assert headers["dg-error"] == body["err_msg"] and headers["dg-request-id"] == body["request_id"]
    status, body, _ = handshake_status(offline_server.url + "/v1/speak?encoding=mp3")
    assert status == 400 and "mp3" in body["err_msg"]
    status, _, _ = handshake_status(offline_server.url + "/v1/speak?sample_rate=22050")
    assert status == 400
    status, _, _ = handshake_status(offline_server.url + "/v2/other")
    assert status == 404


def test_a_required_token_is_checked(make_server):
    server = make_server(token="s3cret")
    status, body, _ = handshake_status(url(server))
    assert status == 401
    status, _, _ = handshake_status(url(server), header=["Authorization: Token wrong"])
    assert status == 401
    ws = raw_connect(url(server), header=["Authorization: Token s3cret"])
    ws.send('{"type": "Close"}')
    assert read_until_close(ws)[2] == 1000


def test_loopback_server_without_token_accepts_any_key(offline_server):
    ws = raw_connect(url(offline_server), header=["Authorization: Token anything"])
    ws.send('{"type": "Close"}')
    assert read_until_close(ws)[2] == 1000


def test_a_server_on_a_public_address_needs_a_token():
    from core.offline.server import OfflineServer, ServerConfig

    with pytest.raises(ValueError, match="token"):
        OfflineServer(ServerConfig(host="0.0.0.0"))


def test_other_languages_speak(offline_server):
    ws = raw_connect(url(offline_server, model="aura-2-celeste-es"))
    speak_and_close(ws, "Hola, ¿cómo estás? Muy bien, gracias.")
    _, audio = read_until_flushed(ws)
    ws.send('{"type": "Close"}')
    read_until_close(ws)
    assert len(audio) / 48000 > 1.0


def test_several_connections_at_once(offline_server):
    results = {}

    def client(index):
        ws = raw_connect(url(offline_server))
        speak_and_close(ws, f"Client number {index} is speaking now. And it says a second sentence.")
        _, audio = read_until_flushed(ws)
        ws.send('{"type": "Close"}')
        results[index] = (len(audio), read_until_close(ws)[2])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 6
    assert all(code == 1000 and size > 48000 for size, code in results.values())


def test_speed_parameter_changes_the_speaking_rate(offline_server):
    durations = {}
    for speed in (0.7, 1.5):
        ws = raw_connect(url(offline_server, speed=speed))
        speak_and_close(ws, "The same sentence at two different speeds.")
        _, audio = read_until_flushed(ws)
        ws.send('{"type": "Close"}')
        read_until_close(ws)
        durations[speed] = len(audio)
    assert durations[1.5] < 0.7 * durations[0.7]


def _refused(url: str, **kwargs) -> int | None:
    """The HTTP status a handshake gets refused with, or None when it is accepted."""
    try:
        raw_connect(url, **kwargs).close()
    except websocket.WebSocketBadStatusException as exc:
        return exc.status_code
    return None


def test_a_web_page_cannot_drive_the_server(make_server):
    """Cross-site WebSocket hijacking: any page in the user's browser could otherwise read aloud through it."""
    server = make_server()
    url = f"{server.url}/v1/speak"
    assert _refused(url, origin="https://evil.example") == 403
    assert _refused(url, origin="http://127.0.0.1:1") == 403  # another local web server's page
    assert _refused(url, origin="null") == 403  # a sandboxed page or a file
    assert _refused(url) is None  # websocket-client sends the server's own address as Origin
    assert _refused(url, suppress_origin=True) is None  # a client without one


def test_a_page_whose_name_points_here_is_refused(make_server):
    """DNS rebinding: a page at http://attacker.example:PORT, its name pointed at 127.0.0.1, is same-origin
    by the headers; its Host names another machine."""
    server = make_server()
    port = server.url.rsplit(":", 1)[1]
    assert _refused(f"{server.url}/v1/speak", host=f"attacker.example:{port}",
                    origin=f"http://attacker.example:{port}") == 403
    assert _refused(f"ws://localhost:{port}/v1/speak") is None


def test_an_allowed_origin_may_use_the_server(make_server):
    server = make_server(allowed_origins=("https://app.example",))
    assert _refused(f"{server.url}/v1/speak", origin="https://app.example") is None
    assert _refused(f"{server.url}/v1/speak", origin="https://other.example") == 403
