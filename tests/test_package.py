"""The package: a wheel built from the checkout installs (not editable) and runs from outside the checkout."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from core.wav import read_wav

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_installs_and_speaks_from_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(dist), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob("aloud-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, timeout=300)
    # The dependencies come from the test environment's site-packages, added after the new venv's own (a path
    # in a .pth file: the editable install's hooks there are not run, so the checkout stays out of reach).
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "aloud-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DEEPGRAM_API_KEY", "PYTHONPATH")}

    def aloud(*args):
        return subprocess.run([str(venv / "bin" / "aloud"), *args], cwd=outside, capture_output=True, text=True,
                              timeout=120, env=env)

    version = aloud("--version")
    assert version.returncode == 0 and version.stdout.startswith("Aloud "), version.stderr
    where = subprocess.run([str(python), "-c", "import core, gui, resources; print(core.__file__, resources.__file__)"],
                           cwd=outside, capture_output=True, text=True, env=env)
    assert str(ROOT) not in where.stdout and str(venv) in where.stdout, where.stdout + where.stderr
    spoken = aloud("speak", "Installed from a wheel.", "--no-play", "--out", "wheel.wav")
    assert spoken.returncode == 0, spoken.stdout + spoken.stderr
    assert "Closed: 1000 Normal Closure" in spoken.stdout
    assert len(read_wav(outside / "wheel.wav")[3]) > 24000
    voices = aloud("voices", "--language", "de")  # the catalog is a resource of the installed package
    assert voices.returncode == 0 and "aura-2-julius-de" in voices.stdout
