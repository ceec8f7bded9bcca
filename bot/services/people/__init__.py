"""Who a person is and what he may reach: users found by openid, one-time binding codes,
the officer roles, jurisdictions (a region and everything under it), what each one sees in the
console, mini-program accounts, and the reporter's anonymity (``anonymity.scrub`` keeps his
name, phone and openid out of every text meant for someone else).

Must not import: any domain package but ``platform``, nor any outer layer.

Modules and their public names:

- ``anonymity``: Reported, named_reporter, scrub, scrub_person, scrub_for_enterprise, scrub_details,
  has_personal_details
- ``api_accounts``: login, is_mini_program_user
- ``bindings``: BindingError, Bound, hash_code, normalize_code, issue_code, level_fits, bind,
  end_console_sessions, may_declare_worker, declare_worker, chat_role
- ``console_login``: TooManyPending, LoginCode, ScanResult, TicketState, hash_secret, scene_for,
  is_login_scene, short_browser, begin, confirm_scan, chat_reply, state_of, use
- ``console_scope``: Scope, scope_for
- ``jurisdiction``: jurisdiction_codes, is_within
- ``management``: ManagementError, Person, Handover, managed_roles, actor_label, invite,
  people_of, audit_rows, revoke, unbind_self, move, open_items
- ``roles``: is_officer, role_name
- ``users``: get_or_create_user, note_inbound
"""
