"""The plumbing every domain stands on: time at the edges, the unit of work, leases, row
counts, rate limits, data retention, the ports to the outside world (WeChat, media, QR codes),
where evidence bytes are stored (a directory or an S3-compatible bucket), working days,
Chinese fonts, streamed PDF pages, spreadsheet cells that stay inert (no formula
from anyone's text in any .xlsx or .csv we write), how every .xlsx prints (A4, one page
wide, headers on every page) and the checks an uploaded .xlsx passes before it is parsed.

It knows no domain rule: nothing here decides what happens to a hazard, a report or a form.

Must not import: any other package of ``bot.services``, nor any outer layer.

Modules and their public names:

- ``backup_retention``: PruneResult, finished_backups, to_keep, prune
- ``backups``: BackupError, BackupReport, sha256_file, create, verify, restore
- ``clock``: configure, local_tz, utcnow, local, format_local
- ``database_dumps``: DumpError, DatabaseNotEmpty, backend_of, dump, table_names, restore
- ``dml``: affected_rows
- ``fonts``: load_font
- ``leases``: acquire, release, holder_of
- ``pdfpages``: ImagePdfWriter
- ``ports``: DeliveryError, FetchedMedia, MediaFetchError, Messenger, MediaFetcher, IssuedQRCode,
  QRCodeIssueError, QRCodeIssuer, LoginCodeIssuer, RecipientRefused, SubscribeSender
- ``print_setup``: printable_points, fit_widths, text_lines, line_points, wrapped_height,
  fit_row_heights, setup_page
- ``rate_limits``: Limit, Exceeded, RateLimiter
- ``retention``: RetentionSettings, Rule, pending, run
- ``storage``: StorageError, MediaMissing, InvalidKey, check_key, content_key, MediaStore,
  LocalDirectoryStore
- ``storage_config``: store_from_config
- ``storage_copy``: CopyReport, content_type_of, copy_all
- ``storage_s3``: S3Store
- ``sheets``: is_formula_like, set_value, write_cell, append_row, csv_value, csv_text,
  unescape_csv_text, display_width
- ``unit_of_work``: UnitOfWork
- ``workdays``: is_workday, on_or_before_workday
- ``xlsx_guard``: UnsafeWorkbook, TooManyRows, check_xlsx
"""
