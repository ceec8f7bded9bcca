"""Reports from workers and the public: validation and submission (a report becomes a
submitted hazard), query codes for anonymous reporters and lookups that cannot be farmed
(failed ones limited per user and address, each costing the same), photos (checked as real
images and stripped of metadata), photos fetched from WeChat after the reply, idempotent
uploads, what a reporter may follow of his reports (查询's summary, 我的报告), and a report
that repeats an open one offered to be added to it instead (补充).

Must not import: ``inspections``, ``forms``, ``reminders``, nor any outer layer.

Modules and their public names:

- ``idempotency``: StoredAnswer, IdempotencyKeys, fingerprint
- ``lookups``: QueryLimits, TooManyLookups, QueryGuard
- ``media``: PhotoLimits, add_photo, add_recording, discard_unsubmitted, make_fetch_photo_handler,
  make_fetch_recording_handler
- ``photos``: PhotoRejected, StoredPhoto, scrub_image, store_photo
- ``progress``: Progress, ReportLine, summarize, progress_text, own_reports, reports_of
- ``recordings``: RecordingRejected, StoredRecording, check_recording, store_recording
- ``supplements``: SimilarReport, Supplemented, similar_reports, supplement
- ``reports``: ReportError, ReportDraft, clean_description, parse_contact, new_query_code,
  configure_query_code_key, hash_query_code, is_legacy_hash, query_code_matches, source_for,
  submit_report, lookup_status
"""
