"""The enterprises under supervision: finding them from what a person types, the
统一社会信用代码, the supervision ledger (监管台账: its columns, files and all-or-nothing import),
the unguessable QR codes and the A4 posters that carry them, Shanxi's divisions, the
officers' visits recorded when they scan a code, and the enterprises' recorded 自查自改工作方案.

Must not import: ``messaging`` and the packages above it (hazards, reporting, inspections,
forms, reminders), nor any outer layer.

Modules and their public names:

- ``credit_code``: CreditCodeError, normalize_credit_code, credit_check_char, org_check_char,
  validate_credit_code, is_valid_credit_code, make_credit_code
- ``coordinates``: Point, parse_longitude, parse_latitude, parse_system, in_shanxi, to_gcj02,
  distance_km
- ``enterprises``: EnterpriseMatch, normalize, search_enterprises, search_counties, get_enterprise,
  Named, named, region_name, find_by_reference, nearby_enterprises
- ``ledger``: LedgerProblem, ImportResult, import_actor, create_enterprise, update_enterprise,
  import_ledger, ledger_rows, export_ledger
- ``ledger_columns``: CellError, cell_text, clean_text, code_text, parse_name, parse_credit_code,
  parse_industry, parse_scale, parse_flag, parse_count, parse_phone, Column, header_key,
  column_for_header
- ``ledger_io``: LedgerFileError, read_sheets, write_xlsx, write_csv
- ``ledger_regions``: RegionResolver
- ``font_process``: FaceMetrics, FontToolError, read_face, cut_subset, unpack
- ``poster_pdf``: EmbeddedFont, VectorPage, VectorPdfWriter
- ``posters``: PosterError, PosterData, DrawnText, Poster, PlacedText, PosterLayout, px,
  poster_layout, draw_poster, qr_matrix, qr_image_for, wrap, printable, render_poster_png,
  render_poster_pdf, poster_data, export_region_pdf, region_full_name
- ``qrcodes``: NoActiveCode, PrintableCode, ScanTarget, new_token, scene_for, short_id, active_code,
  ensure_code, revoke_and_reissue, resolve_token, resolve_scene, printable_codes
- ``regions``: read_divisions, load_regions
- ``selfcheck_plans``: PlanRecordError, PlanRecord, may_record, clean_title, parse_adopted_on,
  record_plan, plans_of
- ``visits``: record_visit
"""
