"""
Which class and which version of sb3-reinforce saved a model, and the check that ``REINFORCE.load`` (and
``MaskableREINFORCE.load``) makes before handing the file to SB3's ``load``.

``save`` stores ``{"class": ..., "version": ...}`` under ``MARKER_KEY`` in the zip's ``data`` (SB3's JSON of the
model's attributes). ``load`` reads that JSON as text, without unpickling anything, and refuses with a
``ValueError`` a file saved by another class, by another algorithm (A2C, PPO, ...) or by a version of this package
whose files it cannot read (``FORMAT_CHANGES``), naming what the file holds and which class loads it.
"""

import base64
import io
import json
import pathlib
import pickletools
import re
import zipfile
from typing import Any

from stable_baselines3.common.save_util import open_path

# Key of the marker in the zip's "data"; the leading underscore keeps it apart from the model's parameters
MARKER_KEY = "_sb3_reinforce"

# Files saved before a version listed here cannot be loaded by it or later: (version, what changed).
# Files of 0.1.0 carry no marker, so they read as version 0.1.0.
FORMAT_CHANGES: tuple[tuple[str, str], ...] = (
    (
        "0.2.0",
        "the value baseline got its own optimiser (vf_learning_rate, vf_n_epochs, vf_batch_size, vf_max_grad_norm), "
        "whose state is saved apart (baseline_estimator.pth), and files record the class and version that saved them",
    ),
)

# Parameters that only sb3-reinforce's algorithms save: a file that has them and no marker is from 0.1.0
REINFORCE_KEYS = ("max_rollout_steps", "reset_between_rollouts", "use_gamma_t", "bootstrap_truncated")
UNMARKED_VERSION = "0.1.0"


def package_version() -> str:
    """The installed sb3-reinforce's version (``sb3_reinforce.__version__``)."""
    from sb3_reinforce import __version__

    return __version__


def saved_by(algo_class: type) -> dict[str, str]:
    """
    The marker that ``save`` stores in the zip's data.

    :param algo_class: The class of the model being saved
    :return: Its class name and the package's version
    """
    return {"class": algo_class.__name__, "version": package_version()}


