"""One Litestar controller per domain: predict, monitoring, health."""
