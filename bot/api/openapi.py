"""The OpenAPI 3 document of ``/api/v1``, served at ``/api/v1/openapi.json``.

Written by hand as data (no generator to keep in step): the tests validate every response the
suite produces against it, and schemathesis throws generated requests at every operation, so
a view that answers something this document does not describe fails the build.
"""

from __future__ import annotations

import copy
from typing import Any

VERSION = "1.1.0"

_S = "#/components/schemas/"
_R = "#/components/responses/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _S + name}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"$ref": _R + f"E{s}"} for s in statuses}


_NULLABLE_STR = {"type": "string", "nullable": True}
# OpenAPI 3.0: a nullable enum must list null among its values.
_LEVEL = {"type": "string", "enum": ["general", "major", None], "nullable": True}
_LIST = {"type": "object", "required": ["items"], "additionalProperties": False}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["code", "message"], "additionalProperties": False,
        "properties": {
            "code": {"type": "string", "description": "Stable machine code, e.g. missing_field."},
            "message": {"type": "string", "description": "Chinese text to show the user."},
            "field": {"type": "string", "description": "The input at fault, when there is one."},
        },
    },
    "Me": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "role", "role_label", "kind", "name", "region_code", "enterprise_id"],
        "properties": {
            "id": {"type": "integer"},
            "role": {"type": "string", "enum": ["public", "worker", "enterprise_manager", "county_officer",
                                               "city_officer", "province_officer", "admin"]},
            "role_label": {"type": "string", "description": "The role's name as chat, console and exports "
                                                              "show it (县级监管人员, 企业安全负责人…)."},
            "kind": {"type": "string", "enum": ["public", "worker", "manager", "officer"]},
            "name": _NULLABLE_STR,
            "region_code": _NULLABLE_STR,
            "enterprise_id": {"type": "integer", "nullable": True},
        },
    },
    "Session": {
        "type": "object", "required": ["token", "expires_in", "user"], "additionalProperties": False,
        "properties": {
            "token": {"type": "string", "description": "Send as `Authorization: Bearer <token>`."},
            "expires_in": {"type": "integer", "description": "Seconds the token stays valid."},
            "user": _ref("Me"),
        },
    },
    "Enterprise": {
        "type": "object", "required": ["id", "name", "region_code", "region_name"],
        "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                       "region_code": {"type": "string"}, "region_name": {"type": "string"}},
    },
    "County": {
        "type": "object", "required": ["code", "name", "city_name"], "additionalProperties": False,
        "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "city_name": _NULLABLE_STR},
    },
    "ReportStatus": {
        "type": "object", "additionalProperties": False,
        "required": ["number", "state", "state_label", "enterprise_name", "reported_at", "anonymous",
                     "level", "level_label", "deadline", "supervising_unit", "unit", "closed_at",
                     "merged_into", "reject_reason"],
        "properties": {
            "number": {"type": "string", "example": "YH202611240001"},
            "state": {"type": "string", "enum": ["submitted", "acknowledged", "rectifying",
                                                 "awaiting_verification", "closed", "rejected", "merged"]},
            "state_label": {"type": "string"},
            "enterprise_name": {"type": "string"},
            "reported_at": {"type": "string", "format": "date-time"},
            "anonymous": {"type": "boolean"},
            "level": _LEVEL,
            "level_label": _NULLABLE_STR,
            "deadline": {"type": "string", "format": "date", "nullable": True},
            "supervising_unit": {**_NULLABLE_STR, "description": "挂牌督办的单位 (major hazards)."},
            "unit": {"type": "string", "description": "The unit in charge, e.g. 小店区应急管理局."},
            "closed_at": {"type": "string", "format": "date-time", "nullable": True},
            "merged_into": {**_NULLABLE_STR, "description": "Merged: the number to follow instead."},
            "reject_reason": {**_NULLABLE_STR, "description": "不予受理: the reason given."},
        },
    },
    "OfficerItem": {
        "type": "object", "additionalProperties": False,
        "required": ["number", "state", "state_label", "enterprise_name", "region_code", "region_name",
                     "source", "level", "possibly_major", "description", "reported_at", "ack_due_at",
                     "deadline", "photo_count"],
        "properties": {
            "number": {"type": "string"}, "state": {"type": "string"}, "state_label": {"type": "string"},
            "enterprise_name": {"type": "string"}, "region_code": {"type": "string"},
            "region_name": {"type": "string"},
            "source": {"type": "string", "enum": ["self_check", "joint_inspection", "cross_inspection",
                                                  "provincial", "public_report", "worker_report"]},
            "level": _LEVEL,
            "possibly_major": {"type": "boolean"}, "description": {"type": "string"},
            "reported_at": {"type": "string", "format": "date-time"},
            "ack_due_at": {"type": "string", "format": "date-time", "nullable": True},
            "deadline": {"type": "string", "format": "date", "nullable": True},
            "photo_count": {"type": "integer"},
        },
    },
    "Outcome": {
        "type": "object", "additionalProperties": False,
        "required": ["number", "state", "state_label", "level", "level_label", "deadline",
                     "supervising_unit"],
        "properties": {
            "number": {"type": "string"}, "state": {"type": "string"}, "state_label": {"type": "string"},
            "level": _LEVEL,
            "level_label": _NULLABLE_STR,
            "deadline": {"type": "string", "format": "date", "nullable": True},
            "supervising_unit": _NULLABLE_STR,
        },
    },
    "Consent": {
        "type": "object", "required": ["template_id", "remaining", "last_answer"],
        "additionalProperties": False,
        "properties": {"template_id": {"type": "string"}, "remaining": {"type": "integer"},
                       "last_answer": {"type": "string", "enum": ["accept", "reject", "ban", "filter"]}},
    },
    "SubscribeTemplate": {
        "type": "object", "required": ["purpose", "template_id"], "additionalProperties": False,
        "description": "A subscribe template to ask this user to allow (wx.requestSubscribeMessage).",
        "properties": {
            "purpose": {"type": "string", "enum": ["progress", "deadline", "new_report"],
                        "description": "progress: his reports' 受理/不予受理/合并/销号 (everyone); "
                                       "deadline: rectification deadlines (managers); "
                                       "new_report: new and unacknowledged reports (officers)."},
            "template_id": {"type": "string"},
        },
    },
    "Action": {
        "type": "object", "required": ["action"],
        "properties": {
            "action": {"type": "string",
                       "enum": ["acknowledge", "reject", "classify", "deadline", "supervise",
                                                  "verify", "send_back", "merge"],
                       "description": "受理, 不予受理, 定级, 限期, 督办, 验收/销号, 退回, 合并."},
            "reason": {"type": "string", "description": "reject, send_back: required."},
            "level": {"type": "string", "enum": ["general", "major"], "description": "classify: required."},
            "basis": {"type": "string", "description": "classify: 判定依据 (optional)."},
            "deadline": {"type": "string", "format": "date", "description": "deadline: required."},
            "into": {"type": "string", "description": "merge: the number to merge into."},
        },
    },
}

