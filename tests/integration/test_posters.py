"""Posters: what they print, that their QR codes scan, region exports and ``flask qr``."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from flask import Flask
from PIL import Image, ImageChops
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db import session_factory
from bot.dev.adapters import DevQRCodeIssuer
from bot.models import Enterprise, EnterpriseQRCode
from bot.services.people.jurisdiction import jurisdiction_codes
from bot.services.platform import fonts
from bot.services.platform.pdfpages import ImagePdfWriter
from bot.services.registry.posters import (
    CALL_TO_ACTION,
    DPI,
    HOTLINE,
    TITLE,
    PosterData,
    PosterError,
    draw_poster,
    export_region_pdf,
    poster_data,
    render_poster_pdf,
    render_poster_png,
)
from bot.services.registry.qrcodes import resolve_scene, scene_for
from tests.fakes.wechat_api import FakeWeChatServer
from tests.integration.qr_files import decode_qr, pdf_info, pdf_pages, xref_problems

NOW = datetime(2025, 3, 7, 2, 0, tzinfo=UTC)
TAIYUAN = "140100"
WECHAT_URL = "http://weixin.qq.com/q/02kZgfwMTm72WWPkovabbI"
H5 = DevQRCodeIssuer("http://127.0.0.1:5000")
A4_POINTS = (595.276, 841.89)


def _data(name: str = "太原晋钢钢铁有限公司", url: str = WECHAT_URL) -> PosterData:
    return PosterData(name, "91140105MA0K1234X5", "山西省太原市小店区", url, "kZgfwM")


@pytest.fixture
def session(clean_db: Engine) -> Iterator[Session]:
    with Session(clean_db) as s:
        yield s
        s.rollback()


def _in_jurisdiction(session: Session, region_code: str) -> list[Enterprise]:
    codes = jurisdiction_codes(session, region_code)
    return list(session.scalars(
        select(Enterprise).where(Enterprise.region_code.in_(codes))
        .order_by(Enterprise.region_code, Enterprise.id)
    ))


def _active_url(session: Session, enterprise_id: int) -> str:
    code = session.scalars(select(EnterpriseQRCode).where(
        EnterpriseQRCode.enterprise_id == enterprise_id, EnterpriseQRCode.status == "active"
    )).one()
    return code.wechat_url or f"http://127.0.0.1:5000/q/{code.token}"


# --- one poster ---------------------------------------------------------------------------

def test_the_poster_prints_every_text_and_a_large_centred_qr_code() -> None:
    poster = draw_poster(_data())
    drawn = {line.role: line.text for line in poster.lines}
    assert drawn == {
        "title": TITLE,
        "name": "太原晋钢钢铁有限公司",
        "credit_code": "统一社会信用代码：91140105MA0K1234X5",
        "call_to_action": CALL_TO_ACTION,
        "hotline": HOTLINE,
        "region": "山西省太原市小店区",
        "footer": "码号 kZgfwM · 如二维码作废，以最新张贴为准",
    }
    assert TITLE == "安全隐患扫码报告" and CALL_TO_ACTION == "扫码报告安全隐患 · 可匿名"
    assert HOTLINE == "安全生产举报投诉电话 12350"

    width, height = poster.image.size
    assert (width, height) == (1654, 2339)  # A4 at 200 dpi
    left, top, right, bottom = poster.qr_box
    assert (right - left) / DPI * 2.54 >= 8 and right - left == bottom - top
    assert abs(left - (width - right)) <= 1
    for line in poster.lines:  # inside the page, clear of the QR code
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height
        assert y1 <= top or y0 >= bottom, line


def test_a_long_name_wraps_and_a_huge_one_is_cut() -> None:
    name = "山西省太原市晋钢钢铁集团（控股）有限公司第二冶炼分厂"
    lines = [line for line in draw_poster(_data(name)).lines if line.role == "name"]
    assert "".join(line.text for line in lines) == name and len(lines) == 2
    assert not any(line.text.endswith("（") or line.text.startswith("）") for line in lines)

    huge = [line for line in draw_poster(_data("很长的名字" * 40)).lines if line.role == "name"]
    assert len(huge) == 3 and huge[-1].text.endswith("…")
    assert all(line.box[2] - line.box[0] <= 1654 for line in huge)


def test_no_credit_code_prints_no_empty_line() -> None:
    data = PosterData("某铸造厂", None, "山西省", WECHAT_URL, "abcdef")
    assert "credit_code" not in {line.role for line in draw_poster(data).lines}


@pytest.mark.parametrize("url", [WECHAT_URL, "http://127.0.0.1:5000/q/Xy_3-aBcDeFgHiJkLmNoPq"])
def test_the_png_and_pdf_posters_scan_to_the_exact_url(url: str) -> None:
    png = render_poster_png(_data(url=url))
    image = Image.open(io.BytesIO(png))
    assert image.size == (1654, 2339) and round(image.info["dpi"][0]) == DPI
    assert decode_qr(image) == [url]

    pdf = render_poster_pdf(_data(url=url))
    assert xref_problems(pdf) == []
    count, sizes, meta = pdf_info(pdf)
    assert count == 1 and sizes[0] == pytest.approx(A4_POINTS, abs=0.01)
    assert meta["Title"] == f"{TITLE} - 太原晋钢钢铁有限公司"
    assert [decode_qr(page) for page in pdf_pages(pdf)] == [[url]]


def _page_objects(pdf: Path | bytes) -> list[tuple[set[int], str]]:
    """Each page's kinds of object (text, path, image…) and its extracted text."""
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for index in range(len(doc)):
            page = doc[index]
            pages.append(({obj.type for obj in page.get_objects()}, page.get_textpage().get_text_range()))
            page.close()
        return pages
    finally:
        doc.close()


