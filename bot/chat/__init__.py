"""The chat channel's application layer: one inbound WeChat message, one transaction.

``channel.process_message`` deduplicates the message (``inbound_log``: WeChat retries), finds
the user and loads the stored dialogue (``conversations``: one statement reads all three), runs
one step of ``bot.handlers`` and logs the reply, all in one transaction. The steps see the
services only through the ``ChatPort`` (``bot/handlers/core.py``) that ``channel.ChatServices``
implements with ``workflow`` (officers' and managers' commands), ``reports`` (周报) and
``inspections`` (the checklist walk).

It sits between the transport (``bot.wechat``, which imports it) and the dialogue steps and
services (which it imports); ``bot.services`` never imports it.
"""
