"""The conversation engine: one message in, one reply out, in the resident's language.

Owns the data loading and its checks (knowledge, training sentences, the SMS length
budget every `sms` answer must fit), text folding and normalisation, language
detection, the intent classifier, the danger net, other places, the matcher that
decides, the turn that builds a reply from intents, statements and listings
(turn.py), and the conversation state a channel carries between turns (sessions).

It never stores what a resident wrote and knows no channel: listings arrive as a
function the caller passes in. May import: bot.platform only (settings, i18n).
tests/test_layers.py checks it.
"""