# CreatedReport really is ReportStatus + two members: spelled out, since additionalProperties
# on ReportStatus would otherwise refuse them.
SCHEMAS["CreatedReport"] = copy.deepcopy(SCHEMAS["ReportStatus"])
SCHEMAS["CreatedReport"]["properties"]["query_code"] = {
    "type": "string", "nullable": True,
    "description": "Anonymous reports only: shown once, needed to follow the report up.",
}
SCHEMAS["CreatedReport"]["properties"]["photo_count"] = {"type": "integer"}
SCHEMAS["CreatedReport"]["required"] = [*SCHEMAS["ReportStatus"]["required"], "query_code", "photo_count"]

SCHEMAS["Open311Request"] = {
    "type": "object", "additionalProperties": False,
    "required": ["service_request_id", "status", "status_notes", "service_name", "service_code",
                 "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime",
                 "address"],
    "properties": {
        "service_request_id": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": {"type": "string"},
        "service_name": {"type": "string"},
        "service_code": {"type": "string", "enum": ["general", "major"]},
        "agency_responsible": _NULLABLE_STR,
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": {"type": "string", "format": "date-time", "nullable": True},
        "expected_datetime": {"type": "string", "format": "date-time", "nullable": True},
        "address": {"type": "string"},
    },
}
SCHEMAS["Open311Errors"] = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "required": ["code", "description"], "additionalProperties": False,
              "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}},
}

