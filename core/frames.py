"""A server's WebSocket messages, read with every size bounded: a hostile server cannot make the client hold a
huge frame, an endless fragmented message, or keep it waiting with pings.
"""

from __future__ import annotations

import time
from typing import Callable

import websocket
from websocket._abnf import ABNF, frame_buffer

# Deepgram streams audio in slices of a few kilobytes; a second of the richest format it sends (linear16 at
# 48 kHz) is 96 KB. Nothing real comes near this, and it keeps a hostile server from costing more than it.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
# RFC 6455 allows 125 bytes in a control frame. A longer close frame is a broken server, but what it says is
# still worth showing; anything beyond this is not read at all.
MAX_CONTROL_BYTES = 4096

TEXT, BINARY, CLOSE = ABNF.OPCODE_TEXT, ABNF.OPCODE_BINARY, ABNF.OPCODE_CLOSE


class MessageTooLarge(websocket.WebSocketException):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the server sent a message of {size:,} bytes (the limit is {limit:,})")
        self.size, self.limit = size, limit


class _BoundedFrames(frame_buffer):
    """websocket-client's frame reader, refusing a frame by its length before reading it. A frame cut short by
    the socket timeout is kept and resumed on the next call, as in the original."""

    def __init__(self, recv: Callable[[int], bytes], limit: int, slice_seconds: float) -> None:
        super().__init__(self._recv_in_slice, skip_utf8_validation=True)
        self._recv_raw = recv
        self.limit = limit
        self.slice_seconds = slice_seconds
        self._slice_ends = 0.0

    def _recv_in_slice(self, size: int) -> bytes:
        # A frame trickling in a byte at a time would keep a read going for as long as the server likes: the
        # reader looks up after a slice of time (what was read so far is kept), like after a socket timeout.
        if time.monotonic() > self._slice_ends:
            raise websocket.WebSocketTimeoutException("the frame is still arriving")
        return self._recv_raw(size)

    def recv_length(self) -> None:
        super().recv_length()
        assert self.header is not None and self.length is not None
        opcode = self.header[4]
        limit = MAX_CONTROL_BYTES if opcode & 0x8 else self.limit
        if self.length > limit:
            raise MessageTooLarge(self.length, limit)

    def recv_frame(self) -> ABNF:
        self._slice_ends = time.monotonic() + self.slice_seconds
        with self.lock:
            if self.needs_header():
                self.recv_header()
            if self.needs_length():
                self.recv_length()
            if self.needs_mask():
                self.recv_mask()
            assert self.header is not None and self.length is not None
            fin, rsv1, rsv2, rsv3, opcode, has_mask, _ = self.header
            payload = self.recv_strict(self.length)
            if has_mask:
                payload = ABNF.mask(self.mask_value, payload)
            self.clear()
        frame = ABNF(fin, rsv1, rsv2, rsv3, opcode, has_mask, payload)
        if opcode != CLOSE:  # a close frame is read leniently by whoever shows it (see the module's docstring)
            frame.validate(skip_utf8_validation=True)
        return frame


class BoundedWebSocket(websocket.WebSocket):
    """A client WebSocket whose `next_message()` gives whole messages, each at most `max_message` bytes,
    fragments included. UTF-8 is left to the caller, which decides what a bad text frame means."""

    def __init__(self, max_message: int = MAX_MESSAGE_BYTES, slice_seconds: float = 0.1) -> None:
        super().__init__(enable_multithread=True, skip_utf8_validation=True)
        self.max_message = max_message
        self.frame_buffer = _BoundedFrames(self._recv, max_message, slice_seconds)
        self._opcode = 0  # of a fragmented message in progress
        self._parts: list[bytes] = []
        self._size = 0

    def next_message(self) -> tuple[int, bytes] | None:
        """Read one frame: (TEXT or BINARY, data) when it completes a message, (CLOSE, payload) for a close
        frame, and None for anything else (a ping, answered here; a pong; part of a fragmented message).
        Raises WebSocketTimeoutException when no whole frame arrived within the socket's timeout or the time
        slice (a part-read frame is kept for the next call), MessageTooLarge, WebSocketProtocolException, or OSError."""
        frame = self.recv_frame()
        opcode, data = frame.opcode, frame.data
        if opcode in (TEXT, BINARY):
            if self._opcode:
                raise websocket.WebSocketProtocolException("a new message began inside a fragmented one")
            if frame.fin:
                return opcode, data
            self._opcode, self._parts, self._size = opcode, [data], len(data)
            return None
        if opcode == ABNF.OPCODE_CONT:
            if not self._opcode:
                raise websocket.WebSocketProtocolException("a continuation frame with no message to continue")
            self._size += len(data)
            if self._size > self.max_message:
                raise MessageTooLarge(self._size, self.max_message)
            self._parts.append(data)
            if not frame.fin:
                return None
            message = (self._opcode, b"".join(self._parts))
            self._opcode, self._parts, self._size = 0, [], 0
            return message
        if opcode == CLOSE:
            return CLOSE, data
        if opcode == ABNF.OPCODE_PING and len(data) <= 125:  # a longer ping breaks the RFC: not echoed
            self.pong(data)
        return None
