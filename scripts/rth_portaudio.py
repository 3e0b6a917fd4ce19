"""PyInstaller runtime hook (aloud.spec): on Linux, let sounddevice find the bundled PortAudio.

sounddevice looks PortAudio up with ctypes.util.find_library, which searches the system, never the bundle.
The system's copy is preferred (it matches the machine's audio stack); without one, the bundled copy serves,
so the sounddevice backend (instant stop) works on a machine with no libportaudio2 installed.
"""

import ctypes.util
import os
import sys

_bundled = os.path.join(getattr(sys, "_MEIPASS", ""), "libportaudio.so.2")

if sys.platform.startswith("linux") and os.path.exists(_bundled):
    _system_find_library = ctypes.util.find_library

    def _find_library(name):
        found = _system_find_library(name)
        return _bundled if found is None and name == "portaudio" else found

    ctypes.util.find_library = _find_library
