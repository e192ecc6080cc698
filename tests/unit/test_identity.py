import datetime as dt

import pytest

from soccer_assets.lib.identity import match_id, team_slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Nott'm Forest", "nottm-forest"),
        ("M'gladbach", "mgladbach"),
        ("Ath Madrid", "ath-madrid"),
        ("Paris SG", "paris-sg"),
        ("St. Etienne", "st-etienne"),
        ("Brighton & Hove Albion", "brighton-and-hove-albion"),
        ("Düsseldorf", "dusseldorf"),
    ],
)
def test_team_slug_of_real_names(name, slug):
    assert team_slug(name) == slug


def test_match_id_is_readable_and_uses_the_published_date():
    assert match_id("E0", dt.date(2023, 8, 11), "Burnley", "Man City") == "E0_2023-08-11_burnley_man-city"


def test_match_id_refuses_nonsense():
    with pytest.raises(ValueError):
        match_id("E0", dt.date(2023, 8, 11), "Burnley", "burnley")
    with pytest.raises(ValueError):
        match_id("premier league", dt.date(2023, 8, 11), "A", "B")
    with pytest.raises(ValueError):
        team_slug("'?'")
