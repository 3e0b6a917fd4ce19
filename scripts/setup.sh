#!/usr/bin/env bash
# One-step set-up on Debian/Ubuntu: the system packages Aloud needs, then a virtual environment in .venv.
# `--tests` adds what the test suite needs. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# libasound2-dev and gcc build simpleaudio (it has no Linux wheel); libportaudio2 is what sounddevice plays
# through (the app falls back to simpleaudio without it).
APT_PACKAGES=(gcc libasound2-dev libportaudio2)
# What Qt's xcb platform plugin loads that a minimal Debian/Ubuntu may lack (measured under Xvfb: it fails
# to start without libxcb-icccm4 and libxcb-keysyms1).
APT_PACKAGES+=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3)
# On Wayland only the app with the keyboard may read the selection: `aloud read-selection` reads it with
# wl-paste (core/wayland_clipboard.py).
APT_PACKAGES+=(wl-clipboard)
if [ "${1:-}" = "--tests" ]; then
    # A private PulseAudio server with a null sink is the tests' paced sound device. A desktop that runs
    # PipeWire's pulse server keeps it: installing pulseaudio there would replace it, so those tests skip.
    APT_PACKAGES+=(pulseaudio-utils libasound2-plugins)
    # The packaged app's build trims Qt's ICU data with ICU's icupkg and binutils' objcopy (aloud.spec).
    APT_PACKAGES+=(icu-devtools binutils)
    # The accessibility test runs the window on a virtual X server with a private D-Bus session and the
    # AT-SPI bus, and reads it as a screen reader does with Debian's pyatspi (tests/gui/test_atspi.py).
    APT_PACKAGES+=(xvfb xdotool dbus-daemon at-spi2-core python3-pyatspi gir1.2-atspi-2.0)
    # The PDF tests draw their pages with Qt's PDF writer (tests/pdf_maker.py), in DejaVu Serif.
    APT_PACKAGES+=(fonts-dejavu-core)
    # The selection and clipboard tests copy "in another app" with xclip on a virtual X display.
    APT_PACKAGES+=(xclip)
    # The Wayland tests run a headless compositor (sway) with another app holding the keyboard.
    APT_PACKAGES+=(sway)
    if ! dpkg-query -W -f='${Status}' pipewire-pulse 2>/dev/null | grep -q "install ok installed"; then
        APT_PACKAGES+=(pulseaudio)
    fi
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    missing+=(python3-venv)
fi
if ((${#missing[@]})); then
    echo "Installing system packages: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# The app alone, or with --tests also pytest and PyInstaller. Reinstall only when pyproject.toml (or that
# choice) changed since the last successful install.
target="."
[ "${1:-}" = "--tests" ] && target=".[test,build]"
stamp=.venv/.aloud-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $target"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e "$target"
    echo "$want" > "$stamp"
fi
