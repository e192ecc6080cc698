"""Key/value blob storage on a local folder or an S3-compatible bucket.

Every write is atomic: a reader sees the old bytes or the new bytes, never a partial
file. Locally that is a temporary file in the same folder plus ``os.replace``; on S3
a single ``PutObject`` is atomic by itself. A write that fails (a full disk) removes its
temporary file; one left by a killed process is removed by :meth:`LocalBlobStore.sweep_temp_files`.
Files get the ordinary permissions of the process's umask (0644 under the usual 022), not
the 0600 of a temporary file. ``put_if_absent`` is the primitive for
immutable, content-addressed data: it never overwrites.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse


class BlobNotFound(KeyError):
    """No blob under that key."""


class BlobStore(Protocol):
    url: str

    def put(self, key: str, data: bytes) -> None: ...
    def put_if_absent(self, key: str, data: bytes) -> bool: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> list[str]: ...
    def delete(self, key: str) -> None: ...
    def uri(self, key: str) -> str: ...
    def change_token(self, key: str) -> str: ...


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid blob key {key!r}")
    return key


TEMP_SUFFIX = ".tmp"


def _umask() -> int:
    try:  # Linux shows it without changing it (setting it is process-wide, racing other threads)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class LocalBlobStore:
    def __init__(self, root: str | os.PathLike[str], file_mode: int | None = None):
        self.root = Path(root).expanduser().resolve()
        self.url = str(self.root)
        self.file_mode = file_mode if file_mode is not None else 0o666 & ~_umask()

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def uri(self, key: str) -> str:
        return str(self._path(key))

    def _write_temp(self, path: Path, data: bytes) -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, self.file_mode)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return tmp

    def sweep_temp_files(self, older_than_s: float = 3600.0) -> list[str]:
        """Remove temporary files that a killed writer left behind; returns their paths.

        Only files older than ``older_than_s``: a younger one may belong to a write in progress.
        """
        if not self.root.exists():
            return []
        cutoff = time.time() - older_than_s
        swept = []
        for path in self.root.rglob(f".*{TEMP_SUFFIX}"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    swept.append(str(path))
            except FileNotFoundError:  # another sweeper or its writer got there first
                continue
        return swept

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        tmp = self._write_temp(path, data)
        os.replace(tmp, path)

    def put_if_absent(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        if path.exists():
            return False
        tmp = self._write_temp(path, data)
        try:
            os.link(tmp, path)  # atomic create-if-not-exists
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp)
        return True

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix.rstrip("/") if prefix else self.root
        if not base.exists():
            return []
        return sorted(
            str(p.relative_to(self.root))
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def change_token(self, key: str) -> str:
        """Changes whenever the blob is replaced (a stat, no read): inode, size, mtime."""
        try:
            st = self._path(key).stat()
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc
        return f"{st.st_ino}-{st.st_size}-{st.st_mtime_ns}"


class S3BlobStore:
    """Blobs under ``s3://bucket/prefix`` through a boto3 S3 client."""

    def __init__(self, client: Any, bucket: str, prefix: str = ""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    def _key(self, key: str) -> str:
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def put_if_absent(self, key: str, data: bytes) -> bool:
        # Keys written this way are content-addressed or unique per snapshot, so a race
        # between two writers can only write identical bytes.
        if self.exists(key):
            return False
        self.put(key, data)
        return True

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise BlobNotFound(key) from exc
        return response["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def list(self, prefix: str) -> list[str]:
        full = self._key(prefix.rstrip("/")) + "/" if prefix else (f"{self.prefix}/" if self.prefix else "")
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
            keys.extend(obj["Key"][strip:] for obj in page.get("Contents", []))
        return sorted(keys)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def change_token(self, key: str) -> str:
        """The object's ETag from a HEAD request (no body transferred)."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise BlobNotFound(key) from exc
            raise
        return f"{head['ETag']}-{head.get('LastModified')}"


def is_s3_url(url: str) -> bool:
    return url.startswith("s3://")


def split_s3_url(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
    return parsed.netloc, parsed.path.strip("/")


def open_blobstore(url: str, s3_client_factory: Any = None) -> BlobStore:
    """A local store for a path, an S3 store for ``s3://bucket/prefix``."""
    if is_s3_url(url):
        if s3_client_factory is None:
            raise ValueError(f"{url} needs an S3 client")
        bucket, prefix = split_s3_url(url)
        return S3BlobStore(s3_client_factory(), bucket, prefix)
    return LocalBlobStore(url)
