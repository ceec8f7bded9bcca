"""Inspections by the checklist (一行业一清单): the checklist library loaded from
``bot/data/checklists``, the walk through its items (``walks``: every finding is a hazard at
once, graded at once when its checklist item gives the level), the 附件5 检查问题隐患清单 as
.xlsx and PDF, the console's list of inspections, and which enterprises a stage covered
(``coverage``, the SQL pieces the forms count with).

Must not import: ``reporting``, ``forms``, ``reminders``, nor any outer layer.

Modules and their public names:

- ``checklists``: ChecklistError, ItemData, ChecklistData, LoadResult, default_directory,
  read_library, read_checklist_file, load_checklists, applies_to, applicable_items
- ``coverage``: level_split, stage_case, inspection_key, finished_inspections,
  hazard_recorder_region, city_of, one_if
- ``inspection_export``: StoredPhotoRef, ListRow, HazardList, download_urls, find_by_token,
  hazard_list, render_xlsx, render_pdf, wrap_cell
- ``inspection_overview``: InspectionRow, InspectionPage, InspectionFilters, search, rows_for,
  visible, inspection_of_hazard
- ``walks``: InspectionError, Progress, stage_for, open_inspection, offer, start_or_join, join,
  inspector_ids, inspectors, resumable, get, item, results, next_item, previous_item, record_result,
  record_finding, basis_text, clauses, findings, progress, finish, awaiting_grade
"""
