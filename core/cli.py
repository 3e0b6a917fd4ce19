"""The command line: `speak` reads text aloud (or into a WAV file), `serve` runs the offline voice server,
`voices` lists the catalog. The same core the window uses, with a terminal for a face.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from core import protocol
from core.audio import BACKENDS, AudioError, AudioListener, AudioOutput, create_output
from core.audio.output import DEFAULT_LEAD_IN_MS
from core.endpoints import API_KEY_ENV, resolve_endpoint, stop_embedded_server
from core.offline.server import OfflineServer, ServerConfig
from core.options import DEFAULT_MODEL, ENCODINGS, OptionError, SpeakOptions, speak_url
from core.reader import Chunk, Reader, ReaderConfig, ReaderListener, ReadResult
from core.voices import load_catalog
from core.wav import WavWriter

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A problem the user can fix, reported as one line and exit status 2."""


def read_input(text: str | None, file: str | None, stdin: TextIO) -> str:
    if text is not None and file is not None:
        raise CliError("give either TEXT or --file, not both")
    if file == "-" or (file is None and text == "-"):
        return stdin.read()
    if file is not None:
        path = Path(file)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read {file}: {exc.strerror or exc}") from None
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            print(f"Warning: {file} is not valid UTF-8 (byte {exc.start}); unreadable bytes shown as �.",
                  file=sys.stderr)
            return raw.decode("utf-8", "replace")
    if text is None:
        raise CliError("nothing to read: give TEXT, --file PATH, or - for standard input")
    return text


class _Printer(ReaderListener, AudioListener):
    """Prints what a reading does, plays the audio, and writes the WAV file as audio arrives."""

    def __init__(self, options: SpeakOptions, out: WavWriter | None, player: AudioOutput | None,
                 quiet: bool, stream: TextIO) -> None:
        self.options = options
        self.out = out
        self.player = player
        self.quiet = quiet
        self.stream = stream
        self.bytes_per_second = options.rate * options.bytes_per_sample
        self.audio_failed = threading.Event()
        self.drained = threading.Event()
        self._lock = threading.Lock()

    def _say(self, line: str) -> None:
        with self._lock:
            print(line, file=self.stream, flush=True)

    # reader events (session threads)

    def on_metadata(self, metadata: protocol.Metadata) -> None:
        if not self.quiet:
            self._say(f"Metadata: model {metadata.model_name} {metadata.model_version}, request {metadata.request_id}")

    def on_audio(self, chunk: bytes) -> None:
        if self.out is not None:
            self.out.write(chunk)
        if self.player is not None:
            self.player.feed(chunk)

    def on_chunk_done(self, chunk: Chunk) -> None:
        if not self.quiet:
            seconds = (chunk.audio_end - chunk.audio_start) / self.bytes_per_second
            self._say(f"  spoken: characters {chunk.start}-{chunk.end} ({seconds:.1f} s of audio)")

    def on_warning(self, message: str) -> None:
        self._say(f"Warning: {message}")

    # player events (player thread)

    def on_error(self, error: AudioError) -> None:
        hint = "" if self.out is not None else " Use --out FILE.wav to save the audio instead, or --no-play."
        self._say(f"Audio: {error}.{hint}")
        self.audio_failed.set()

    def on_drained(self) -> None:
        self.drained.set()


def _open_player(args: argparse.Namespace, listener: AudioListener) -> AudioOutput | None:
    if args.no_play:
        return None
    try:
        player = create_output(args.backend, listener, lead_in_ms=args.lead_in)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    player.volume = args.volume / 100
    return player


