"""What a web worker carries: the app starts without the libraries only some requests need.

Each of these cost a gunicorn worker several MiB (docs/performance.md, worker RSS): pypinyin's
dictionaries (55 MiB), Alembic, openpyxl, fontTools and qrcode. They are imported
where they are used: a migration command, a workbook download, a poster, a console sign-in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.health import shipped_heads
from tests.conftest import app_config

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("pypinyin", "alembic", "openpyxl", "fontTools", "qrcode", "boto3", "botocore")

PROBE = """
import json, sys
from bot import create_app
create_app(json.loads(sys.argv[1]))
print(json.dumps(sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)))
"""


def test_the_app_starts_without_the_rarely_used_libraries(tmp_path: Path) -> None:
    config = app_config(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "instance")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(config), json.dumps(LAZY)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    assert json.loads(done.stdout.splitlines()[-1]) == []


POSTER = """
import json, sys
from bot.services.registry.posters import PosterData, render_poster_pdf
pdf = render_poster_pdf(PosterData("太原晋钢钢铁有限公司", "91140105MA0K1234X5", "山西省太原市小店区",
                                   "http://weixin.qq.com/q/02kZgfwMTm72WWPkovabbI", "kZgfwM"))
sys.stdout.buffer.write(pdf)
print(json.dumps("fontTools" in sys.modules), file=sys.stderr)
"""


def test_a_pdf_poster_embeds_its_font_without_fonttools_in_the_worker() -> None:
    """fontTools reads and cuts the CJK face in a child process (``font_process``): a worker
    that printed a poster must not carry the ~100 MiB it costs."""
    import pypdfium2 as pdfium

    done = subprocess.run([sys.executable, "-c", POSTER], cwd=ROOT, capture_output=True,
                          timeout=120, check=True)
    assert json.loads(done.stderr.decode().splitlines()[-1]) is False
    doc = pdfium.PdfDocument(done.stdout)
    try:
        page = doc[0]
        assert "太原晋钢钢铁有限公司" in page.get_textpage().get_text_range()
        fonts = [obj for obj in page.get_objects() if obj.type == pdfium.raw.FPDF_PAGEOBJ_TEXT]
        assert fonts, "the poster's text is drawn as text, in the embedded font"
        page.close()
    finally:
        doc.close()


def test_the_readiness_probe_reads_the_same_heads_as_alembic() -> None:
    from alembic.script import ScriptDirectory

    from bot.db import make_engine
    from bot.migrate import alembic_config

    engine = make_engine("sqlite://")
    script = ScriptDirectory.from_config(alembic_config(engine))
    engine.dispose()
    assert shipped_heads() == frozenset(script.get_heads())


def test_a_merge_revision_leaves_one_head(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision = "b"\ndown_revision = "a"\n')
    (tmp_path / "c.py").write_text('revision: str = "c"\ndown_revision = "a"\n')
    assert shipped_heads(tmp_path) == {"b", "c"}
    (tmp_path / "d.py").write_text('revision = "d"\ndown_revision = ("b", "c")\n')
    assert shipped_heads(tmp_path) == {"d"}
