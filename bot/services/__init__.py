"""Every business rule, in domain packages layered bottom to top (docs/architecture.md):

``platform`` ← ``people`` ← ``registry`` ← ``messaging`` ← ``hazards`` ← ``reporting`` |
``inspections`` ← ``forms`` ← ``reminders``. A package imports only packages to its left, and
no package imports an outer layer (chat, handlers, WeChat, API, console, public pages, dev mode,
CLI, scheduler); ``lint-imports`` checks both. Each package's ``__init__`` names its modules and
their public names.
"""
