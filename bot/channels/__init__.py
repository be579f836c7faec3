"""The channels: how a resident's message reaches the engine and how its reply is laid
out for the way it came.

Owns the JSON chat API (chat.py, POST /api/chat), the embeddable web chat (widget.py:
/chat, /widget.js, CORS), the SMS channel (sms/: Twilio's signed webhook, opt-out
keywords, texts sized to SMS segments, MORE pages) and the chat API's OpenAPI
description (api_spec/). Each is one blueprint.

May import: bot.platform, bot.engine, bot.directory and bot.services (the running
engine, session codec and listings). No channel imports another, and nothing below
imports a channel. tests/test_layers.py checks it.
"""
