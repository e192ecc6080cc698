"""Scenarios run against every blob store backend (local disk in unit tests, S3 in integration)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from soccer_assets.storage.published import Artifact, PublishedStore

TABLES = ("prediction_cards", "predictions", "region_roi")


def tagged_tables(seq: int, rows: int = 50) -> dict[str, pl.DataFrame]:
    """Tables whose every row says which publication (``seq``) wrote them."""
    return {
        name: pl.DataFrame({"seq": [seq] * rows, "row": list(range(rows)), "table": [name] * rows})
        for name in TABLES
    }


@dataclass
class ReaderLog:
    reads: int = 0
    seen: set[int] = field(default_factory=set)
    errors: list[BaseException] = field(default_factory=list)


def _read_forever(store: PublishedStore, stop: threading.Event, log: ReaderLog) -> None:
    while not stop.is_set():
        try:
            publication = store.read_publication()
            seqs = {int(publication.manifest.datasets[n].provenance["seq"]) for n in TABLES}
            for name in TABLES:
                seqs |= set(publication.tables[name]["seq"].to_list())
            seqs.add(int(publication.artifacts["drift_report"].decode()))
            assert len(seqs) == 1, f"a reader saw a mix of publications {sorted(seqs)}"
            log.seen |= seqs
            log.reads += 1
        except BaseException as exc:  # collected and re-raised in the test thread
            log.errors.append(exc)
            return


def publish_while_reading(
    store: PublishedStore,
    publications: int,
    readers: int = 3,
    after_each: Callable[[PublishedStore], object] | None = None,
) -> list[ReaderLog]:
    """Publish ``publications`` times while reader threads check every read is consistent."""
    store.publish(tagged_tables(0), {"drift_report": Artifact(b"0", "txt")}, provenance={"seq": 0})
    stop = threading.Event()
    logs = [ReaderLog() for _ in range(readers)]
    threads = [threading.Thread(target=_read_forever, args=(store, stop, log)) for log in logs]
    for thread in threads:
        thread.start()
    try:
        for seq in range(1, publications + 1):
            store.publish(
                tagged_tables(seq),
                {"drift_report": Artifact(str(seq).encode(), "txt")},
                provenance={"seq": seq},
            )
            if after_each is not None:
                after_each(store)
            stop.wait(0.002)  # let the readers run between publications
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    for log in logs:
        if log.errors:
            raise log.errors[0]
    return logs
