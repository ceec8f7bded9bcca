"""Chat dialogues: what to ask next. Business rules live in ``bot/services``."""