def _version_tuple(version: str) -> tuple[int, ...]:
    """``"0.2.0"`` -> ``(0, 2, 0)``; a suffix such as ``.dev1`` or ``rc1`` is ignored."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def read_saved_data(path: str | pathlib.Path | io.BufferedIOBase) -> tuple[dict[str, Any] | None, str | None]:
    """
    Read a saved model's ``data`` JSON as SB3 wrote it (nothing is unpickled) and the SB3 version that saved it.
    A stream is left at the position it had.

    :param path: The path (SB3 adds ``.zip`` where it is missing) or the stream that ``load`` was given
    :return: The data (None if the file is not a zip or holds no data) and the SB3 version (None if not recorded)
    """
    file = open_path(path, "r", verbose=0, suffix="zip")
    position = file.tell()
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            data = json.loads(archive.read("data").decode()) if "data" in names else None
            sb3_version = (
                archive.read("_stable_baselines3_version").decode() if "_stable_baselines3_version" in names else None
            )
    except (zipfile.BadZipFile, json.JSONDecodeError):
        # Not ours to report: SB3's load says what is wrong with the file
        return None, None
    finally:
        if isinstance(path, (str, pathlib.Path)):
            file.close()
        else:
            file.seek(position)
    return data, sb3_version


def _pickled_class_name(entry: Any) -> str | None:
    """
    The ``module.name`` of a class that SB3 stored in the data by reference (cloudpickle, as for ``policy_class``),
    read from the pickle's opcodes without unpickling it; None if it is not such a reference.
    """
    if not isinstance(entry, dict) or not isinstance(entry.get(":serialized:"), str):
        return None
    try:
        ops = list(pickletools.genops(base64.b64decode(entry[":serialized:"])))
    except Exception:
        return None
    strings = [str(arg) for op, arg, _ in ops if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE")]
    if any(op.name == "STACK_GLOBAL" for op, _, _ in ops) and len(strings) == 2:
        return ".".join(strings)
    return None


def _guess_algorithm(data: dict[str, Any]) -> tuple[str, str | None]:
    """
    The SB3 or sb3-contrib algorithm whose parameters ``data`` holds, as far as they tell.

    :param data: A saved model's data, as stored
    :return: A description (``"PPO"``, ``"an off-policy algorithm ..."``) and the algorithm's class name, if known
    """
    policy = _pickled_class_name(data.get("policy_class")) or ""
    if "clip_range" in data:
        name = "MaskablePPO" if "maskable" in policy else "RecurrentPPO" if "recurrent" in policy else "PPO"
        return name, name
    if "buffer_size" in data:
        return "an off-policy algorithm such as DQN, SAC or TD3", None
    if "gae_lambda" in data and "n_steps" in data:
        return "A2C", "A2C"
    return "an unknown algorithm", None


def describe_saved_model(data: dict[str, Any], sb3_version: str | None) -> tuple[str, str | None, str | None]:
    """
    What a saved model is, as far as its data tells.

    :param data: The model's data, as stored
    :param sb3_version: The Stable-Baselines3 version that saved it
    :return: A description for messages; the class that saved it (for a file of another algorithm, its guess, or
        None); the sb3-reinforce version that saved it (None for a file of another algorithm)
    """
    marker = data.get(MARKER_KEY)
    if isinstance(marker, dict) and "class" in marker:
        saved_class, version = str(marker["class"]), str(marker.get("version", "unknown"))
        return f"a {saved_class} model saved by sb3-reinforce {version}", saved_class, version
    policy = _pickled_class_name(data.get("policy_class"))
    if all(key in data for key in REINFORCE_KEYS):
        saved_class = "MaskableREINFORCE" if "maskable" in (policy or "").lower() else "REINFORCE"
        description = f"a {saved_class} model saved by sb3-reinforce {UNMARKED_VERSION} (whose files record no version)"
        return description, saved_class, UNMARKED_VERSION
    algorithm, algo_name = _guess_algorithm(data)
    by = f"Stable-Baselines3 {sb3_version}" if sb3_version else "Stable-Baselines3"
    description = (
        f"a model of another algorithm ({algorithm}, judging by its parameters{f'; policy {policy}' if policy else ''}), "
        f"saved by {by} without sb3-reinforce's {MARKER_KEY!r} marker"
    )
    return description, algo_name, None


def check_saved_model(path: str | pathlib.Path | io.BufferedIOBase, algo_class: type) -> None:
    """
    Check, before SB3's ``load`` builds anything, that ``path`` holds a model that ``algo_class.load`` can read:
    saved by ``algo_class`` (the marker's class name), with a version whose files it reads.
    A file that is not a zip, or has no data, is left to SB3's ``load`` to report.

    :param path: The path or stream given to ``load``
    :param algo_class: The class whose ``load`` was called
    :raises ValueError: If the file was saved by another class or algorithm, or by a version whose files cannot
        be read any more, naming what the file holds and which class loads it
    """
    data, sb3_version = read_saved_data(path)
    if data is None:
        return
    name = algo_class.__name__
    description, saved_class, version = describe_saved_model(data, sb3_version)
    where = f"The file {str(path)!r}" if isinstance(path, (str, pathlib.Path)) else "The file"
    if version is None:
        loader = f"{saved_class}.load" if saved_class else "the load of the class that saved it"
        raise ValueError(f"{where} holds {description}. {name}.load loads only models saved by {name}.save: use {loader}.")
    current = package_version()
    for changed_in, change in FORMAT_CHANGES:
        if _version_tuple(version) < _version_tuple(changed_in) <= _version_tuple(current):
            raise ValueError(
                f"{where} holds {description}; this is sb3-reinforce {current}, which cannot load files of "
                f"sb3-reinforce {version}: in {changed_in}, {change}. Retrain the model with sb3-reinforce {current}, "
                f"or load it with sb3-reinforce {version}."
            )
    if saved_class != name:
        raise ValueError(f"{where} holds {description}, not a {name} model: load it with {saved_class}.load.")
