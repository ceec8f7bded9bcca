"""Messages to people, whatever they say: the outbox (rows written in the caller's
transaction, delivered by the worker with retry, backoff and a unique key each), the persisted
job queue, the mini-program's subscribe messages and the consents that allow them.

What to tell whom, and when, is decided above (``hazards.notifications``, ``reminders``).

Must not import: ``hazards`` and the packages above it, nor any outer layer.

Modules and their public names:

- ``jobs``: JobRun, RetryLater, enqueue, retry_delay, run_due_jobs
- ``menu_tags``: TagError, UserTagger, menu_tag, watch_roles,
  make_sync_menu_tag_handler
- ``outbox``: DeliveryPolicy, queue_message, deliver_pending
- ``subscribe_messages``: SubscribeConfigError, SubscribeTemplate, SubscribeSettings,
  parse_template, touser, hazard_number, NoHazard, build_data, fit
- ``subscriptions``: ConsentError, record, take_one, consents_of, give_back, forget
"""
