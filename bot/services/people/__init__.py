"""Who a person is and what he may reach: users found by openid, one-time binding codes,
the officer roles, jurisdictions (a region and everything under it), what each one sees in the
console, mini-program accounts, and the reporter's anonymity (``anonymity.scrub`` keeps his
name, phone and openid out of every text meant for someone else).

Must not import: any domain package but ``platform``, nor any outer layer.

Modules and their public names:

- ``anonymity``: named_reporter, scrub, scrub_for_enterprise, scrub_details,
  has_personal_details
- ``api_accounts``: login, is_mini_program_user
- ``bindings``: BindingError, Bound, hash_code, normalize_code, issue_code, bind,
  end_console_sessions, may_declare_worker, declare_worker, chat_role
- ``console_scope``: Scope, scope_for
- ``jurisdiction``: jurisdiction_codes, is_within
- ``roles``: is_officer
- ``users``: get_or_create_user
"""