_ERROR_TEXT = {
    400: "Bad input: a missing or malformed field or parameter.",
    401: "No valid token (or an invalid login code).",
    403: "The user's role may not do this.",
    404: "Not found (also: not yours, or wrong query code).",
    405: "Method not allowed.",
    409: "The domain service refused the step (state, jurisdiction).",
    410: "Gone (a revoked QR code).",
    413: "Body or a photo too large.",
    415: "Unsupported media type.",
    422: "Well-formed but refused (bad photo, unknown enterprise, reused idempotency key…).",
    429: "Rate limit reached; see Retry-After.",
    503: "WeChat login, or the evidence store, cannot be reached now; retry later.",
}
RESPONSES = {f"E{s}": _json(_ref("Error"), text) for s, text in _ERROR_TEXT.items()}
RESPONSES["E429"]["headers"] = {"Retry-After": {
    "description": "Seconds until the rate window ends.", "required": True,
    "schema": {"type": "integer", "minimum": 1}}}
RESPONSES["E401"]["headers"] = {"WWW-Authenticate": {
    "description": "Bearer, when the token is missing, invalid or expired.", "schema": {"type": "string"}}}

_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]  # security requirement: scheme → scopes
_COMMON = (400, 405, 413, 415)
_AUTHED = (*_COMMON, 401)


def _list_of(name: str) -> dict[str, Any]:
    return {**_LIST, "properties": {"items": {"type": "array", "items": _ref(name)}}}


def _query(name: str, description: str, *, required: bool = False, schema: dict[str, Any] | None = None
           ) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or {"type": "string"}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_LIMIT = _query("limit", "At most this many items.", schema={"type": "integer", "minimum": 1, "maximum": 100})
_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "The hazard number, e.g. YH202611240001."}