def _speak(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    text = read_input(args.text, args.file, stdin)
    if not text.strip():
        raise CliError("nothing to read: the text is empty")
    if not 0 <= args.volume <= 100:
        raise CliError(f"volume {args.volume:g} is outside 0-100")
    if not 0 <= args.lead_in <= 2000:
        raise CliError(f"lead-in {args.lead_in} ms is outside 0-2000")
    options = SpeakOptions(args.voice, args.encoding, args.sample_rate, args.speed, args.mip_opt_out).validate()
    endpoint = resolve_endpoint(args.url, offline=args.offline)
    url = speak_url(endpoint.base_url, options)
    out = None
    if args.out is not None:
        try:
            out = WavWriter(args.out, options.encoding, options.rate)
        except OSError as exc:
            raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    printer = _Printer(options, out, None, args.quiet, stdout)
    player = _open_player(args, printer)
    printer.player = player
    print(f"Voice: {options.model} via {endpoint.label}", file=stdout, flush=True)
    played_bytes = None
    if player is not None:
        player.begin(options.encoding, options.rate)
        played_bytes = lambda: player.position * options.bytes_per_sample  # noqa: E731
    reader = Reader(
        text,
        ReaderConfig(url, endpoint.api_key, args.allow_insecure_key, endpoint.limits),
        printer,
        played_bytes=played_bytes,
    )
    reader.start()
    result: ReadResult | None = None
    interrupted = False
    try:
        while result is None:
            result = reader.wait(0.2)
            if printer.audio_failed.is_set() and out is None and result is None:
                reader.stop()  # nothing can be heard and nothing is being saved: stop synthesising
        if player is not None and result.ok and result.complete:
            player.end_of_stream()
            while not (printer.drained.is_set() or printer.audio_failed.is_set()):
                printer.drained.wait(0.2)
    except KeyboardInterrupt:
        interrupted = True
        print("Stopping…", file=stdout, flush=True)
        if player is not None:
            player.stop()
        reader.stop()
        result = reader.wait()
    finally:
        if player is not None:
            player.close()
        if out is not None:
            out.close()
    assert result is not None
    if result.first_audio_seconds is not None and not args.quiet:
        print(f"First audio after {result.first_audio_seconds * 1000:.0f} ms", file=stdout)
    print(str(result), file=stdout, flush=True)
    if result.error is not None and result.error.request_id:
        print(f"Request id: {result.error.request_id}", file=stdout)
    if out is not None:
        seconds = out.data_bytes / printer.bytes_per_second
        print(f"Wrote {out.path} ({seconds:.1f} s, {options.encoding} {options.rate} Hz)", file=stdout)
    if interrupted or (result.stopped and not printer.audio_failed.is_set()):
        return EXIT_INTERRUPTED
    if printer.audio_failed.is_set():
        return EXIT_FAILED
    return EXIT_OK if result.ok and result.complete else EXIT_FAILED


def _serve(args: argparse.Namespace, stdout: TextIO) -> int:
    limits = {} if not args.no_limits else {"chars_per_minute": None, "flushes_per_minute": None}
    try:
        server = OfflineServer(ServerConfig(host=args.host, port=args.port, token=args.token, **limits))
        server.start()
    except (ValueError, OSError) as exc:
        raise CliError(f"cannot serve on {args.host}:{args.port}: {exc}") from None
    print(f"Offline voice listening on {server.url}/v1/speak (Ctrl-C stops it)", file=stdout, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK


def _voices(args: argparse.Namespace, stdout: TextIO) -> int:
    catalog = load_catalog()
    for language, voices in catalog.by_language().items():
        if args.language and language != args.language:
            continue
        print(f"{catalog.language_name(language)} ({language}):", file=stdout)
        for voice in voices:
            extra = ", ".join(x for x in (voice.gender, voice.description) if x)
            print(f"  {voice.model}" + (f"  ({extra})" if extra else ""), file=stdout)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aloud", description="Read text aloud with Deepgram's Aura voices.")
    parser.add_argument("--debug", action="store_true", help="log details to standard error")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    speak = commands.add_parser("speak", help="read text aloud", description=(
        f"Read TEXT aloud. Uses Deepgram when {API_KEY_ENV} is set, the server at --url if given, "
        "and otherwise the offline voice."))
    speak.add_argument("text", nargs="?", metavar="TEXT", help="the text, or - for standard input")
    speak.add_argument("--file", "-f", metavar="PATH", help="read the text from a file (- for standard input)")
    speak.add_argument("--voice", "--model", default=DEFAULT_MODEL, metavar="MODEL",
                       help=f"Aura voice model (default {DEFAULT_MODEL}; see the voices command)")
    speak.add_argument("--encoding", choices=ENCODINGS, default="linear16")
    speak.add_argument("--sample-rate", type=int, metavar="N", help="audio sample rate in Hz")
    speak.add_argument("--speed", type=float, default=1.0, help="speaking rate, 0.7-1.5 (Aura-2 voices)")
    speak.add_argument("--mip-opt-out", action="store_true", help="opt out of Deepgram's model improvement program")
    speak.add_argument("--url", metavar="BASE_URL", help="another endpoint, e.g. ws://host:port for self-hosted")
    speak.add_argument("--offline", action="store_true", help="use the offline voice even when a key is set")
    speak.add_argument("--allow-insecure-key", action="store_true",
                       help="send the API key over plain ws:// to a remote host (not recommended)")
    speak.add_argument("--out", "-o", metavar="FILE.wav", help="write the audio received to a WAV file")
    speak.add_argument("--no-play", action="store_true", help="do not play the audio")
    speak.add_argument("--backend", choices=BACKENDS, default="auto",
                       help="audio output (default auto: sounddevice where PortAudio is installed, else simpleaudio)")
    speak.add_argument("--volume", type=float, default=100, help="playback volume, 0-100 (default 100)")
    speak.add_argument("--lead-in", type=int, default=DEFAULT_LEAD_IN_MS, metavar="MS",
                       help=f"silence before the first words, so no output swallows them (default {DEFAULT_LEAD_IN_MS})")
    speak.add_argument("--quiet", "-q", action="store_true", help="print only the result")

    serve_cmd = commands.add_parser("serve", help="run the offline voice as a /v1/speak server")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8765)
    serve_cmd.add_argument("--token", help="require this token (needed on a non-loopback host)")
    serve_cmd.add_argument("--no-limits", action="store_true",
                           help="do not enforce Deepgram's characters-per-minute and flush limits")

    voices = commands.add_parser("voices", help="list the Aura voices")
    voices.add_argument("--language", metavar="CODE", help="only this language, e.g. en, es, de")
    return parser


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "speak":
            return _speak(args, stdin, stdout)
        if args.command == "serve":
            return _serve(args, stdout)
        if args.command == "voices":
            return _voices(args, stdout)
        parser.print_help(stdout)
        return EXIT_USAGE
    except (CliError, OptionError) as exc:
        print(f"aloud: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        stop_embedded_server()
