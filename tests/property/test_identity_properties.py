"""Hypothesis properties of team slugs, match ids and the parser's row-order independence."""

import datetime as dt
import random

import polars as pl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from soccer_assets.lib.football_data.load import load_results
from soccer_assets.lib.football_data.parse import parse_date
from soccer_assets.lib.identity import match_id, team_slug
from soccer_assets.lib.seasons import Season

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30).filter(
    lambda s: any(ch.isascii() and ch.isalnum() for ch in s)
)
leagues = st.sampled_from(["E0", "D1", "F1", "I1", "SP1", "SC0"])
# football-data starts in 1993/94; two-digit years are read as 1969..2068 (strptime's %y)
dates = st.dates(dt.date(1993, 7, 1), dt.date(2068, 12, 31))


@given(names)
def test_slug_is_canonical_and_idempotent(name):
    slug = team_slug(name)
    assert team_slug(slug) == slug
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug


@given(leagues, dates, names, names)
def test_match_id_splits_back_into_its_parts(league, day, home, away):
    assume(team_slug(home) != team_slug(away))
    parts = match_id(league, day, home, away).split("_")
    assert parts == [league, day.isoformat(), team_slug(home), team_slug(away)]


@given(st.tuples(leagues, dates, names, names), st.tuples(leagues, dates, names, names))
def test_distinct_matches_get_distinct_ids(a, b):
    assume(team_slug(a[2]) != team_slug(a[3]) and team_slug(b[2]) != team_slug(b[3]))
    canon = lambda m: (m[0], m[1], team_slug(m[2]), team_slug(m[3]))  # noqa: E731
    assert (match_id(*a) == match_id(*b)) == (canon(a) == canon(b))


@given(dates)
def test_two_and_four_digit_years_parse_to_the_same_day(day):
    frame = pl.DataFrame({"d": [day.strftime("%d/%m/%y"), day.strftime("%d/%m/%Y")]})
    parsed = frame.select(parse_date("d"))["d"].to_list()
    assert parsed == [day, day]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_row_order_never_changes_ids_or_rows(football_data_dir, rnd: random.Random):
    data = (football_data_dir / "mmz4281/2223/D1.csv").read_bytes()
    header, *rows = data.split(b"\r\n")[:-1]
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    season = Season.from_code("2223")
    original = load_results(data, league="D1", season=season).rows
    reordered = load_results(b"\r\n".join([header, *shuffled, b""]), league="D1", season=season).rows
    assert reordered.equals(original)  # the canonical table is sorted by kickoff and match_id
    assert original["match_id"].n_unique() == original.height == 306