def test_the_pdf_poster_is_vectors_with_searchable_text_and_looks_like_the_png() -> None:
    name = "山西省太原市晋钢钢铁集团（控股）有限公司第二冶炼分厂"
    pdf = render_poster_pdf(_data(name))
    assert xref_problems(pdf) == []
    ((kinds, text),) = _page_objects(pdf)
    assert pdfium_c.FPDF_PAGEOBJ_IMAGE not in kinds  # no picture of the page: vectors and text
    assert kinds == {pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_TEXT}
    assert name in text.replace("\r\n", "")  # copied or searched as typed, across its line break
    for line in (TITLE, CALL_TO_ACTION, HOTLINE, "统一社会信用代码：91140105MA0K1234X5", "山西省太原市小店区",
                 "码号 kZgfwM · 如二维码作废，以最新张贴为准"):
        assert line in text
    assert pdf.count(b"/FontFile3") == 2 and b"NotoSansCJK" in pdf  # the font travels with the file
    assert len(pdf) < 40 * 1024

    (page,) = pdf_pages(pdf, dpi=DPI)
    assert decode_qr(page) == [WECHAT_URL]
    png = Image.open(io.BytesIO(render_poster_png(_data(name)))).convert("L")
    diff = ImageChops.difference(page.convert("L").resize(png.size), png).histogram()
    assert sum(diff[65:]) / sum(diff) < 0.02  # the same page, but for the edges of anti-aliased text


def test_a_character_the_font_lacks_still_makes_a_poster() -> None:
    pdf = render_poster_pdf(_data("太原🏭铸造厂"))
    ((kinds, text),) = _page_objects(pdf)
    assert pdfium_c.FPDF_PAGEOBJ_IMAGE not in kinds and "铸造厂" in text
    assert [decode_qr(page) for page in pdf_pages(pdf)] == [[WECHAT_URL]]


