"""
Command line: the RL Zoo's scripts with REINFORCE, MaskableREINFORCE and RecurrentREINFORCE registered, so
``--algo reinforce``, ``--algo reinforce_mask`` and ``--algo reinforce_lstm`` sit beside the zoo's own.

    python -m sb3_reinforce.zoo train --algo reinforce --env CartPole-v1      # or: sb3-reinforce-zoo train ...
    python -m sb3_reinforce.zoo train --algo reinforce_mask --env InvalidActionEnvDiscrete-v0
    python -m sb3_reinforce.zoo train --algo reinforce_lstm --env CartPoleNoVel-v1
    python -m sb3_reinforce.zoo train --algo ppo --env CartPole-v1            # the zoo's PPO, unchanged
    python -m sb3_reinforce.zoo enjoy --algo reinforce --env CartPole-v1 -f logs/

The first argument names the zoo script; every later one is that script's own flag, passed through unchanged.
``train --algo reinforce`` (``reinforce_mask``, ``reinforce_lstm``) without ``-conf/--conf-file`` reads the shipped
``reinforce.yml`` (``reinforce_mask.yml``, ``reinforce_lstm.yml``), and checks the entry's keys and values before the
zoo builds anything.
"""

import argparse
import contextlib
import difflib
import importlib
import os
import re
import runpy
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym

from sb3_reinforce.utils import default_num_threads, missing_env_extra
from sb3_reinforce.zoo.config import (
    ZooConfigError,
    check_hyperparams,
    default_config_path,
    load_config,
    parse_params,
    select_entry,
)
from sb3_reinforce.zoo.hyperparams_opt import params_held_fixed
from sb3_reinforce.zoo.registry import ZOO_ALGOS, register
from sb3_reinforce.zoo.storage import StorageError, prepare_tuning_storage

CONSOLE_SCRIPT = "sb3-reinforce-zoo"

# script name -> (zoo module, function to call); None: the module is a script, run as __main__
SCRIPTS: dict[str, tuple[str, str | None]] = {
    "train": ("rl_zoo3.train", "train"),
    "enjoy": ("rl_zoo3.enjoy", "enjoy"),
    "record_video": ("rl_zoo3.record_video", None),
    "plot_train": ("rl_zoo3.plots.plot_train", "plot_train"),
    "plot_from_file": ("rl_zoo3.plots.plot_from_file", "plot_from_file"),
    "all_plots": ("rl_zoo3.plots.all_plots", "all_plots"),
    "push_to_hub": ("rl_zoo3.push_to_hub", None),
    "load_from_hub": ("rl_zoo3.load_from_hub", None),
}


def _peek_train_args(args: list[str]) -> argparse.Namespace:
    """
    Read the few ``rl_zoo3.train`` flags that choose the config entry, leaving the rest to the zoo's parser.

    :param args: The train script's arguments
    :return: algo, env, conf_file, hyperparams (the ``-params`` items, as typed), gym_packages and
        optimize_hyperparameters
    """
    parser = argparse.ArgumentParser(add_help=False)
    # Same names, aliases and defaults as in rl_zoo3/train.py
    parser.add_argument("--algo", default="ppo")
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("-conf", "--conf-file", default=None)
    # Kept as typed: parse_params evaluates them as the zoo's StoreDict does, and reports what does not evaluate
    parser.add_argument("-params", "--hyperparams", nargs="+")
    parser.add_argument("--gym-packages", nargs="+", default=[])
    parser.add_argument("-optimize", "--optimize-hyperparameters", action="store_true", default=False)
    peeked, _ = parser.parse_known_args(args)
    return peeked


class ZooEnvError(Exception):
    """An env id that the zoo's ``train`` would not find, with a one-line message for the user."""