_REPORT_FORM = {
    "type": "object",
    "required": ["description", "anonymous"],
    "properties": {
        "enterprise_id": {"type": "integer", "description": "A registry enterprise (search or QR code)."},
        "enterprise_name": {"type": "string", "maxLength": 100,
                            "description": "Without enterprise_id: the name as the reporter knows it."},
        "region_code": {"type": "string", "description": "Without enterprise_id: the county's code."},
        "description": {"type": "string", "minLength": 5, "maxLength": 1000},
        "anonymous": {"type": "boolean"},
        "reporter_name": {"type": "string", "description": "Named reports: required."},
        "reporter_phone": {"type": "string", "description": "Named reports: required (mainland mobile)."},
        "location_lat": {"type": "number", "minimum": -90, "maximum": 90},
        "location_lng": {"type": "number", "minimum": -180, "maximum": 180},
        "location_label": {"type": "string", "maxLength": 200},
        "possibly_major": {"type": "boolean", "description": "The reporter thinks it may be 重大."},
        "photos": {"type": "array", "maxItems": 9, "items": {"type": "string", "format": "binary"},
                   "description": "Up to 9 JPEG/PNG/WEBP/GIF photos; EXIF and GPS are removed."},
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document.", "tags": ["meta"],
        "responses": {"200": {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                      **_errors(405)},
    }},
    "/api/v1/session": {"post": {
        "operationId": "login", "tags": ["people"],
        "summary": "Log in with the code of wx.login() (jscode2session); returns a short-lived token.",
        "requestBody": _body({"type": "object", "required": ["code"],
                              "properties": {"code": {"type": "string", "maxLength": 128}}}),
        "responses": {"201": _json(_ref("Session"), "Logged in."), **_errors(*_COMMON, 401, 503)},
    }},
    "/api/v1/me": {"get": {
        "operationId": "me", "tags": ["people"], "summary": "The logged-in user and his role.",
        "security": _BEARER,
        "responses": {"200": _json(_ref("Me"), "The user."), **_errors(*_AUTHED)},
    }},
    "/api/v1/me/binding": {"post": {
        "operationId": "bind", "tags": ["people"], "security": _BEARER,
        "summary": "Take an officer's or manager's role with a one-time binding code (as 绑定 in chat).",
        "requestBody": _body({"type": "object", "required": ["code"],
                              "properties": {"code": {"type": "string"}}}),
        "responses": {
            "200": _json({"type": "object", "required": ["user", "scope"], "additionalProperties": False,
                          "properties": {"user": _ref("Me"), "scope": {"type": "string"}}}, "Bound."),
            **_errors(*_AUTHED, 422)},
    }},
    "/api/v1/subscriptions": {
        "get": {
            "operationId": "listSubscriptions", "tags": ["people"], "security": _BEARER,
            "summary": "Subscribe-message consents still available to send, and the templates "
                       "to ask this user to allow (by his role; only those configured).",
            "responses": {"200": _json(
                {**_LIST, "required": ["items", "templates"], "properties": {
                    "items": {"type": "array", "items": _ref("Consent")},
                    "templates": {"type": "array", "maxItems": 3, "items": _ref("SubscribeTemplate"),
                                  "description": "Pass their template_id to "
                                                 "wx.requestSubscribeMessage (at most 3 a call)."}}},
                "Consents and templates to request."), **_errors(*_AUTHED)},
        },
        "post": {
            "operationId": "recordSubscriptions", "tags": ["people"], "security": _BEARER,
            "summary": "Record the result of wx.requestSubscribeMessage (each accept allows one message).",
            "requestBody": _body({"type": "object", "required": ["results"], "properties": {
                "results": {"type": "object", "additionalProperties": {
                    "type": "string", "enum": ["accept", "reject", "ban", "filter"]}}}}),
            "responses": {"200": _json(_list_of("Consent"), "Consents after the answers."),
                          **_errors(*_AUTHED, 422)},
        },
    },
    "/api/v1/qrcodes/{token}": {"get": {
        "operationId": "resolveQRCode", "tags": ["reporting"],
        "summary": "The enterprise behind a scanned poster (scene e:<token> or the bare token); "
                   "an officer's token records his visit.",
        "security": [{}, {"bearer": []}],
        "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {
            "200": _json({"type": "object", "required": ["enterprise"], "additionalProperties": False,
                          "properties": {"enterprise": _ref("Enterprise"),
                                         "visit_recorded_at": {"type": "string", "format": "date-time"}}},
                         "The enterprise."),
            **_errors(*_COMMON, 401, 404, 410)},
    }},
    "/api/v1/enterprises": {"get": {
        "operationId": "searchEnterprises", "tags": ["reporting"], "summary": "Registry search by name.",
        "parameters": [_query("q", "Part of the name.", required=True),
                       _query("limit", "At most (≤ 20).",
                              schema={"type": "integer", "minimum": 1, "maximum": 20})],
        "responses": {"200": _json(_list_of("Enterprise"), "Best matches first."), **_errors(*_COMMON)},
    }},
    "/api/v1/counties": {"get": {
        "operationId": "searchCounties", "tags": ["reporting"],
        "summary": "County-level divisions by name (for an enterprise not in the registry).",
        "parameters": [_query("q", "Part of the name, e.g. 小店.", required=True)],
        "responses": {"200": _json(_list_of("County"), "Matches."), **_errors(*_COMMON)},
    }},
    "/api/v1/reports": {
        "post": {
            "operationId": "createReport", "tags": ["reporting"], "security": _BEARER,
            "summary": "Submit a report with up to 9 photos. A retry with the same Idempotency-Key "
                       "returns the first answer (header Idempotent-Replay: true) and makes no second "
                       "report.",
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,64}$"},
                            "description": "One random value per report (e.g. a UUID)."}],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _REPORT_FORM}}},
            "responses": {"201": {**_json(_ref("CreatedReport"), "Submitted (or the replayed first answer)."),
                                  "headers": {"Idempotent-Replay": {
                                      "description": "true when this is the first upload's answer again.",
                                      "schema": {"type": "string", "enum": ["true"]}}}},
                          **_errors(*_AUTHED, 409, 422, 429, 503)},
        },
        "get": {
            "operationId": "myReports", "tags": ["reporting"], "security": _BEARER,
            "summary": "My named reports, newest first (anonymous ones are followed by number and code).",
            "parameters": [_LIMIT],
            "responses": {"200": _json(_list_of("ReportStatus"), "Reports."), **_errors(*_AUTHED)},
        },
    },
    "/api/v1/reports/{number}": {"get": {
        "operationId": "reportStatus", "tags": ["reporting"], "security": _BEARER,
        "summary": "A report's progress: for its named reporter, or with its query code. Failed "
                   "lookups are limited per user and per address ([queries]); past the limit the "
                   "answer is 429 too_many_lookups with Retry-After. Every failure (missing number, "
                   "another's report, wrong code) is the same 404.",
        "parameters": [_NUMBER, _query("query_code", "The code an anonymous report was given.")],
        "responses": {"200": _json(_ref("ReportStatus"), "Progress."), **_errors(*_AUTHED, 404, 429)},
    }},
    "/api/v1/officer/pending": {"get": {
        "operationId": "officerPending", "tags": ["officers"], "security": _BEARER,
        "summary": "待办: reports awaiting 受理 and rectifications awaiting 验收 in the jurisdiction.",
        "parameters": [_LIMIT],
        "responses": {"200": _json(_list_of("OfficerItem"), "Oldest first."), **_errors(*_AUTHED, 403)},
    }},
    "/api/v1/officer/reports/{number}/actions": {"post": {
        "operationId": "officerAction", "tags": ["officers"], "security": _BEARER,
        "summary": "One lifecycle step, with the chat's rules (lifecycle service).",
        "parameters": [_NUMBER],
        "requestBody": _body(_ref("Action")),
        "responses": {"200": _json(_ref("Outcome"), "The hazard after the step."),
                      **_errors(*_AUTHED, 403, 404, 409)},
    }},
}


