"""WhoScored: match pages, monthly fixtures JSON and per-team match statistics."""