def check_env_id(args: list[str]) -> None:
    """
    Check that ``--env`` names an env that gymnasium's registry holds once the modules that register envs are
    imported: the zoo's (``rl_zoo3.import_envs``), ours (``sb3_reinforce.zoo.envs``) and the ``--gym-packages``, as
    ``rl_zoo3.train`` looks it up (where it fails with a traceback).

    :param args: The train script's arguments
    :raises ZooEnvError: If a ``--gym-packages`` module does not import, or the id is not registered: naming the id,
        its close matches in the registry, and the extra that registers it where one does (``ALE/`` ids: ``atari``)
    """
    import rl_zoo3.import_envs  # noqa: F401  (registers the zoo's extra envs, as train does)

    import sb3_reinforce.zoo.envs  # noqa: F401  (registers the envs of the shipped configs)

    peeked = _peek_train_args(args)
    for env_module in peeked.gym_packages:
        try:
            importlib.import_module(env_module)
        except ImportError as e:
            raise ZooEnvError(f"--gym-packages {env_module}: it does not import ({e})") from e
    env_id = peeked.env
    if env_id in gym.envs.registry:
        return
    missing = missing_env_extra(env_id)
    if missing is not None:
        raise ZooEnvError(f"--env {env_id}: {missing}")
    matches = difflib.get_close_matches(env_id, list(gym.envs.registry), n=3)
    close = f"close matches: {', '.join(matches)}" if matches else "no registered id is close"
    raise ZooEnvError(
        f"--env {env_id}: no env of that id is registered with gymnasium ({close}); an env of another package needs "
        "--gym-packages with the module that registers it"
    )


def _train_entry(peeked: argparse.Namespace, config: str) -> tuple[str, dict[str, Any], dict[str, str]] | None:
    """
    The entry of ``config`` that ``rl_zoo3.train`` will read for the env, with the ``-params`` overrides applied.
    Anything the zoo itself reports better (unknown env, missing file or entry) is left to the zoo: None.

    :param peeked: The flags read by ``_peek_train_args``
    :param config: The hyperparameter file or module
    :return: The entry's name, its hyperparameters, and the ``-params`` values that are bare words (see ``parse_params``)
    :raises ZooConfigError: If a ``-params`` value does not evaluate
    """
    import rl_zoo3.import_envs  # noqa: F401  (registers the zoo's extra envs, as train does)
    from rl_zoo3.exp_manager import ExperimentManager

    overrides, bare_words = parse_params(peeked.hyperparams or [])
    for env_module in peeked.gym_packages:
        importlib.import_module(env_module)
    if peeked.env not in gym.envs.registry:
        return None
    try:
        entries = load_config(config)
    except OSError:
        return None
    entry = select_entry(entries, peeked.env, ExperimentManager.is_atari(peeked.env))
    if entry is None:
        return None
    return entry, {**(entries[entry] or {}), **overrides}, bare_words


def prepare_train_args(args: list[str]) -> list[str]:
    """
    For ``--algo reinforce`` (``reinforce_mask``, ``reinforce_lstm``): add ``--conf-file <shipped reinforce.yml>``
    (``reinforce_mask.yml``, ``reinforce_lstm.yml``) unless a config is given, and check the entry that will be used.
    For every algorithm, without ``--num-threads``: add the thread count that is fast for the entry's policy
    (``sb3_reinforce.utils.default_num_threads``; the zoo's default, -1, leaves torch's one thread per core).

    :param args: The train script's arguments
    :return: The arguments to hand to ``rl_zoo3.train``
    :raises ZooConfigError: If the entry has an invalid key
    """
    peeked = _peek_train_args(args)
    ours = peeked.algo in ZOO_ALGOS
    config = peeked.conf_file
    if config is None:
        import rl_zoo3

        zoo_config = Path(rl_zoo3.__file__).parent / "hyperparams" / f"{peeked.algo}.yml"
        config = str(default_config_path(peeked.algo) if ours else zoo_config)
        if ours:
            args = [*args, "--conf-file", config]
    if ours:
        found = _train_entry(peeked, config)
    else:
        # Another algorithm's config only picks the thread count: whatever is wrong with it is the zoo's to report
        try:
            found = _train_entry(peeked, config)
        except Exception:
            found = None
    if found is not None and ours:
        entry, hyperparams, bare_words = found
        where = f"entry {entry!r} of {config}" + (" with the -params overrides" if peeked.hyperparams else "")
        check_hyperparams(hyperparams, ZOO_ALGOS[peeked.algo], where=where, bare_words=bare_words)
    if found is not None and not any(arg == "--num-threads" or arg.startswith("--num-threads=") for arg in args):
        policy = found[1].get("policy")
        if isinstance(policy, str):
            args = [*args, "--num-threads", str(default_num_threads(policy))]
    return args