_O311_ERR = {"description": "Open311 errors: [{code, description}].",
             "content": {"application/json": {"schema": _ref("Open311Errors")}}}
_O311_LIST = {"type": "array", "items": _ref("Open311Request")}

PATHS.update({
    "/open311/v2/discovery.json": {"get": {
        "operationId": "open311Discovery", "tags": ["open311"], "summary": "GeoReport v2 discovery.",
        "responses": {"200": _json({"type": "object", "required": ["endpoints"]}, "Discovery.")},
    }},
    "/open311/v2/services.json": {"get": {
        "operationId": "open311Services", "tags": ["open311"],
        "summary": "The services: general and major hazards.",
        "responses": {"200": _json({"type": "array", "items": {
            "type": "object", "required": ["service_code", "service_name", "description", "metadata", "type"],
        }}, "Services.")},
    }},
    "/open311/v2/requests.json": {"get": {
        "operationId": "open311Requests", "tags": ["open311"],
        "summary": "Graded reports, public non-identifying fields only (no description, no coordinates, "
                   "no reporter), newest first.",
        "parameters": [_query("start_date", "From this day (default: 90 days before end_date)."),
                       _query("end_date", "Up to this day (default: today)."),
                       _query("status", "open or closed.",
                              schema={"type": "string", "enum": ["open", "closed"]}),
                       _query("service_code", "general, major, or both comma-separated.")],
        "responses": {"200": _json(_O311_LIST, "Requests."), "400": _O311_ERR},
    }},
    "/open311/v2/requests/{number}.json": {"get": {
        "operationId": "open311Request", "tags": ["open311"], "summary": "One public request.",
        "parameters": [_NUMBER],
        "responses": {"200": _json(_O311_LIST, "A list of one request, as GeoReport v2 has it."),
                      "404": _O311_ERR},
    }},
})


def document() -> dict[str, Any]:
    """A fresh copy of the document (callers may not change the module's)."""
    return copy.deepcopy({
        "openapi": "3.0.3",
        "info": {
            "title": "山西冶金工贸安全隐患报告平台 API",
            "version": VERSION,
            "description": (
                "JSON API for the mini-program and other clients, over the same services as the "
                "WeChat chat. Errors are {code, message[, field]}: code is stable, message is "
                "Chinese for the user. Times are Asia/Shanghai ISO 8601."
            ),
        },
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "responses": RESPONSES,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "The token from POST /api/v1/session."}},
        },
    })
