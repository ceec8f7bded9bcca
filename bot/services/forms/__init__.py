"""The regulators' forms and their figures: campaigns (专项行动) and the reports filed for
them, reporting periods, 附件1's figures by stage, the 2021 Two Sessions table, 附件2 重大事故隐患台账,
附件3/附件4 cross-inspections, the 2022 task list and its monthly progress, the workbooks that
look like the attachments, the signed links that fetch them, and the console's dashboard.

Building a form's rows is one step, rendering the workbook another (``exports``).

Must not import: ``reminders``, nor any outer layer.

Modules and their public names:

- ``campaign_seeds``: seed_campaigns
- ``campaigns``: ReportError, filing_region, active_campaigns, get_report, save_draft, week_label, edit_draft,
  confirm, filing_status, DraftCount, draft_counts, total_of
- ``cross_checks``: cross_campaign, campaign_window, CrossPlanRow, cross_plan_rows, CrossSummaryRow,
  cross_summary_rows
- ``dashboard``: Bar, Dashboard, weekly, major_by_county, overdue_by_enterprise, sources,
  rectification, build
- ``exports``: Sheet, wan, weekly_rows, weekly_data_rows, weekly_sheets, two_sessions_sheet, ledger_body,
  ledger_sheet, write_workbook
- ``exports_tasks``: monthly_body, monthly_sheet, cross_plan_sheet, cross_summary_body,
  cross_summary_sheet
- ``cross_pairs``: inspector_of
- ``figures``: StageFigures, PenaltyFigures, SelfCheckFigures, CrossTarget, WeeklyFigures,
  region_and_codes, found_at_column, enterprise_key, hazard_figures, selfcheck_figures,
  cross_figures, penalty_figures, weekly_figures
- ``major_ledger``: LedgerRow, major_hazard_rows, ledger_rows
- ``penalty_sums``: penalty_sums
- ``periods``: StatsError, Window, local_midnight, parse_week, cutoff_of, nominal_end, shift_week,
  week_key, week_of, filed_end, campaign_windows, period_label, campaign_weeks, campaign_by_key,
  campaign_for_week, current_week
- ``report_files``: weekly_sheets, ledger_sheet
- ``task_lists``: seed_tasks, tasks_of, parse_month, monthly_campaign, ProgressRow,
  monthly_progress, save_progress, campaign_months, default_month, check_month, confirm_progress
- ``two_sessions``: TwoSessionsRow, MajorEnterprise, TwoSessionsTable, two_sessions_table
- ``weekly_tables``: LinkError, LinkTarget, ReportLinks, table_sheets, table_filename
"""
