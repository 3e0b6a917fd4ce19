"""How many readers at once the offline server serves well: N clients start reading together; the time each
waits for its first audio, and whether audio keeps ahead of real time.

Run: .venv/bin/python -m bench.server_load [--clients 1,2,5,10,20] [--rest 600] [--json FILE]
The server runs as `main.py serve` in a process of its own, as users run it.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import websocket

from bench.common import book_text, machine_load, report, summary

ROOT = Path(__file__).resolve().parents[1]
BYTES_PER_SECOND = 48000  # linear16 at 24 kHz


def start_server(*extra: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "main.py", "serve", "--port", "0", "--no-limits", *extra], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"(ws://\S+)/v1/speak", line)
    if not match:
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return process, match.group(1)


def one_reader(url: str, first: str, rest: str, start: threading.Event, out: dict) -> None:
    """A reader's opening: the first segment flushed on its own (as core.tracking sends it), then the rest."""
    ws = websocket.WebSocket()
    ws.connect(url + "/v1/speak?encoding=linear16&sample_rate=24000", timeout=600)
    start.wait()
    began = time.perf_counter()
    ws.send(json.dumps({"type": "Speak", "text": first}))
    ws.send('{"type": "Flush"}')
    ws.send(json.dumps({"type": "Speak", "text": rest}))
    ws.send('{"type": "Flush"}')
    audio = flushed = 0
    # Audio ahead of real time: the most the listener would have waited in the middle (an underrun).
    stall = 0.0
    while flushed < 2:
        opcode, data = ws.recv_data()
        now = time.perf_counter() - began
        if opcode == websocket.ABNF.OPCODE_BINARY:
            if audio == 0:
                out["first"] = now
            else:
                heard_by = out["first"] + audio / BYTES_PER_SECOND  # when what came so far would have played
                stall = max(stall, now - heard_by)
            audio += len(data)
        elif b'"Flushed"' in data:
            flushed += 1
    out["stall"] = stall
    out["seconds"] = audio / BYTES_PER_SECOND
    ws.send('{"type": "Close"}')
    ws.close()


def measure(url: str, clients: int, first: str, rest: str) -> dict:
    start = threading.Event()
    results = [dict() for _ in range(clients)]
    threads = [threading.Thread(target=one_reader, args=(url, first, rest, start, r)) for r in results]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # every handshake done
    start.set()
    for thread in threads:
        thread.join(300)
    firsts = [r["first"] * 1000 for r in results if "first" in r]
    stalls = [r["stall"] * 1000 for r in results if "stall" in r]
    return {"first": summary(firsts), "stall": summary(stalls), "served": len(firsts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", default="1,2,5,10,20")
    parser.add_argument("--rest", type=int, default=600, help="characters each reader sends after its first sentence")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    max_clients = max(counts)
    paragraph = book_text(200 + args.rest)
    cut = paragraph.rfind(". ", 0, 200) + 2
    first, rest = paragraph[:cut], paragraph[cut:]
    process, url = start_server("--max-connections", str(max(64, max_clients)))
    load_before = machine_load()
    try:
        rows = []
        for count in counts:
            result = measure(url, count, first, rest)
            rows += [
                (f"{count} readers: served", "count", float(result["served"])),
                (f"{count} readers: first audio", "ms", result["first"]),
                (f"{count} readers: longest wait mid-paragraph", "ms", result["stall"]),
            ]
    finally:
        process.terminate()
        process.wait(10)
    report(f"Offline server, readers starting together ({load_before} before; {machine_load()} after)", rows,
           args.json)

if __name__ == "__main__":
    main()