def test_the_pdf_writer_streams_each_page_as_it_comes() -> None:
    buf = io.BytesIO()
    sizes = []
    palette = Image.new("P", (200, 283), 1)
    palette.putpalette([255, 255, 255, 200, 16, 46])
    pages_in = [Image.new("L", (200, 283), 128), Image.new("RGB", (200, 283), (10, 120, 250)), palette,
                Image.new("RGBA", (200, 283), (0, 0, 0, 255))]
    with ImagePdfWriter(buf, title="测试") as pdf:
        for image in pages_in:
            pdf.add_page(image)
            sizes.append(buf.tell())
    ends = sizes + [len(buf.getvalue())]
    assert all(a < b for a, b in zip(ends, ends[1:], strict=False))  # each page written at once
    assert xref_problems(buf.getvalue()) == []
    pages = list(pdf_pages(buf.getvalue(), dpi=20))
    assert [page.convert("RGB").getpixel((20, 20)) for page in pages] == [
        (128, 128, 128), (10, 120, 250), (200, 16, 46), (0, 0, 0)
    ]
    with pytest.raises(ValueError):
        ImagePdfWriter(io.BytesIO()).close()  # no page: not a PDF


def test_without_a_chinese_font_the_poster_is_still_made(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fonts, "CANDIDATES", {False: ("/nonexistent/a.ttc",), True: ("/nonexistent/b.ttc",)})
    for cached in (fonts._find, fonts._warn_missing):
        cached.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="bot.services.platform.fonts"):
            png = render_poster_png(_data())
        assert "fonts-noto-cjk" in caplog.text
        assert decode_qr(png) == [WECHAT_URL]
        pdf = render_poster_pdf(_data())  # no font file to embed: the page is an image again
        assert pdfium_c.FPDF_PAGEOBJ_IMAGE in _page_objects(pdf)[0][0]
        assert [decode_qr(page) for page in pdf_pages(pdf)] == [[WECHAT_URL]]
    finally:
        for cached in (fonts._find, fonts._warn_missing):
            cached.cache_clear()


# --- posters from the database ------------------------------------------------------------

def test_poster_data_uses_the_enterprise_and_its_active_code(session: Session) -> None:
    enterprise = _in_jurisdiction(session, "140105")[0]
    enterprise.credit_code = "91140105MA0K1234X5"
    session.commit()
    data = poster_data(session, enterprise, H5, NOW)
    code = session.scalars(select(EnterpriseQRCode)).one()
    assert data == PosterData(
        "太原晋钢钢铁有限公司", "91140105MA0K1234X5", "山西省太原市小店区",
        f"http://127.0.0.1:5000/q/{code.token}", code.token[:6],
    )


def test_region_export_has_one_scannable_page_per_enterprise_in_the_jurisdiction(
    app: Flask, fake_wechat: FakeWeChatServer, tmp_path: Path
) -> None:
    issuer = app.extensions["qr_issuer"]
    out = tmp_path / "太原.pdf"
    calls: list[tuple[int, int]] = []
    with session_factory(app)() as session:
        in_region = _in_jurisdiction(session, TAIYUAN)
        expected, names = [e.id for e in in_region], [e.name for e in in_region]
        assert len(expected) >= 3
        pages = export_region_pdf(session, TAIYUAN, out, issuer, now=NOW,
                                  progress=lambda done, total: calls.append((done, total)))
        urls = [_active_url(session, enterprise_id) for enterprise_id in expected]
    assert pages == len(expected)
    assert calls == [(n, len(expected)) for n in range(1, len(expected) + 1)]
    assert xref_problems(out.read_bytes()) == []
    count, sizes, meta = pdf_info(out)
    assert count == len(expected) and all(s == pytest.approx(A4_POINTS, abs=0.01) for s in sizes)
    assert meta["Title"] == f"{TITLE} - 山西省太原市"
    assert [decode_qr(page) for page in pdf_pages(out)] == [[url] for url in urls]
    assert all(url.startswith("http://weixin.qq.com/q/") for url in urls)
    pages_read = _page_objects(out)
    assert all(pdfium_c.FPDF_PAGEOBJ_IMAGE not in kinds for kinds, _text in pages_read)
    page_texts = [text.replace("\r\n", "") for _kinds, text in pages_read]
    assert [name in text for name, text in zip(names, page_texts, strict=True)] == [True] * len(names)
    assert out.read_bytes().count(b"/FontFile3") == 2  # each face embedded once, for all the pages
    creates = [c for c in fake_wechat.calls if c.path == "/cgi-bin/qrcode/create"]
    assert len(creates) == len(expected)

    with session_factory(app)() as session:  # a second export asks WeChat nothing
        export_region_pdf(session, TAIYUAN, tmp_path / "again.pdf", issuer, now=NOW)
    assert len([c for c in fake_wechat.calls if c.path == "/cgi-bin/qrcode/create"]) == len(expected)
    assert [c.path for c in fake_wechat.calls if c.path != "/cgi-bin/token"] == [
        "/cgi-bin/qrcode/create"
    ] * len(expected)


