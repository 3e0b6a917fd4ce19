"""Audio output: the player interface, its backends, and sinks."""

from __future__ import annotations

from core.audio.output import AudioError, AudioListener, AudioOutput, PlayerState

BACKENDS = ("auto", "simpleaudio", "sounddevice")


def available_backends() -> list[str]:
    from core.audio import sounddevice_output

    names = []
    try:
        import simpleaudio  # noqa: F401

        names.append("simpleaudio")
    except ImportError:
        pass
    if sounddevice_output.available():
        names.append("sounddevice")
    return names


def default_backend() -> str:
    """sounddevice where PortAudio is installed, else simpleaudio.

    Measured on a paced PulseAudio sink (bench/audio.py): both start in ~8 ms, but simpleaudio adds a ~11 ms
    silence at every segment switch and keeps playing ~300 ms after stop() (its thread drains the ALSA
    buffer), while sounddevice's one stream has no added silences and is silent 3-6 ms after stop().
    """
    from core.audio import sounddevice_output

    return "sounddevice" if sounddevice_output.available() else "simpleaudio"


def create_output(backend: str = "auto", listener: AudioListener | None = None, **kwargs) -> AudioOutput:
    """A player for `backend`. Raises ValueError naming the problem when it cannot be had here."""
    if backend == "auto":
        backend = default_backend()
    if backend == "simpleaudio":
        try:
            from core.audio.simpleaudio_output import SimpleaudioOutput
        except ImportError as exc:
            raise ValueError(f"the simpleaudio backend is not installed ({exc})") from None
        return SimpleaudioOutput(listener, **kwargs)
    if backend == "sounddevice":
        from core.audio import sounddevice_output

        if not sounddevice_output.available():
            raise ValueError("the sounddevice backend needs `pip install sounddevice` and the PortAudio library")
        return sounddevice_output.SounddeviceOutput(listener, **kwargs)
    raise ValueError(f"unknown audio backend {backend!r} (choose one of {', '.join(BACKENDS)})")


__all__ = [
    "AudioError", "AudioListener", "AudioOutput", "PlayerState", "available_backends", "create_output",
    "default_backend",
]
