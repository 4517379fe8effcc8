"""
A throwaway PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` from the machine's PostgreSQL, a data
directory in a temporary directory, listening on 127.0.0.1 on a free port, stopped and deleted at the end.

PostgreSQL refuses to run as root: when the tests run as root, the server runs as the ``postgres`` user
(``runuser -u postgres --``), which owns the temporary directory.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = (
    "PostgreSQL's server programs (initdb, pg_ctl) are not installed: on Debian/Ubuntu run "
    "`apt-get install postgresql` (they land in /usr/lib/postgresql/<version>/bin), on macOS "
    "`brew install postgresql@15`; or point PG_BIN at the folder that holds them"
)
SERVER_USER = "postgres"


def find_pg_bin() -> Path | None:
    """
    The folder holding ``initdb`` and ``pg_ctl``: ``$PG_BIN``, else the newest ``/usr/lib/postgresql/<version>/bin``
    (Debian's layout, off the PATH), else the folder of a ``pg_ctl`` on the PATH.

    :return: The folder, or None when PostgreSQL's server programs are not installed
    """
    candidates = [os.environ["PG_BIN"]] if os.environ.get("PG_BIN") else []
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    candidates += [str(p) for p in versions if p.parent.name.isdigit()]
    on_path = shutil.which("pg_ctl")
    if on_path is not None:
        candidates.append(str(Path(on_path).parent))
    for folder in map(Path, candidates):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """
    A PostgreSQL server in a temporary directory, reachable at ``postgresql://postgres@127.0.0.1:<port>/<db>``
    (``trust`` authentication, loopback only).

    :param pg_bin: The folder holding ``initdb`` and ``pg_ctl``
    """

    def __init__(self, pg_bin: Path) -> None:
        self.pg_bin = pg_bin
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="sb3-reinforce-pg-"))
        self.data = self.base / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.base, user.pw_uid, user.pw_gid)

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", SERVER_USER, "--"] if self.as_root else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, cwd=self.base)
        if result.returncode != 0:
            log = self.base / "server.log"
            server_log = log.read_text()[-2000:] if log.is_file() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}{server_log}")

    def start(self) -> None:
        """Create the cluster (no fsync: a test server) and start it; returns once it accepts connections."""
        self._run(
            str(self.pg_bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.base} -F -c max_connections=50"
        self._run(
            str(self.pg_bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.base / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self) -> None:
        """Stop the server and delete its directory."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.pg_bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` (SQLAlchemy 2.1 connects to ``postgresql://`` with psycopg 3)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """
        Create an empty database.

        :param name: Its name (letters, digits and underscores)
        :return: Its URL
        """
        import psycopg

        if not name.replace("_", "").isalnum():
            raise ValueError(f"database name {name!r}: use letters, digits and underscores")
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)
