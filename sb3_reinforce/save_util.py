"""
Which class and which version of sb3-reinforce saved a model, and the check that ``REINFORCE.load`` (and
``MaskableREINFORCE.load``) makes before handing the file to SB3's ``load``.

``save`` stores ``{"class": ..., "version": ...}`` under ``MARKER_KEY`` in the zip's ``data`` (SB3's JSON of the
model's attributes). ``load`` reads that JSON as text, without unpickling anything, and refuses with a
``ValueError`` a file saved by another class, by another algorithm (A2C, PPO, ...) or by a version of this package
whose files it cannot read (``FORMAT_CHANGES``), naming what the file holds and which class loads it. A missing
file, and a truncated or corrupt one, are named as such, by the path the user gave.
"""

import base64
import errno
import io
import json
import pathlib
import pickletools
import re
import zipfile
import zlib
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


def resolve_path(path: str | pathlib.Path, load_name: str) -> pathlib.Path:
    """
    The file that SB3's ``load`` opens for ``path``: the path itself, or, if there is none, the path with ``.zip``
    added.

    :param path: The path that ``load`` was given
    :param load_name: The method, for the message (``"REINFORCE.load"``)
    :return: The path of the file
    :raises FileNotFoundError: If neither exists, naming the path as given (SB3's own error names the path with
        ``.zip`` added, ``model.zip.zip`` for ``model.zip``)
    """
    path = pathlib.Path(path)
    with_suffix = pathlib.Path(f"{path}.zip")
    if path.exists() or with_suffix.exists():
        return path if path.exists() else with_suffix
    nor = "" if path.suffix == ".zip" else f", nor {str(with_suffix)!r}"
    raise FileNotFoundError(errno.ENOENT, f"{load_name}: no such file{nor}", str(path))


def read_saved_data(
    path: str | pathlib.Path | io.BufferedIOBase, load_name: str = "load"
) -> tuple[dict[str, Any], str | None]:
    """
    Read a saved model's ``data`` JSON as SB3 wrote it (nothing is unpickled) and the SB3 version that saved it,
    after checking every entry of the zip against its CRC. A stream is left at the position it had.

    :param path: The path (SB3 adds ``.zip`` where it is missing) or the stream that ``load`` was given
    :param load_name: The method, for the messages (``"REINFORCE.load"``)
    :return: The data and the SB3 version (None if not recorded)
    :raises FileNotFoundError: If there is no such file (``resolve_path``)
    :raises ValueError: If the file is truncated or corrupt: not a complete zip archive, an entry that fails its
        CRC, or no ``data`` entry (SB3's ``load`` would fail on an ``AssertionError``, ``No data found``)
    """
    if isinstance(path, (str, pathlib.Path)):
        path = resolve_path(path, load_name)
        where = f"The file {str(path)!r}"
    else:
        where = "The stream"
    file = open_path(path, "r", verbose=0, suffix="zip")
    position = file.tell()
    data, sb3_version, problem = None, None, None
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            bad_entry = archive.testzip()
            if bad_entry is not None:
                problem = f"its entry {bad_entry!r} fails its CRC check"
            elif "data" not in names:
                # A truncated file can still open as a zip: torch's .pth entries are zips themselves, and the last
                # one left is taken for the whole file
                problem = "it holds no 'data' entry, which every file written by save has"
            else:
                data = json.loads(archive.read("data").decode())
                if "_stable_baselines3_version" in names:
                    sb3_version = archive.read("_stable_baselines3_version").decode()
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        problem = f"it is not a complete zip archive ({type(e).__name__}: {e})"
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        problem = f"its 'data' entry is not the JSON that save writes ({type(e).__name__}: {e})"
    finally:
        if isinstance(path, pathlib.Path):
            file.close()
        else:
            file.seek(position)
    if problem is not None or not isinstance(data, dict):
        problem = problem or "its 'data' entry holds no model's attributes"
        raise ValueError(
            f"{where} is truncated or corrupt, or was not written by save: {problem}. {load_name} cannot read it: "
            "save the model again, or copy the whole file again."
        )
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
    a whole file (``read_saved_data``), saved by ``algo_class`` (the marker's class name), with a version whose files
    it reads.

    :param path: The path or stream given to ``load``
    :param algo_class: The class whose ``load`` was called
    :raises FileNotFoundError: If there is no such file, naming the path as given
    :raises ValueError: If the file is truncated or corrupt, or was saved by another class or algorithm, or by a
        version whose files cannot be read any more, naming what the file holds and which class loads it
    """
    name = algo_class.__name__
    data, sb3_version = read_saved_data(path, f"{name}.load")
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
