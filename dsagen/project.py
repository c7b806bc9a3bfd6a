"""`dsagen init`: an organisation's own project folder, started from the library dsagen ships.

The folder is ready for git: the clause library, templates, rules and playbook to edit, one
example partner, a dsagen.toml that makes every command run inside it use this library, its
registry and its output folder, and a .gitignore for what dsagen writes there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import CONFIG_FILE
from .errors import OutputError
from .library import shipped_root
from .output import write_all

LIBRARY_FOLDERS = ("clauses", "templates", "rules")
LIBRARY_FILES = ("playbook.yaml",)
EXAMPLE_PARTNER = Path("examples") / "partners" / "gravy-uf.yaml"
PROJECT_TOML = """\
# dsagen project settings; paths are relative to this file. Command-line options and the
# DSAGEN_LIBRARY / DSAGEN_REGISTRY environment variables override them.
library = "."                      # the folder holding clauses/, templates/, rules/, playbook.yaml
registry = ".dsagen/registry.db"   # a file path, sqlite:///PATH or postgresql://USER@HOST/DB
output = "out"                     # where `dsagen generate` writes agreements
# organisation = "Your organisation"  # who "we" are in reports (overrides playbook.yaml)
"""
GITIGNORE = """\
# written by dsagen: generated agreements and the local registry
/out/
/.dsagen/
"""


@dataclass(frozen=True)
class InitResult:
    """What `dsagen init` wrote."""

    folder: Path
    files: tuple[Path, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "folder": str(self.folder),
            "files": [str(path.relative_to(self.folder)) for path in self.files],
        }


def project_files(source: Path | None = None) -> dict[Path, bytes]:
    """Relative path -> content of every file a new project starts with."""
    source = source or shipped_root()
    files: dict[Path, bytes] = {}
    for folder in LIBRARY_FOLDERS:
        for path in sorted((source / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[path.relative_to(source)] = path.read_bytes()
    for name in LIBRARY_FILES:
        if (source / name).is_file():
            files[Path(name)] = (source / name).read_bytes()
    example = source / EXAMPLE_PARTNER
    if example.is_file():
        files[Path("partners") / example.name] = example.read_bytes()
    files[Path(CONFIG_FILE)] = PROJECT_TOML.encode()
    files[Path(".gitignore")] = GITIGNORE.encode()
    return files


def init_project(folder: Path, *, force: bool = False, source: Path | None = None) -> InitResult:
    """Write a new project into FOLDER (created if needed). Nothing is written when any file
    exists already, unless FORCE."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: expected a folder for the project, found a file")
    files = project_files(source)
    targets = {relative: folder / relative for relative in files}
    write_all([(target, files[relative]) for relative, target in targets.items()], force=force)
    return InitResult(folder, tuple(targets.values()))
