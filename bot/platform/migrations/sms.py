"""The SMS channel's tables, as their own sqlite-utils migration set.

Neither table has a column that could hold a phone number or a resident's words:
senders are HMAC digests, and Twilio message ids are stored only as digests too.
"""

from sqlite_utils import Migrations

migrations = Migrations("sms")


@migrations()
def m001_sms_tables(db):
    # One row per sender: the conversation (language, last menu, pages behind MORE)
    # expires after SMS_STATE_MAX_AGE; an opt-out is kept for as long as it stands.
    db["sms_senders"].create(
        {
            "sender": str,  # HMAC-SHA256 of the E.164 number (hex)
            "lang": str,
            "menu": str,  # JSON list of intent ids
            "pending": str,  # JSON list of pages still behind MORE
            "opted_out": int,
            "updated_at": int,  # unix seconds
        },
        pk="sender",
        not_null={"menu", "pending", "opted_out", "updated_at"},
        defaults={"menu": "[]", "pending": "[]", "opted_out": 0},
    )
    db["sms_senders"].create_index(["updated_at"])
    # The reply sent for each message, so a Twilio retry gets it again; kept a day.
    db["sms_replies"].create(
        {
            "message": str,  # HMAC-SHA256 of the MessageSid (hex)
            "reply": str,  # empty when nothing was sent (an opted-out sender)
            "created_at": int,
        },
        pk="message",
        not_null={"reply", "created_at"},
    )
    db["sms_replies"].create_index(["created_at"])


@migrations()
def m002_replies_sender(db):
    # Which sender (their HMAC) each kept reply went to, so BORRAR / DELETE MY DATA
    # deletes the replies kept for Twilio retries too, not only the conversation.
    db["sms_replies"].add_column("sender", str)
    db["sms_replies"].create_index(["sender"])
