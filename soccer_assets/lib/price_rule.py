"""Which football-data book prices a match, decided once for every use.

Features, the evaluation's market benchmark, cards, odds history, the backtest and CLV all
take prices through these two orders, so one match is never priced from different books in
different places.

- **Pre-match** (features, cards, backtest stakes, odds history): the market average first
  (every era of football-data has one: ``BbAv`` before 2019/20, ``Avg`` since), then Pinnacle,
  the sharpest single book, then the books that cover most eras.
- **Closing** (the evaluation's benchmark, CLV): Pinnacle's closing line first, the sharpest
  close and the only one in files before 2019/20, then the closing average (Pinnacle
  stopped being collected in January 2026), then single books.

``max`` is never a source: its three prices come from different books, so de-vigging them
understates the margin and inflates every edge.
"""

from __future__ import annotations

PRE_MATCH_ORDER: tuple[str, ...] = ("avg", "ps", "b365", "bw", "iw", "wh", "vc", "lb", "bfe")
# An average is no price anyone can take: the backtest also reports these real books' prices.
SINGLE_BOOKS: tuple[str, ...] = ("b365", "ps")
CLOSING_ORDER: tuple[str, ...] = ("ps", "avg", "b365", "bw", "iw", "wh", "vc", "lb", "bfe")
