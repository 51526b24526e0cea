"""Generate the counter app's sounds (16-bit mono WAV, 22 050 Hz) with the standard library only.

    python resources/sounds/generate.py        # rewrites the .wav files next to this script

- ``new_order.wav``: a calm two-note chime (E5, A5) with soft decay, about 0.9 s;
- ``new_order_loud.wav``: the same chime an octave up, three times, near full scale, about 2 s
  (nobody acknowledged the new order for a few minutes);
- ``courier.wav``: a descending three-note call (A5, F#5, D5): the courier is at the counter;
- ``error.wav``: a harsh stuttering buzz (a square wave at 140 Hz), 0.5 s, for refused scans;
- ``ok.wav``: a short soft tick (1.6 kHz, 40 ms) for an accepted scan.

The output is deterministic (no randomness): regenerating gives byte-identical files.
"""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Sequence
from pathlib import Path

RATE = 22_050
HERE = Path(__file__).resolve().parent


def _envelope(t: float, length: float, decay: float, attack: float = 0.01) -> float:
    if t < attack:
        return t / attack
    return math.exp(-decay * (t - attack) / max(length, 1e-6))


def tone(
    freq: float, length: float, *, volume: float, decay: float = 4.0, harmonics: Sequence[float] = (1.0,)
) -> list[float]:
    norm = sum(harmonics)
    samples = []
    for i in range(int(RATE * length)):
        t = i / RATE
        value = sum(w * math.sin(2 * math.pi * freq * (k + 1) * t) for k, w in enumerate(harmonics)) / norm
        samples.append(volume * _envelope(t, length, decay) * value)
    return samples


def buzz(freq: float, length: float, *, volume: float) -> list[float]:
    samples = []
    for i in range(int(RATE * length)):
        t = i / RATE
        phase = (freq * t) % 1.0
        pulse = 1.0 if (t * 8) % 1.0 < 0.75 else 0.35  # a stutter: harder to ignore
        fade = min(1.0, t / 0.005, (length - t) / 0.02)
        samples.append(volume * pulse * fade * (1.0 if phase < 0.5 else -1.0))
    return samples


def silence(length: float) -> list[float]:
    return [0.0] * int(RATE * length)


def sequence(*parts: list[float]) -> list[float]:
    return [sample for part in parts for sample in part]


def bell(freq: float, length: float, volume: float) -> list[float]:
    return tone(freq, length, volume=volume, decay=3.5, harmonics=(1.0, 0.35, 0.12))


def chime(base: float, volume: float) -> list[float]:
    return sequence(bell(base, 0.35, volume), bell(base * 4 / 3, 0.55, volume))


def call(freq: float) -> list[float]:
    return tone(freq, 0.22, volume=0.7, decay=2.5, harmonics=(1.0, 0.5, 0.25))


def write(name: str, samples: list[float]) -> Path:
    path = HERE / name
    frames = b"".join(struct.pack("<h", max(-32767, min(32767, round(s * 32767)))) for s in samples)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)
    return path


def main() -> None:
    write("new_order.wav", chime(659.25, 0.45))
    loud = chime(1318.5, 0.95)
    write("new_order_loud.wav", sequence(loud, silence(0.08), loud, silence(0.08), loud))
    write("courier.wav", sequence(call(880.0), call(739.99), call(587.33)))
    write("error.wav", buzz(140.0, 0.5, volume=0.8))
    write("ok.wav", tone(1600.0, 0.04, volume=0.3, decay=6.0))


if __name__ == "__main__":
    main()
