"""football-data.co.uk division codes: names, countries (regions) and tiers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class League:
    code: str
    name: str
    country: str
    tier: int


LEAGUES: dict[str, League] = {
    league.code: league
    for league in (
        League("E0", "Premier League", "England", 1),
        League("E1", "Championship", "England", 2),
        League("E2", "League One", "England", 3),
        League("E3", "League Two", "England", 4),
        League("SC0", "Scottish Premiership", "Scotland", 1),
        League("SC1", "Scottish Championship", "Scotland", 2),
        League("SC2", "Scottish League One", "Scotland", 3),
        League("SC3", "Scottish League Two", "Scotland", 4),
        League("D1", "Bundesliga", "Germany", 1),
        League("D2", "2. Bundesliga", "Germany", 2),
        League("F1", "Ligue 1", "France", 1),
        League("F2", "Ligue 2", "France", 2),
        League("I1", "Serie A", "Italy", 1),
        League("I2", "Serie B", "Italy", 2),
        League("SP1", "La Liga", "Spain", 1),
        League("SP2", "Segunda Division", "Spain", 2),
        League("N1", "Eredivisie", "Netherlands", 1),
        League("B1", "Jupiler Pro League", "Belgium", 1),
        League("P1", "Primeira Liga", "Portugal", 1),
        League("T1", "Super Lig", "Turkey", 1),
        League("G1", "Super League Greece", "Greece", 1),
    )
}


def region(code: str) -> str:
    """The country a division belongs to; unknown codes are their own region."""
    league = LEAGUES.get(code)
    return league.country if league else code


def league_name(code: str) -> str:
    league = LEAGUES.get(code)
    return league.name if league else code
