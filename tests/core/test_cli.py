"""The command line, in-process and as a real process, against the offline voice."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import assert_same_audio
from tests.core.helpers import nothing_listening_url

from core.cli import main
from core.wav import read_wav

ROOT = Path(__file__).resolve().parents[2]


def run(*argv, stdin=""):
    out = io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def no_deepgram_key(monkeypatch):
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)


def test_speak_writes_a_wav_of_real_speech_and_prints_the_closure(tmp_path):
    out = tmp_path / "hello.wav"
    code, text = run("speak", "Hello there. How are you?", "--out", str(out))
    assert code == 0, text
    assert "Closed: 1000 Normal Closure" in text
    assert "Metadata: model aura-2-thalia-en" in text
    assert "offline voice" in text
    tag, rate, bits, data = read_wav(out)
    assert (tag, rate, bits) == (1, 24000, 16)
    seconds = len(data) / 2 / rate
    assert 1.0 < seconds < 3.0
    samples = np.frombuffer(data, "<i2").astype(float)
    assert np.sqrt(np.mean(samples**2)) > 300


def test_mulaw_output_gets_the_mulaw_format_tag(tmp_path):
    out = tmp_path / "m.wav"
    code, _ = run("speak", "Short.", "--encoding", "mulaw", "--out", str(out))
    assert code == 0
    tag, rate, bits, data = read_wav(out)
    assert (tag, rate, bits) == (7, 8000, 8) and len(data) > 2000


def test_text_from_stdin_and_from_a_file(tmp_path):
    code, text = run("speak", "-", "--no-play", stdin="From standard input.")
    assert code == 0 and "Closed: 1000" in text
    path = tmp_path / "doc.txt"
    path.write_bytes("Caf\xe9 in Latin-1. Still read.".encode("latin-1"))
    code, text = run("speak", "--file", str(path), "--no-play")
    assert code == 0


@pytest.mark.parametrize("argv, message", [
    (["speak", "   ", "--no-play"], "the text is empty"),
    (["speak", "Hi", "--voice", "tts-1", "--no-play"], "'tts-1'"),
    (["speak", "Hi", "--sample-rate", "22050", "--no-play"], "22050"),
    (["speak", "Hi", "--speed", "5", "--no-play"], "speed 5 is outside 0.5-4"),
    (["speak", "Hi", "--speed", "0.4", "--no-play"], "speed 0.4 is outside 0.5-4"),
    (["speak", "--file", "/no/such/file", "--no-play"], "cannot read /no/such/file"),
    (["speak", "Hi", "--url", "nohost", "--no-play"], "needs a scheme"),
    (["speak", "Hi", "--voice", "aura-2-nobody-en", "--no-play"], "unknown voice 'aura-2-nobody-en'"),
    (["speak", "--file", "/bin/ls", "--no-play"], "cannot read /bin/ls: it is not a text file: it holds NUL bytes"),
    (["speak", "Hi", "--url", "ws://[::1", "--no-play"], "endpoint 'ws://[::1' is not a valid URL"),
    (["serve", "--port", "99999"], "port 99999 is outside 0-65535"),
    (["serve", "--fault", "explode"], "cannot read --fault 'explode'"),
])
def test_bad_input_gets_a_clear_message_and_status_2(argv, message, capsys):
    code, _ = run(*argv)
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_wrong_key_fails_with_a_message_and_status_1(make_server, monkeypatch):
    server = make_server(token="right")
    monkeypatch.setenv("DEEPGRAM_API_KEY", "wrong-key-value")
    code, text = run("speak", "Hi.", "--url", server.url, "--no-play")
    assert code == 1
    assert "API key was refused (HTTP 401)" in text
    assert "wrong-key-value" not in text


def test_an_error_close_exits_1_with_the_code_and_sentence(make_server):
    server = make_server(chars_per_minute=50, rate_window=60)
    # The reader paces by Deepgram's limits, which this server undercuts: it closes with DATA-0001.
    code, text = run("speak", "This text is longer than fifty characters, so it trips it.", "--url", server.url,
                     "--no-play")
    assert code == 1
    assert "Closed: 1008 DATA-0001" in text


def test_voices_lists_the_catalog():
    code, text = run("voices", "--language", "de")
    assert code == 0 and "aura-2-julius-de" in text and "English" not in text


def test_the_readme_command_works_as_a_process(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "speak", "Hello there. How are you?", "--out", "hello.wav"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if k != "DEEPGRAM_API_KEY"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-2] == "Closed: 1000 Normal Closure"
    assert (tmp_path / "hello.wav").stat().st_size > 48000


def test_ctrl_c_sends_close_and_prints_the_closure(make_server, tmp_path):
    # A server with Deepgram's real limits: a long text is paced over minutes, so it is still reading.
    server = make_server()
    text = "A sentence of some length to keep the reader busy for a while. " * 100
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "speak", text, "--url", server.url, "--out", "x.wav"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if k != "DEEPGRAM_API_KEY"},
    )
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "spoken:" in line:
            break
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "Stopping…" in rest
    assert "Closed: 1000 Normal Closure" in rest


@pytest.mark.parametrize("backend", ["simpleaudio", "sounddevice"])
def test_speak_plays_by_default_exactly_what_it_received(tmp_path, alsa_capture, backend):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "speak", "Hello there. How are you?", "--out", "x.wav",
         "--backend", backend, "--lead-in", "0"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if k != "DEEPGRAM_API_KEY"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_same_audio(alsa_capture(), read_wav(tmp_path / "x.wav")[3])


def test_no_audio_device_gives_a_clear_message_and_the_wav_is_still_written(tmp_path):
    broken = tmp_path / "asound.conf"
    broken.write_text("pcm.!default { type hw card 42 }\n")
    env = {k: v for k, v in os.environ.items() if k != "DEEPGRAM_API_KEY"}
    env["ALSA_CONFIG_PATH"] = str(broken)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "speak", "Hello there.", "--out", "x.wav"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env,
    )
    assert proc.returncode == 1
    assert "Audio: No audio device could be opened for playback" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert "Closed: 1000 Normal Closure" in proc.stdout
    assert len(read_wav(tmp_path / "x.wav")[3]) > 20000


def test_volume_and_lead_in_are_checked(capsys):
    assert run("speak", "Hi", "--volume", "150")[0] == 2
    assert "volume 150" in capsys.readouterr().err


def test_a_voice_the_catalog_does_not_know_goes_out_only_when_insisted_on(capsys):
    code, _ = run("speak", "Hi.", "--voice", "aura-2-nobody-en", "--no-play")
    assert code == 2 and "voices` lists them" in capsys.readouterr().err
    # Insisting sends it: the offline voice refuses an unknown model at the handshake (HTTP 400), a failure.
    code, text = run("speak", "Hi.", "--voice", "aura-2-nobody-en", "--voice-unchecked", "--no-play")
    assert code == 1 and "HTTP 400" in text


def test_random_bytes_are_refused_not_read_aloud(tmp_path, capsys):
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(128, 256)) * 400)  # no NUL byte, none of it UTF-8
    code, text = run("speak", "--file", str(noise), "--no-play")
    assert code == 2 and text == ""
    assert "is not a text file" in capsys.readouterr().err


def test_a_device_an_endless_pipe_and_an_oversized_file_are_refused_at_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DEEPGRAM_API_KEY"}
    main_py = str(ROOT / "main.py")
    zero = subprocess.run([sys.executable, main_py, "speak", "--file", "/dev/zero", "--no-play"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=30, env=env)
    assert zero.returncode == 2 and "cannot read /dev/zero: it is not a text file" in zero.stderr
    yes = subprocess.Popen(["yes", "endless text"], stdout=subprocess.PIPE)
    try:
        pipe = subprocess.run([sys.executable, main_py, "speak", "-", "--no-play", "--max-input-mb", "3"],
                              stdin=yes.stdout, cwd=tmp_path, capture_output=True, text=True, timeout=30, env=env)
    finally:
        yes.kill()
        yes.wait()
    assert pipe.returncode == 2
    assert pipe.stderr.strip() == "aloud: standard input is larger than 3 MB (--max-input-mb raises the limit)"
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as f:
        f.truncate(201_000_000)  # sparse: its size is known without reading it
    big = subprocess.run([sys.executable, main_py, "speak", "--file", str(huge), "--no-play"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=30, env=env)
    assert big.returncode == 2 and "huge.txt: it is larger than 200 MB (--max-input-mb raises" in big.stderr
    assert "Traceback" not in zero.stderr + pipe.stderr + big.stderr


def test_with_a_key_and_no_network_the_offline_voice_reads_instead(monkeypatch, tmp_path):
    # "Deepgram" at a loopback port nothing listens on: the connection is refused, as with no network.
    nowhere = nothing_listening_url()
    monkeypatch.setattr("core.endpoints.DEEPGRAM_BASE_URL", nowhere)
    monkeypatch.setenv("DEEPGRAM_API_KEY", "dg-key-for-no-network")
    out = tmp_path / "fallback.wav"
    code, text = run("speak", "Hello there.", "--out", str(out), "--no-play")
    assert code == 0, text
    assert "Warning: 127.0.0.1 refused the connection: is the server running? Reading with the offline voice " \
           "instead." in text
    assert text.strip().splitlines()[-2] == "Closed: 1000 Normal Closure"
    assert read_wav(out)[3] and "dg-key-for-no-network" not in text


def test_a_url_the_user_gave_does_not_fall_back(monkeypatch):
    nowhere = nothing_listening_url()
    code, text = run("speak", "Hello.", "--url", nowhere, "--no-play")
    assert code == 1 and "refused the connection" in text and "offline voice instead" not in text
