"""Team-name normalisation: transliteration, case, punctuation, club affixes, squad markers.

Bookmakers and scrapers spell the same club differently ("Манчестер Юн", "Manchester
United FC", "Man United"). Normalising to a comparable key lets the exact layer place
most names without a curated alias; markers of reserve, youth and women's sides are
detected separately, because those sides must never be linked to a first team.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

# English-friendly transliteration ("х" -> "h", "й" -> "y"), so that the result is close
# to the Latin spelling the other source uses. Ukrainian letters included.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}  # fmt: skip

# Words that only say "this is a club" in some language; dropping them lets
# "AFC Bournemouth" and "Bournemouth" meet. Transliterated Russian forms included.
CLUB_AFFIXES = frozenset(
    {
        "fc", "afc", "afk", "cf", "sc", "ac", "as", "ssc", "us", "cd", "ud", "sd", "rcd", "rc", "ca",
        "sv", "vfb", "vfl", "tsg", "fsv", "bv", "bsc", "ogc", "losc", "sco", "aj", "fk", "sk",
        "club", "calcio", "football", "futbol", "stade", "stad",
        "1", "1846", "1848", "1860", "1899", "1900", "1901", "1904", "1907", "1909", "1910", "1913",
    }
)  # fmt: skip

# Abbreviations used by football-data.co.uk and by the bookmaker, expanded to full words.
ABBREVIATIONS = {
    "man": "manchester",
    "utd": "united",
    "yun": "united",  # Fonbet: "Манчестер Юн" = Manchester United
    "nottm": "nottingham",
    "st": "saint",
    "sg": "saint germain",
    "weds": "wednesday",
    "ein": "eintracht",
}


class Squad(StrEnum):
    """Which side of a club a name denotes; only first teams play in the covered leagues."""

    FIRST = "first"
    RESERVE = "reserve"
    YOUTH = "youth"
    WOMEN = "women"


_SQUAD_PATTERNS: tuple[tuple[Squad, re.Pattern[str]], ...] = (
    (Squad.WOMEN, re.compile(r"\((ж|w|f)\)|\bwomen\b|\bladies\b|\bfemenino\b|\bfeminines?\b|\bжен\b")),
    (
        Squad.YOUTH,
        re.compile(
            r"\bu-?(1[5-9]|2[0-3])\b|\(мол\)|\bмолод|\bдо \d\d\b|\byouth\b|\bjuniors?\b|\bprimavera\b"
        ),
    ),
    (
        Squad.RESERVE,
        re.compile(r"\((р|рез|res|r)\)|\breserves?\b|\bрезервн|\bдубль\b|-[2-4]\b|\sb$|\bjong\b|\bйонг\b"),
    ),
)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOTTED_INITIALS = re.compile(r"^(?:\w\.){2,}\w?\.?$")


def transliterate(text: str) -> str:
    """Cyrillic letters to Latin, everything else unchanged (case is folded)."""
    return "".join(_CYRILLIC.get(ch, ch) for ch in text.casefold())


def fold_ascii(text: str) -> str:
    """Lower-case ASCII: transliterated, accents stripped ("Nürnberg" -> "nurnberg")."""
    decomposed = unicodedata.normalize("NFKD", transliterate(text))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def squad_of(name: str) -> Squad:
    """The squad a name denotes: ``"Гент (р)"`` is a reserve side, ``"Челси U23"`` youth."""
    text = " ".join(name.casefold().split())
    for squad, pattern in _SQUAD_PATTERNS:
        if pattern.search(text):
            return squad
    return Squad.FIRST


def name_tokens(name: str) -> list[str]:
    """Normalised words of a team name, affixes dropped and abbreviations expanded."""
    # "А.Ф.К." -> "АФК": initials written with dots are one word (often a club affix)
    joined = " ".join(w.replace(".", "") if _DOTTED_INITIALS.match(w) else w for w in name.split())
    text = fold_ascii(joined).replace("&", " and ").replace("'", "").replace("\u2019", "")
    words: list[str] = []
    for word in _NON_ALNUM.sub(" ", text).split():
        expanded = ABBREVIATIONS.get(word, word)
        words.extend(w for w in expanded.split() if w not in CLUB_AFFIXES)
    return words


def normalize_name(name: str) -> str:
    """The comparison key of a team name; ``""`` if nothing but affixes remains."""
    return " ".join(name_tokens(name))


def normalize_competition(name: str) -> str:
    """Comparison key of a competition title: case and spacing folded, punctuation kept."""
    return " ".join(name.casefold().replace("ё", "е").split())
