"""Copy the front-end files installed by ``npm ci`` into ``src/ducha/static/vendor/``.

Run from the repository root after ``npm ci``::

    npm ci && python scripts/vendor_assets.py

The pages load these files from the server itself (Django static / whitenoise): nothing is fetched
from the internet at run time.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "ducha" / "static" / "vendor"
FILES = {
    "node_modules/echarts/dist/echarts.min.js": "echarts.min.js",
    "node_modules/echarts/LICENSE": "echarts.LICENSE.txt",
    "node_modules/htmx.org/dist/htmx.min.js": "htmx.min.js",
    "node_modules/htmx.org/LICENSE": "htmx.LICENSE.txt",
}
REQUIRED = {"echarts.min.js", "htmx.min.js"}


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    missing = []
    for source, name in FILES.items():
        path = ROOT / source
        if not path.exists():
            if name in REQUIRED:
                missing.append(source)
            continue
        shutil.copyfile(path, TARGET / name)
        print(f"已复制 {source} → {(TARGET / name).relative_to(ROOT)}")
    if missing:
        print("缺少前端文件（请先在仓库根目录运行 npm ci）：" + "、".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
