"""Names the settings validate against, without importing any model library."""

from __future__ import annotations

from dataclasses import dataclass

FAMILIES: tuple[str, ...] = ("xgboost", "lightgbm", "hgb", "logreg")


@dataclass(frozen=True)
class Preset:
    name: str
    trials: int
    max_estimators: int
    cv_folds: int

    @classmethod
    def named(cls, name: str) -> Preset:
        try:
            return PRESETS[name]
        except KeyError:
            raise ValueError(f"unknown training preset {name!r}; choose from {sorted(PRESETS)}") from None


PRESETS: dict[str, Preset] = {
    "production": Preset("production", trials=20, max_estimators=600, cv_folds=3),
    "smoke": Preset("smoke", trials=2, max_estimators=40, cv_folds=2),
}
