"""The command line: `speak` reads text aloud (or into a WAV file), `serve` runs the offline voice server,
`voices` lists the catalog. The same core the window uses, with a terminal for a face.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from core import protocol
from core import speed as speeds
from core.endpoints import API_KEY_ENV, Preference, choose_endpoint, environment_key, stop_embedded_server
from core.offline.config import ServerConfig
from core.offline.faults import FAULT_HELP, FaultError, parse_faults
from core.options import DEFAULT_MODEL, ENCODINGS, OptionError, SpeakOptions
from core.playback import (
    BACKENDS, DEFAULT_LEAD_IN_MS, AudioError, ConnectionEvent, Playback, PlaybackListener, PlaybackRequest,
    PlaybackResult, PlaybackState, Span, open_output,
)
from core.reader import ReadResult
from core.document_commands import chapter_range, print_contents, print_text
from core.documents import SUFFIXES, Document, DocumentError, NeedsPassword, open_document
from core.textfile import DEFAULT_MAX_INPUT_MB, NotText, TooLarge, decode_text, read_bounded
from core.voices import load_catalog

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A problem the user can fix, reported as one line and exit status 2."""


def read_input(text: str | None, file: str | None, stdin: TextIO, limit_mb: int = DEFAULT_MAX_INPUT_MB) -> Document:
    """What to read: TEXT, standard input, or a document in any format Aloud opens."""
    if text is not None and file is not None:
        raise CliError("give either TEXT or --file, not both")
    from_stdin = file == "-" or (file is None and text == "-")
    try:
        if from_stdin:
            return Document(_read_stdin(stdin, limit_mb), "standard input", "Text", editable=True)
    except NotText as exc:
        raise CliError(f"standard input is not a text file: {exc}") from None
    except TooLarge as exc:
        raise CliError(f"{exc} (--max-input-mb raises the limit)") from None
    if file is not None:
        return load_document(file, limit_mb)
    if text is None:
        raise CliError("nothing to read: give TEXT, --file PATH, or - for standard input")
    return Document(text, "text", "Text", editable=True)


def load_document(file: str, limit_mb: int = DEFAULT_MAX_INPUT_MB) -> Document:
    password = None
    for attempt in range(4):
        try:
            document = open_document(file, max_mb=limit_mb, password=password)
            break
        except NeedsPassword as exc:
            if attempt == 3 or not (sys.stdin and sys.stdin.isatty()):  # asked enough, or no one to ask
                hint = "" if password else " (in a terminal, Aloud asks for it)"
                raise CliError(f"cannot read {file}: {exc}{hint}") from None
            try:
                password = getpass.getpass(f"{'Wrong password. ' if password else ''}Password for {file}: ")
            except EOFError:
                raise CliError(f"cannot read {file}: no password was given") from None
        except IsADirectoryError:
            raise CliError(f"cannot read {file}: it is a folder") from None
        except OSError as exc:
            raise CliError(f"cannot read {file}: {exc.strerror or exc}") from None
        except DocumentError as exc:
            hint = " (--max-input-mb raises the limit)" if "larger than" in str(exc) else ""
            raise CliError(f"cannot read {file}: {exc}{hint}") from None
    for warning in document.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    return document


def _read_stdin(stdin: TextIO, limit_mb: int) -> str:
    binary = getattr(stdin, "buffer", None)
    if binary is not None:
        return decode_text(read_bounded(binary, "standard input", limit_mb)).text
    text = stdin.read(limit_mb * 1_000_000 + 1)  # already text (an embedding caller's stream)
    if len(text) > limit_mb * 1_000_000:
        raise TooLarge("standard input", limit_mb)
    return text


def _program() -> str:
    """How the user started us, for messages that name another command: `aloud` or `main.py`."""
    return Path(sys.argv[0]).name or "aloud"


class _Printer(PlaybackListener):
    """Prints what a reading does, a line at a time, from the playback's threads."""

    def __init__(self, options: SpeakOptions, quiet: bool, saving: bool, stream: TextIO) -> None:
        self.quiet = quiet
        self.saving = saving
        self.stream = stream
        self.bytes_per_second = options.rate * options.bytes_per_sample
        self._lock = threading.Lock()

    def _say(self, line: str) -> None:
        with self._lock:
            print(line, file=self.stream, flush=True)

    def on_metadata(self, metadata: protocol.Metadata) -> None:
        if not self.quiet:
            self._say(f"Metadata: model {metadata.model_name} {metadata.model_version}, request {metadata.request_id}")

    def on_span_received(self, span: Span) -> None:
        if not self.quiet:
            seconds = (span.audio_end - span.audio_start) / self.bytes_per_second
            self._say(f"  spoken: characters {span.start}-{span.end} ({seconds:.1f} s of audio)")

    def on_warning(self, message: str) -> None:
        self._say(f"Warning: {message}")

    def on_connection(self, event: ConnectionEvent) -> None:
        self._say(str(event))

    def on_audio_error(self, error: AudioError) -> None:
        hint = "" if self.saving else " Use --out FILE.wav to save the audio instead, or --no-play."
        self._say(f"Audio: {error}.{hint}")


