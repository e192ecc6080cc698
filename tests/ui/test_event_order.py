"""The events that redraw the matches table are processed one at a time, in the order the
browser sent them: a filter result computed from older inputs can never land after a newer
one (seen in CI as the table stuck on a half-typed date range)."""

from __future__ import annotations

from soccer_ui.app import MATCHES_VIEW, build_app
from soccer_ui.client import ApiClient
from soccer_ui.settings import UiSettings


def test_every_event_that_redraws_the_table_shares_one_queue_of_width_one():
    settings = UiSettings()
    app = build_app(settings, ApiClient(settings.api_url, "unused"))
    redraws = [
        fn for fn in app.fns.values() if any(getattr(o, "elem_id", None) == "row-count" for o in fn.outputs)
    ]
    triggers = {trigger for fn in redraws for _, trigger in fn.targets}
    assert {"load", "click", "change", "submit", "blur"} <= triggers  # every kind of filter event is here
    assert len(redraws) >= 10
    assert {fn.concurrency_id for fn in redraws} == {MATCHES_VIEW}
    assert {fn.concurrency_limit for fn in redraws} == {1}