def test_a_failed_export_leaves_no_file(app: Flask, fake_wechat: FakeWeChatServer, tmp_path: Path) -> None:
    fake_wechat.set_down()
    out = tmp_path / "太原.pdf"
    with session_factory(app)() as session, pytest.raises(Exception, match="qrcode/create"):
        export_region_pdf(session, TAIYUAN, out, app.extensions["qr_issuer"], now=NOW)
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_an_unknown_or_empty_region(session: Session, tmp_path: Path) -> None:
    with pytest.raises(PosterError, match="没有行政区划代码"):
        export_region_pdf(session, "999999", tmp_path / "x.pdf", H5, now=NOW)
    session.execute(Enterprise.__table__.delete().where(Enterprise.region_code == "140105"))
    session.commit()
    with pytest.raises(PosterError, match="没有企业"):
        export_region_pdf(session, "140105", tmp_path / "x.pdf", H5, now=NOW)
    assert list(tmp_path.iterdir()) == []


# --- flask qr -----------------------------------------------------------------------------

def test_cli_export_writes_a_page_per_enterprise_that_all_scan(app: Flask, tmp_path: Path) -> None:
    out = tmp_path / "taiyuan.pdf"
    result = app.test_cli_runner().invoke(args=["qr", "export", "--region", TAIYUAN, str(out)])
    assert result.exit_code == 0, result.output
    with session_factory(app)() as session:
        expected = _in_jurisdiction(session, TAIYUAN)
        urls = [_active_url(session, e.id) for e in expected]
    assert f"已导出{len(expected)}张海报" in result.output
    assert pdf_info(out)[0] == len(expected)
    assert [decode_qr(page) for page in pdf_pages(out)] == [[url] for url in urls]

    bad = app.test_cli_runner().invoke(args=["qr", "export", "--region", "999999", str(tmp_path / "b.pdf")])
    assert bad.exit_code != 0 and "没有行政区划代码" in bad.output


def test_cli_poster_and_revoke(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    with session_factory(app)() as session:
        enterprise_id = _in_jurisdiction(session, "140105")[0].id
    png, pdf = tmp_path / "p.png", tmp_path / "p.pdf"
    for out in (png, pdf):
        result = runner.invoke(args=["qr", "poster", "--enterprise", str(enterprise_id), str(out)])
        assert result.exit_code == 0, result.output
    with session_factory(app)() as session:
        old = session.scalars(select(EnterpriseQRCode)).one()
        assert old.wechat_url is not None
        old_scene, old_url = scene_for(old), old.wechat_url
    assert decode_qr(png.read_bytes()) == [old_url]
    assert [decode_qr(page) for page in pdf_pages(pdf)] == [[old_url]]

    result = runner.invoke(args=["qr", "revoke", "--enterprise", str(enterprise_id)])
    assert result.exit_code == 0, result.output
    with session_factory(app)() as session:
        target = resolve_scene(session, old_scene)
        assert target is not None and target.revoked
        new = session.scalars(select(EnterpriseQRCode).where(EnterpriseQRCode.status == "active")).one()
        assert f"新码号 {new.token[:6]}" in result.output

    for args in (
        ["qr", "poster", "--enterprise", "999999", str(png)],
        ["qr", "revoke", "--enterprise", "999999"],
        ["qr", "poster", "--enterprise", str(enterprise_id), str(tmp_path / "p.jpg")],
    ):
        assert runner.invoke(args=args).exit_code != 0
