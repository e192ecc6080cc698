"""Asynchronous prediction jobs: a bounded queue per process, state in Redis or in memory.

``POST /predict/async/`` puts a batch on this process's queue and answers 202 with a task
id at once; a worker task scores it off the event loop. The task's state (pending,
running, done with the result, failed with the error) lives in Redis when
``SOCCER_REDIS_URL`` is set, so any replica can answer ``GET /monitoring/task_status/{id}``,
and in this process's memory otherwise. States expire after the TTL either way. A full
queue is refused (429) rather than grown without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger("soccer_serving.tasks")
KEY_PREFIX = "soccer:task:"


class QueueFull(RuntimeError):
    pass


class TaskStore(Protocol):
    async def put(self, task_id: str, state: dict[str, Any], ttl_s: float) -> None: ...
    async def get(self, task_id: str) -> dict[str, Any] | None: ...
    async def close(self) -> None: ...


class MemoryTaskStore:
    """Task states in this process (lost on restart; another replica cannot see them)."""

    def __init__(self) -> None:
        self._states: dict[str, tuple[float, dict[str, Any]]] = {}

    async def put(self, task_id: str, state: dict[str, Any], ttl_s: float) -> None:
        now = time.monotonic()
        if len(self._states) > 1000:
            self._states = {k: v for k, v in self._states.items() if v[0] > now}
        self._states[task_id] = (now + ttl_s, state)

    async def get(self, task_id: str) -> dict[str, Any] | None:
        found = self._states.get(task_id)
        if found is None or found[0] <= time.monotonic():
            self._states.pop(task_id, None)
            return None
        return found[1]

    async def close(self) -> None:
        self._states.clear()


class RedisTaskStore:
    """Task states as JSON strings under ``soccer:task:<id>`` with the TTL as their expiry."""

    def __init__(self, url: str):
        import redis.asyncio as redis

        self._client = redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    async def put(self, task_id: str, state: dict[str, Any], ttl_s: float) -> None:
        await self._client.set(KEY_PREFIX + task_id, json.dumps(state), ex=max(1, int(ttl_s)))

    async def get(self, task_id: str) -> dict[str, Any] | None:
        raw = await self._client.get(KEY_PREFIX + task_id)
        return None if raw is None else json.loads(raw)

    async def close(self) -> None:
        await self._client.aclose()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class TaskRunner:
    """Queue, worker and state updates; ``work`` turns a payload into a JSON-ready result."""

    def __init__(
        self,
        store: TaskStore,
        work: Callable[[Any], Awaitable[Any]],
        *,
        max_queued: int,
        ttl_s: float,
        on_depth: Callable[[int], None] = lambda _: None,
        on_outcome: Callable[[str], None] = lambda _: None,
    ):
        self.store = store
        self.work = work
        self.ttl_s = ttl_s
        self._queue: asyncio.Queue[tuple[str, Any, str]] = asyncio.Queue(maxsize=max_queued)
        self._on_depth = on_depth
        self._on_outcome = on_outcome
        self._active = 0
        self._worker: asyncio.Task | None = None

    def _depth_changed(self) -> None:
        self._on_depth(self._queue.qsize() + self._active)

    async def submit(self, payload: Any) -> str:
        if self._queue.full():
            raise QueueFull(f"{self._queue.maxsize} tasks are already waiting")
        task_id = uuid.uuid4().hex
        submitted = _now()
        await self.store.put(
            task_id, {"task_id": task_id, "status": "pending", "submitted_at": submitted}, self.ttl_s
        )
        self._queue.put_nowait((task_id, payload, submitted))
        self._depth_changed()
        return task_id

    async def status(self, task_id: str) -> dict[str, Any] | None:
        return await self.store.get(task_id)

    def start(self) -> None:
        self._worker = asyncio.create_task(self._run(), name="prediction-tasks")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        await self.store.close()

    async def _run(self) -> None:
        while True:
            task_id, payload, submitted = await self._queue.get()
            self._active = 1
            self._depth_changed()
            base = {"task_id": task_id, "submitted_at": submitted}
            try:
                await self.store.put(task_id, base | {"status": "running"}, self.ttl_s)
                result = await self.work(payload)
                await self.store.put(
                    task_id, base | {"status": "done", "finished_at": _now(), "result": result}, self.ttl_s
                )
                self._on_outcome("done")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the task fails, the worker goes on
                message = exc.reason if hasattr(exc, "reason") else f"{type(exc).__name__}: {exc}"
                log.warning("task %s failed: %s", task_id, message)
                try:
                    await self.store.put(
                        task_id,
                        base | {"status": "failed", "finished_at": _now(), "error": message},
                        self.ttl_s,
                    )
                except Exception:
                    log.exception("could not record the failure of task %s", task_id)
                self._on_outcome("failed")
            finally:
                self._active = 0
                self._queue.task_done()
                self._depth_changed()
