"""The scheduler's sweeps: reminders and escalations as outbox rows (docs/design.md §5).

Each sweep is a plain service function taking ``now``: the scheduler (``scheduler/``) calls
it on a timetable, tests call it with any clock. A sweep reads an indexed query (hazards due
by a date, reports past their acknowledgement time) — never one job per hazard — and queues
one outbox row per person under a unique key naming the hazard or period, the kind and the
local day, so running a sweep again (a retry, a restart, a second scheduler, a catch-up
after downtime) never sends anything twice. Sweeps never commit: the caller does.

Timing rules (local time, ``app.timezone``):

- Rectification deadlines (hazards ``rectifying`` with a deadline): the enterprise's managers
  are nudged 3 days and 1 day before, on the day, then every day while overdue, from
  ``daily_at`` on. Overdue ``overdue_county_days`` days: the county officers are told, once
  per deadline; ``overdue_city_days``: the city officers.
- Acknowledgement: a report still ``submitted`` at its ``ack_due_at`` is sent again to the
  officers it went to; ``ack_escalate_hours`` later, to the city officers.
- Weekly (``weekly_day`` at ``weekly_at``): every county and city officer whose region reports
  for a running weekly campaign (``Campaign``) gets the 周调度统计表 reminder with the draft
  figures of ``bot.services.forms.figures``, due at ``weekly_overdue_at``, unless his region already
  confirmed the week's table; each campaign's line carries the signed download link of his
  region's table (``weekly_tables.ReportLinks``, the same link as the chat's “周报”), and the
  note ends with how to file it (“周报 确认”); at ``weekly_overdue_at`` those whose region has still not
  confirmed it (``WeeklyReport.confirmed_at``) get an overdue note.
- Monthly (day ``monthly_day``, the last day of a shorter month): campaign progress reminder
  to officers. Quarterly (day ``inspection_day`` of January, April, July, October; every month
  for metal smelting enterprises): the principals' inspection reminder to managers.
- With ``holiday_shift``, a reminder whose day is a holiday or weekend goes out on the working
  day before; the daily overdue nudge and the escalations simply wait for a working day.
- A period reminder missed while the scheduler was down is still sent (once) within
  ``catchup_hours`` (the weekly one only within its week); a missed deadline nudge is caught
  up once, unless a later nudge point has come meanwhile (that one is sent instead).

The top of the domain: nothing in ``bot.services`` imports it; the scheduler calls
``sweeps``.

Modules and their public names:

- ``common``: at_local, effective_day, sending_day, in_catchup_window, month_day, months_around,
  notify, already_queued, Officers, officers_with_roles
- ``deadlines``: sweep_deadlines, sweep_acknowledgements
- ``periodic``: overdue_count, sweep_weekly, sweep_weekly_overdue, sweep_monthly, sweep_inspections
- ``settings``: parse_hhmm, ReminderSettings
- ``sweeps``: run_all
- ``texts``: (texts and constants only)
"""
