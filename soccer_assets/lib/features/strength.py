"""Match features from the two teams' goal-model and market strengths (``lib/strength_history``).

One function for both code paths: the as-of joins pass whole columns, ``state.feature_row``
passes one-element arrays, and both get the same numbers.
"""

from __future__ import annotations

import numpy as np

from soccer_assets.lib.goal_model import outcome_probabilities

GOAL_FEATURES = ("dc_xg_home", "dc_xg_away", "dc_prob_home", "dc_prob_draw", "dc_prob_away")
MARKET_STRENGTH_FEATURES = ("diff_mkt_strength", "mkt_implied_supremacy")


def strength_features(
    home: dict[str, np.ndarray], away: dict[str, np.ndarray], use_market: bool
) -> dict[str, np.ndarray]:
    """``home``/``away``: each side's ``dc_attack``, ``dc_defence``, ``mkt_strength``; the home
    side also carries its league's ``dc_base``, ``dc_home``, ``dc_rho`` and ``mkt_home``
    (NaN where a team or league has no fit yet)."""
    xg_home = np.exp(home["dc_base"] + home["dc_home"] + home["dc_attack"] + away["dc_defence"])
    xg_away = np.exp(home["dc_base"] + away["dc_attack"] + home["dc_defence"])
    probs = outcome_probabilities(xg_home, xg_away, home["dc_rho"])
    out = {
        "dc_xg_home": xg_home,
        "dc_xg_away": xg_away,
        "dc_prob_home": probs[:, 0],
        "dc_prob_draw": probs[:, 1],
        "dc_prob_away": probs[:, 2],
    }
    if use_market:
        diff = home["mkt_strength"] - away["mkt_strength"]
        out |= {"diff_mkt_strength": diff, "mkt_implied_supremacy": home["mkt_home"] + diff}
    return out