def hold_params_fixed(args: list[str]) -> contextlib.AbstractContextManager:
    """
    For ``-optimize`` with ``--algo reinforce`` (``reinforce_mask``, ``reinforce_lstm``): the context in which our
    samplers leave the ``-params`` hyperparameters as set (``hyperparams_opt.params_held_fixed``), so that the
    search runs over the others. It prints which ones it holds.

    :param args: The train script's arguments
    :return: The context to run the zoo in (a null one without ``-optimize`` or ``-params``)
    """
    peeked = _peek_train_args(args)
    if peeked.algo not in ZOO_ALGOS or not peeked.hyperparams or not peeked.optimize_hyperparameters:
        return contextlib.nullcontext()
    fixed, _ = parse_params(peeked.hyperparams)
    print(f"Not sampled, set by -params in every trial: {', '.join(sorted(fixed))}")
    return params_held_fixed(fixed)


def run_script(script: str, args: list[str], prog: str) -> None:
    """
    Run one of the zoo's scripts in this process, with ``args`` as its command line.

    :param script: A key of ``SCRIPTS``
    :param args: The script's arguments
    :param prog: The program name its help and errors show
    """
    module_name, function_name = SCRIPTS[script]
    saved_argv = sys.argv
    # The zoo's scripts parse sys.argv themselves
    sys.argv = [prog, *args]
    try:
        if function_name is None:
            runpy.run_module(module_name, run_name="__main__")
        else:
            getattr(importlib.import_module(module_name), function_name)()
    finally:
        sys.argv = saved_argv


def help_text() -> str:
    """The module's docstring in plain words, for ``--help``: RST's ````literal```` marks dropped."""
    return re.sub(r"``(.+?)``", r"\1", __doc__ or "")


def _prog_name() -> str:
    """How this CLI was invoked: the console script, or ``python -m sb3_reinforce.zoo``."""
    name = os.path.basename(sys.argv[0]) if sys.argv else ""
    return CONSOLE_SCRIPT if name == CONSOLE_SCRIPT else "python -m sb3_reinforce.zoo"


def main(argv: list[str] | None = None) -> None:
    """
    Entry point of ``python -m sb3_reinforce.zoo`` and of the ``sb3-reinforce-zoo`` console script.

    :param argv: ``<script> [flags...]``; defaults to ``sys.argv[1:]``
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = _prog_name()
    usage = f"usage: {prog} {{{','.join(SCRIPTS)}}} [flags of that rl_zoo3 script]"
    if not argv or argv[0] in ("-h", "--help"):
        print(usage)
        print(help_text())
        return
    script, args = argv[0], argv[1:]
    if script not in SCRIPTS:
        print(usage, file=sys.stderr)
        print(f"{prog}: error: unknown script {script!r}, choose one of {', '.join(SCRIPTS)}", file=sys.stderr)
        sys.exit(2)

    register()
    zoo_context: contextlib.AbstractContextManager = contextlib.nullcontext()
    fixed_params: contextlib.AbstractContextManager = contextlib.nullcontext()
    if script == "train":
        try:
            if not {"-h", "--help"} & set(args):
                check_env_id(args)
            args = prepare_train_args(args)
            args, zoo_context = prepare_tuning_storage(args)
        except (ZooEnvError, ZooConfigError, StorageError) as e:
            print(f"{prog} train: error: {e}", file=sys.stderr)
            sys.exit(2)
        fixed_params = hold_params_fixed(args)
    with zoo_context, fixed_params:
        run_script(script, args, prog=f"{prog} {script}")
