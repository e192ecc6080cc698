"""The two reference servers of ``bench/serving.py`` (run by uvicorn, one worker, like the API).

- ``bare_app``: the ASGI floor: a fixed body of ``SOCCER_BENCH_BODY_BYTES`` bytes, nothing else.
- ``fastapi_app``: the same cards the straightforward way: FastAPI + pydantic models loaded
  from the published store at start-up, filtered and serialised on every request, with
  the same API-key check. Needs the ``bench`` extra (fastapi).
"""

# no `from __future__ import annotations`: FastAPI resolves the models defined in fastapi_app
import datetime as dt
import os
import secrets

BODY = b"x" * int(os.environ.get("SOCCER_BENCH_BODY_BYTES", "1024"))
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def bare_app(scope, receive, send) -> None:
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def fastapi_app():
    from fastapi import FastAPI, Header, HTTPException
    from pydantic import BaseModel

    from soccer_assets.storage.blobstore import LocalBlobStore
    from soccer_assets.storage.published import PublishedStore

    class CardModel(BaseModel):
        match_id: str
        league: str
        league_name: str
        region: str
        season: str
        kickoff_date: dt.date
        kickoff_utc: dt.datetime | None
        home_team: str
        away_team: str
        status: str
        prob_home: float
        prob_draw: float
        prob_away: float
        pick: str
        pick_prob: float
        result: str | None
        home_goals: int | None
        away_goals: int | None
        pick_correct: bool | None
        odds_home: float | None
        odds_draw: float | None
        odds_away: float | None
        odds_source: str | None
        odds_snapshot_at: dt.datetime | None
        market_home: float | None
        market_draw: float | None
        market_away: float | None
        overround: float | None
        edge_pp_home: float | None
        edge_pp_draw: float | None
        edge_pp_away: float | None
        ev_home: float | None
        ev_draw: float | None
        ev_away: float | None
        value_home: bool | None
        value_draw: bool | None
        value_away: bool | None
        value_outcome: str | None
        value_edge_pp: float | None
        model_name: str
        model_version: str
        model_alias: str
        predicted_at: dt.datetime

    class CardsPageModel(BaseModel):
        publication_id: str
        total: int
        limit: int
        offset: int
        items: list[CardModel]

    class PredictionModel(BaseModel):
        publication_id: str
        prediction: CardModel

    store = PublishedStore(LocalBlobStore(os.environ["SOCCER_STORAGE_URL"]))
    manifest = store.manifest()
    frame = store.read_table("cards", manifest).sort("kickoff_date", "match_id")
    cards = [CardModel(**row) for row in frame.select(list(CardModel.model_fields)).to_dicts()]
    by_id = {card.match_id: card for card in cards}
    key = os.environ["SOCCER_API_KEYS"].split(",")[0]
    app = FastAPI()

    def check(x_api_key: str | None) -> None:
        if x_api_key is None or not secrets.compare_digest(x_api_key, key):
            raise HTTPException(status_code=401)

    @app.get("/predict/cards/")
    async def list_cards(
        league: str | None = None, limit: int = 100, offset: int = 0, x_api_key: str | None = Header(None)
    ) -> CardsPageModel:
        check(x_api_key)
        rows = [c for c in cards if league is None or c.league == league]
        return CardsPageModel(
            publication_id=manifest.publication_id, total=len(rows), limit=limit, offset=offset,
            items=rows[offset : offset + limit],
        )  # fmt: skip

    @app.get("/predict/precomputed/{match_id}")
    async def precomputed(match_id: str, x_api_key: str | None = Header(None)) -> PredictionModel:
        check(x_api_key)
        if match_id not in by_id:
            raise HTTPException(status_code=404)
        return PredictionModel(publication_id=manifest.publication_id, prediction=by_id[match_id])

    @app.get("/healthcheck/ready")
    async def ready() -> dict:
        return {"status": "ok", "reasons": [], "publication_id": manifest.publication_id}

    return app
