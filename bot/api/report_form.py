"""Reading a report upload (multipart form + photos) into a ``ReportDraft``, or a 4xx.

Every field is checked before anything is written; each photo is checked for size, decoded
and re-encoded from its pixels alone by the photo service (EXIF, GPS and device data go), so
what reaches the database and the disk is exactly what the chat would have stored.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy.orm import Session

from bot.api.common import config
from bot.api.errors import ApiError
from bot.models import Enterprise, Region
from bot.services.platform.storage import StorageError
from bot.services.reporting import photos, reports
from bot.services.reporting.photos import PhotoRejected, StoredPhoto

log = logging.getLogger(__name__)

FIELDS = (
    "enterprise_id", "enterprise_name", "region_code", "description", "anonymous",
    "reporter_name", "reporter_phone", "location_lat", "location_lng", "location_label",
    "possibly_major",
)
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


@dataclass
class ReportUpload:
    fields: dict[str, str]
    photo_data: list[bytes]

    @property
    def photo_digests(self) -> list[str]:
        return [hashlib.sha256(data).hexdigest() for data in self.photo_data]


def read_upload() -> ReportUpload:
    """The raw fields and photo bytes; refuses unknown or repeated fields and too many photos."""
    form = request.form  # may raise 413 (RequestEntityTooLarge) for an oversized body
    fields: dict[str, str] = {}
    for name in form:
        if name not in FIELDS:
            label = str(name or "")[:40]  # a garbled part may even have no name at all
            raise ApiError(400, "unknown_field", f"不认识的字段：{label}", field=label or "-")
        values = form.getlist(name)
        if len(values) != 1:
            raise ApiError(400, "invalid_field", f"字段 {name} 只能出现一次。", field=name)
        if "\x00" in values[0]:
            raise ApiError(400, "invalid_characters", f"字段 {name} 含有无效字符。", field=name)
        fields[name] = values[0]
    for name in request.files:
        if name != "photos":
            label = str(name or "")[:40]
            raise ApiError(400, "unknown_field", f"照片须以 photos 字段上传，不认识：{label}",
                           field=label or "-")
    files = request.files.getlist("photos")
    max_photos = int(config("dialogue")["max_photos"])
    if len(files) > max_photos:
        raise ApiError(400, "too_many_photos", f"最多上传 {max_photos} 张照片。", field="photos")
    max_bytes = int(config("media")["max_bytes"])
    data = []
    for i, upload in enumerate(files, start=1):
        blob = upload.stream.read(max_bytes + 1)
        if len(blob) > max_bytes:
            raise ApiError(413, "photo_too_large",
                           f"第 {i} 张照片太大（超过 {max_bytes / (1024 * 1024):g} MB）。", field="photos")
        data.append(blob)
    return ReportUpload(fields, data)


def build_draft(session: Session, upload: ReportUpload) -> reports.ReportDraft:
    """Validate the fields into a draft (photos are added by the caller)."""
    f = upload.fields
    draft = reports.ReportDraft()
    raw_id = f.get("enterprise_id", "").strip()
    if raw_id:
        if not re.fullmatch(r"[0-9]{1,9}", raw_id):  # fits PostgreSQL's integer
            raise ApiError(400, "invalid_field", "enterprise_id 须为企业编号（整数）。",
                           field="enterprise_id")
        enterprise = session.get(Enterprise, int(raw_id))
        if enterprise is None:
            raise ApiError(422, "unknown_enterprise", "所选企业不在登记库中，请重新选择。",
                           field="enterprise_id")
        draft.enterprise_id = enterprise.id
        draft.enterprise_name = enterprise.name
        draft.region_code = enterprise.region_code
    else:
        name = f.get("enterprise_name", "").strip()
        if not name:
            raise ApiError(400, "missing_field", "请选择企业，或填写企业名称和所在县（市、区）。",
                           field="enterprise_name")
        if len(name) > 100:
            raise ApiError(400, "invalid_field", "企业名称太长了（最多 100 字）。", field="enterprise_name")
        code = f.get("region_code", "").strip()
        if not code:
            raise ApiError(400, "missing_field", "请填写企业所在县（市、区）。", field="region_code")
        region = session.get(Region, code) if re.fullmatch(r"[0-9]{6}", code) else None
        if region is None or not region.is_county_level:
            raise ApiError(422, "unknown_region", "所在县（市、区）代码无效。", field="region_code")
        draft.enterprise_name, draft.region_code = name, code
    if "description" not in f or not f["description"].strip():
        raise ApiError(400, "missing_field", "请描述隐患：在哪里、有什么问题。", field="description")
    try:
        draft.description = reports.clean_description(
            f["description"], max_chars=int(config("dialogue")["max_description_chars"]))
    except reports.ReportError as exc:
        raise ApiError(422, "invalid_description", str(exc), field="description") from None
    draft.anonymous = _bool(f, "anonymous", required=True)
    if not draft.anonymous:
        name, phone = f.get("reporter_name", "").strip(), f.get("reporter_phone", "").strip()
        if not name or not phone:
            raise ApiError(400, "missing_field", "实名举报请留下姓名和手机号。",
                           field="reporter_name" if not name else "reporter_phone")
        if len(name) > 20 or len(phone) > 20:
            raise ApiError(422, "invalid_contact", "姓名或手机号太长了。", field="reporter_name")
        try:
            draft.reporter_name, draft.reporter_phone = reports.parse_contact(f"{name} {phone}")
        except reports.ReportError as exc:
            raise ApiError(422, "invalid_contact", str(exc), field="reporter_phone") from None
    elif f.get("reporter_name", "").strip() or f.get("reporter_phone", "").strip():
        raise ApiError(400, "invalid_field", "匿名举报不能填写姓名或手机号。", field="reporter_name")
    draft.location_lat = _coordinate(f, "location_lat", 90)
    draft.location_lng = _coordinate(f, "location_lng", 180)
    if (draft.location_lat is None) != (draft.location_lng is None):
        raise ApiError(400, "invalid_field", "位置须同时包含纬度和经度。", field="location_lat")
    label = f.get("location_label", "").strip()
    if len(label) > 200:
        raise ApiError(400, "invalid_field", "位置说明太长了（最多 200 字）。", field="location_label")
    draft.location_label = label or None
    draft.possibly_major = bool(_bool(f, "possibly_major", required=False))
    return draft


def store_photos(upload: ReportUpload) -> list[StoredPhoto]:
    """Check and scrub every photo (outside any transaction); 422 ``photo_rejected`` names
    the first bad one. Files are content-addressed, so a failed report leaves only harmless
    copies that a later identical photo reuses."""
    media = config("media")
    store = current_app.extensions["media_store"]
    stored = []
    for i, data in enumerate(upload.photo_data, start=1):
        try:
            stored.append(photos.store_photo(data, store, max_bytes=int(media["max_bytes"]),
                                             max_pixels=int(media["max_pixels"])))
        except StorageError as exc:
            log.error("photo %d of an API report not stored: %s", i, exc)
            raise ApiError(503, "storage_unavailable", "照片暂时无法保存，请稍后重试") from None
        except PhotoRejected as exc:
            status = 413 if exc.reason == "too_large" else 422
            raise ApiError(status, "photo_rejected" if status == 422 else "photo_too_large",
                           f"第 {i} 张照片：{exc.message}", field="photos") from None
    return stored


def _bool(f: dict[str, str], name: str, *, required: bool) -> bool | None:
    raw = f.get(name, "").strip().lower()
    if not raw:
        if required:
            raise ApiError(400, "missing_field", "请选择实名还是匿名举报（anonymous）。", field=name)
        return None
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ApiError(400, "invalid_field", f"{name} 须为 true 或 false。", field=name)


def _coordinate(f: dict[str, str], name: str, bound: float) -> float | None:
    raw = f.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise ApiError(400, "invalid_field", f"{name} 须为 -{bound:g} 到 {bound:g} 之间的数字。", field=name)
    return value
