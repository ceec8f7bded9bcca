"""A hazard from 受理 to 销号: the lifecycle (one service for chat, API and console, every
step an append-only event), the enterprise's 五落实 plan and proof, penalties (行政处罚),
rewards (举报奖励), who is told what at each step, the day's hazard numbers, the console's
hazard search, and every sentence the workflow says.

Must not import: ``reporting``, ``inspections``, ``forms``, ``reminders``, nor any outer layer.

Modules and their public names:

- ``citations``: cited
- ``clause_hints``: Clause, Profile, Suggestion, Bm25Index, chinese_number, clauses, by_code, tokens, suggest,
  profile_of, suggest_for, expand, hint_lines, hints_for_officer
- ``duplicates``: Candidate, Likely, similarity, likely_duplicates, duplicates_of, offered_to, excerpt,
  duplicate_lines
- ``hazard_search``: is_hazard, escape_like, HazardFilters, LedgerEntry, LedgerPage, search, export_rows
- ``lifecycle``: WorkflowSettings, ReporterView, ack_due, notify_new_report, acknowledge, reject, classify,
  classify_finding, set_deadline, supervise, verify, send_back, merge, pending_for, reporter_identity,
  record_penalty
- ``notifications``: officers_at, city_code_of, Jurisdiction, jurisdiction_of, new_report_officers,
  jurisdiction_officers, managers, followers, new_report, acknowledged, rejected, assigned, regraded,
  deadline_set, supervised, plan_submitted, proof_submitted, sent_back, closed, merged_target_closed, merged,
  supplemented, reward_opened, reward_approved
- ``numbers``: next_hazard_number, is_hazard_number
- ``penalties``: PenaltyDraft, money_wan, measures_of, describe, validated, add_penalty,
  total_fines_wan
- ``rectification``: PlanDraft, load_target, check_deadline, officer_limit, submit_plan,
  submit_proof, plan_of
- ``rewards``: RewardSettings, amount_for, is_eligible, open_case, refresh_amount, approve,
  mark_paid
- ``todo``: TodoItem, TodoPage, awaiting, todo_page
- ``workflow_common``: WorkflowError, Party, normalize_number, not_found, find_hazard,
  officer_covers, manager_sees, load_for_step, check_state, record_event, unit_name, clean_text,
  required_text
- ``workflow_texts``: (texts and constants only)
"""
