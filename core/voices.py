"""The Aura voice catalog (resources/voices.json): model names, languages, gender, descriptions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from core.resources import resource_text


@dataclass(frozen=True)
class Voice:
    model: str
    name: str
    language: str  # ISO 639-1 code, the model name's suffix
    generation: str  # "aura-2" or "aura"
    gender: str = ""
    description: str = ""


@dataclass(frozen=True)
class Catalog:
    voices: tuple[Voice, ...]
    languages: dict[str, str]

    def get(self, model: str) -> Voice | None:
        return next((v for v in self.voices if v.model == model), None)

    def by_language(self) -> dict[str, list[Voice]]:
        groups: dict[str, list[Voice]] = {}
        for voice in self.voices:
            groups.setdefault(voice.language, []).append(voice)
        return groups

    def language_name(self, code: str) -> str:
        return self.languages.get(code, code)


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    data = json.loads(resource_text("voices.json"))
    voices = tuple(
        Voice(
            model=v["model"],
            name=v["name"],
            language=v["language"],
            generation=v["generation"],
            gender=v.get("gender", ""),
            description=v.get("description", ""),
        )
        for v in data["voices"]
    )
    return Catalog(voices, dict(data.get("languages", {})))
