"""WeChat: the inbound endpoint (``views``), the wire protocol, and the outbound adapters."""
