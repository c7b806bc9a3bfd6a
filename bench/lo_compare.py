"""LibreOffice's document compare, the anchor bench/diff.py and bench/redline.py time dsagen
against. Runs under the system interpreter (python3-uno), one fresh soffice per comparison,
as a user opening the copy and comparing it with the standard would:

    /usr/bin/python3 bench/lo_compare.py SOFFICE STANDARD NEGOTIATED OUT.docx
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"


def compare_command(office: str, standard: Path, negotiated: Path, out: Path) -> list[str]:
    """The command that compares `negotiated` with `standard` and saves the redline."""
    return [
        SYSTEM_PYTHON,
        str(Path(__file__).resolve()),
        office,
        str(standard),
        str(negotiated),
        str(out),
    ]


def _connect(pipe: str, office: subprocess.Popen[bytes]) -> object:
    import uno  # type: ignore[import-not-found]

    context = uno.getComponentContext()
    resolver = context.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", context
    )
    for _ in range(600):
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if office.poll() is not None:
                sys.exit("soffice exited before accepting a connection")
            time.sleep(0.05)
    sys.exit("soffice did not accept a connection")


def _property(name: str, value: object) -> object:
    from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def main() -> None:
    import uno

    office_binary, standard, negotiated, out = sys.argv[1:5]
    profile = tempfile.mkdtemp(prefix="lo-bench-")
    pipe = f"lobench{os.getpid()}"
    office = subprocess.Popen(
        [
            office_binary,
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        context = _connect(pipe, office)
        manager = context.ServiceManager  # type: ignore[attr-defined]
        desktop = manager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        document = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(os.path.abspath(negotiated)),
            "_blank",
            0,
            (_property("Hidden", True),),
        )
        dispatcher = manager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", context)
        frame = document.getCurrentController().getFrame()
        dispatcher.executeDispatch(
            frame,
            ".uno:CompareDocuments",
            "",
            0,
            (
                _property("URL", uno.systemPathToFileUrl(os.path.abspath(standard))),
                _property("NoAcceptDialog", True),
            ),
        )
        redlines = document.getRedlines().createEnumeration()
        count = 0
        while redlines.hasMoreElements():
            redlines.nextElement()
            count += 1
        document.storeToURL(
            uno.systemPathToFileUrl(os.path.abspath(out)),
            (_property("FilterName", "MS Word 2007 XML"),),
        )
        document.close(True)
        print(count)
        try:
            desktop.terminate()
        except Exception:
            pass
        office.wait(timeout=60)
    finally:
        if office.poll() is None:
            office.kill()
            office.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