def _options(args: argparse.Namespace) -> SpeakOptions:
    speeds.check(args.speed)  # reached as core/speed.py decides: the voice's own speed and the rest here
    options = SpeakOptions(args.voice, args.encoding, args.sample_rate, 1.0, args.mip_opt_out).validate()
    if not args.voice_unchecked and load_catalog().get(options.model) is None:
        raise CliError(f"unknown voice {options.model!r}: `{_program()} voices` lists them "
                       "(--voice-unchecked sends it anyway)")
    return options


def _speak(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    if args.max_input_mb < 1:
        raise CliError(f"--max-input-mb {args.max_input_mb} is below 1")
    document = read_input(args.text, args.file, stdin, args.max_input_mb)
    try:
        start, end = chapter_range(document, args.chapter, args.from_chapter)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    text = document.text
    if not text[start:end].strip():
        raise CliError("nothing to read: the text is empty")
    if not 0 <= args.volume <= 100:
        raise CliError(f"volume {args.volume:g} is outside 0-100")
    if not 0 <= args.lead_in <= 2000:
        raise CliError(f"lead-in {args.lead_in} ms is outside 0-2000")
    options = _options(args)
    preference = Preference.OFFLINE if args.offline else Preference.SELF_HOSTED if args.url else Preference.DEEPGRAM
    endpoint = choose_endpoint(preference, url=args.url, api_key=environment_key(),
                               allow_insecure_key=args.allow_insecure_key)
    if args.max_connection_age is not None:
        if args.max_connection_age < 1:
            raise CliError(f"--max-connection-age {args.max_connection_age:g} is below 1 second")
        endpoint = replace(endpoint, limits=replace(endpoint.limits, max_connection_age=args.max_connection_age))
    output = None
    if not args.no_play:
        try:
            output = open_output(args.backend, volume=args.volume / 100, lead_in_ms=args.lead_in)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    printer = _Printer(options, args.quiet, args.out is not None, stdout)
    try:
        playback = Playback(PlaybackRequest(text, options, endpoint, start, end, args.speed, args.smart_speed),
                            printer, output=output, record_to=args.out)
    except OSError as exc:  # the WAV file (an offline voice that cannot start ends the reading, saying so)
        if output is not None:
            output.close()
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    at = f", at {speeds.describe(args.speed)}" if args.speed != 1.0 else ""
    print(f"Voice: {options.model} via {endpoint.label}{at}", file=stdout, flush=True)
    interrupted = False
    try:
        playback.start()
        result = _wait(playback)
    except KeyboardInterrupt:
        interrupted = True
        print("Stopping…", file=stdout, flush=True)
        playback.stop()
        if playback.state is PlaybackState.IDLE:  # interrupted before it started: nothing to wait for
            return EXIT_INTERRUPTED
        result = _wait(playback)
    finally:
        if output is not None:
            output.close()
    _report(result, options, args, stdout)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if result.ok else EXIT_FAILED


def _wait(playback: Playback) -> PlaybackResult:
    # Short waits, so that Ctrl-C is seen at once.
    while (result := playback.wait(0.2)) is None:
        pass
    return result


def _report(result: PlaybackResult, options: SpeakOptions, args: argparse.Namespace, stdout: TextIO) -> None:
    reading: ReadResult = result.reading
    if reading.first_audio_seconds is not None and not args.quiet:
        print(f"First audio after {reading.first_audio_seconds * 1000:.0f} ms", file=stdout)
    print(str(reading), file=stdout, flush=True)
    if reading.error is not None and reading.error.request_id:
        print(f"Request id: {reading.error.request_id}", file=stdout)
    if result.recording_kept:
        seconds = result.recorded_bytes / (options.rate * options.bytes_per_sample)
        print(f"Wrote {args.out} ({seconds:.1f} s, {options.encoding} {options.rate} Hz)", file=stdout)


def _serve(args: argparse.Namespace, stdout: TextIO) -> int:
    if args.for_parent:  # the packaged app's embedded offline voice (core/offline/child.py)
        from core.offline.child import serve_for_parent

        return serve_for_parent()
    from core.offline.server import OfflineServer  # only this command needs the server

    if not 0 <= args.port <= 65535:
        raise CliError(f"port {args.port} is outside 0-65535 (0 picks a free one)")
    if args.max_connections < 1:
        raise CliError(f"--max-connections {args.max_connections} is below 1")
    if args.idle_timeout < 0:
        raise CliError(f"--idle-timeout {args.idle_timeout:g} is below 0")
    try:
        faults = parse_faults(args.fault or ())
    except FaultError as exc:
        raise CliError(str(exc)) from None
    limits = {} if not args.no_limits else {"chars_per_minute": None, "flushes_per_minute": None}
    try:
        server = OfflineServer(ServerConfig(host=args.host, port=args.port, token=args.token,
                                            allowed_origins=tuple(args.allow_origin or ()),
                                            max_connections=args.max_connections,
                                            idle_timeout=args.idle_timeout or None,
                                            faults=faults, **limits))
        server.start()
    except (ValueError, OSError) as exc:
        raise CliError(f"cannot serve on {args.host}:{args.port}: {exc}") from None
    print(f"Offline voice listening on {server.url}/v1/speak (Ctrl-C stops it)", file=stdout, flush=True)
    if faults.any:
        print(f"Making faults on purpose: {', '.join(args.fault)}", file=stdout, flush=True)
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
    chapters = speak.add_mutually_exclusive_group()
    chapters.add_argument("--chapter", type=int, metavar="N", help="read only chapter N (`contents FILE` numbers them)")
    chapters.add_argument("--from-chapter", type=int, metavar="N", help="read from chapter N to the end")
    speak.add_argument("--max-input-mb", type=int, default=DEFAULT_MAX_INPUT_MB, metavar="MB",
                       help=f"refuse input larger than this (default {DEFAULT_MAX_INPUT_MB} MB)")
    speak.add_argument("--voice", "--model", default=DEFAULT_MODEL, metavar="MODEL",
                       help=f"Aura voice model (default {DEFAULT_MODEL}; see the voices command)")
    speak.add_argument("--voice-unchecked", action="store_true",
                       help="send a voice the catalog does not know (e.g. a new one, or a custom server's)")
    speak.add_argument("--encoding", choices=ENCODINGS, default="linear16")
    speak.add_argument("--sample-rate", type=int, metavar="N", help="audio sample rate in Hz")
    speak.add_argument("--speed", type=float, default=1.0,
                       help="listening speed, 0.5-4 (the pitch is kept), in the audio saved too")
    speak.add_argument("--smart-speed", action=argparse.BooleanOptionalAction, default=True,
                       help="above 1.5x, shorten pauses more than speech (default: on)")
    speak.add_argument("--mip-opt-out", action="store_true", help="opt out of Deepgram's model improvement program")
    speak.add_argument("--url", metavar="BASE_URL", help="another endpoint, e.g. ws://host:port for self-hosted")
    speak.add_argument("--offline", action="store_true", help="use the offline voice even when a key is set")
    speak.add_argument("--max-connection-age", type=float, metavar="SECONDS",
                       help="the server's connection age limit, to move to a fresh connection before it "
                            "(Deepgram's 3600 is known; for a server started with --fault max-age)")
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

    serve_cmd = commands.add_parser("serve", help="run the offline voice as a /v1/speak server",
                                    formatter_class=argparse.RawDescriptionHelpFormatter,
                                    epilog=f"faults (--fault, repeatable; none by default):\n{FAULT_HELP}")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8765)
    serve_cmd.add_argument("--token", help="require this token (needed on a non-loopback host)")
    serve_cmd.add_argument("--allow-origin", action="append", metavar="ORIGIN",
                           help="let web pages from ORIGIN (e.g. https://app.example) use the server; by default "
                                "a browser's handshake is refused")
    serve_cmd.add_argument("--max-connections", type=int, default=ServerConfig.max_connections, metavar="N",
                           help="connections at once, handshakes included; beyond, HTTP 503 "
                                f"(default {ServerConfig.max_connections})")
    serve_cmd.add_argument("--idle-timeout", type=float, default=ServerConfig.idle_timeout, metavar="SECONDS",
                           help="close a connection that sent nothing for this long, with 1011 NET-0001 "
                                f"(default {ServerConfig.idle_timeout:g}; 0: never)")
    serve_cmd.add_argument("--fault", action="append", metavar="FAULT",
                           help="make a fault on purpose, to try how clients survive it (listed below)")
    serve_cmd.add_argument("--for-parent", action="store_true", help=argparse.SUPPRESS)
    serve_cmd.add_argument("--no-limits", action="store_true",
                           help="do not enforce Deepgram's characters-per-minute and flush limits")

    for name, help_text in (("contents", "print a document's table of contents, numbered"),
                            ("text", "print the text Aloud reads in a document")):
        command = commands.add_parser(name, help=help_text, description=help_text.capitalize() + ". Formats: "
                                      + ", ".join(sorted(SUFFIXES)) + ".")
        command.add_argument("file", metavar="FILE")
        command.add_argument("--max-input-mb", type=int, default=DEFAULT_MAX_INPUT_MB, metavar="MB",
                             help=f"refuse files larger than this (default {DEFAULT_MAX_INPUT_MB} MB)")

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
        if args.command in ("contents", "text"):
            document = load_document(args.file, args.max_input_mb)
            (print_contents if args.command == "contents" else print_text)(document, stdout)
            stdout.flush()  # here, where a reader that has gone is caught, not at exit
            return EXIT_OK
        parser.print_help(stdout)
        return EXIT_USAGE
    except (CliError, OptionError) as exc:
        print(f"aloud: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # what read the output (`| head`) has gone: nothing more to say to it
        if stdout is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    finally:
        stop_embedded_server()
