"""Every fixed SMS reply, in the catalogs so both languages are first class.

The wording is short on purpose: at three segments a Spanish (UCS-2) reply has
201 characters. The MORE prompt avoids accents ("Responda MAS.") so it never turns
an otherwise GSM-7 page into UCS-2 by itself. The opt-out, opt-in and forget
confirmations reuse the engine's sentences so SMS and chat say the same thing.
"""

from ...platform.i18n import gettext as _


def more_prompt() -> str:
    return _("Reply MORE for the rest.")


def nothing_more() -> str:
    return _("There is nothing more to send. Write MENU to see the topics.")


def help_text(service: str, city: str, privacy_url: str | None = None) -> str:
    """HELP, with the data policy's address when given. That version leaves the city
    out (the service's name carries it) so the Spanish fits three UCS-2 segments
    with an address of up to about 45 characters."""
    if privacy_url:
        return _(
            "%(service)s: answers about police and immigration, with who said it and "
            "when, and free services to call. Write MENU for topics, STOP to unsubscribe, "
            "DELETE MY DATA to erase what we keep. Privacy: %(url)s In danger? Call 911.",
            service=service,
            url=privacy_url,
        )
    return _(
        "%(service)s: answers about police and immigration in %(city)s, with who said "
        "it and when, and free services to call. Write MENU for topics, STOP to "
        "unsubscribe. In danger? Call 911.",
        service=service,
        city=city,
    )


def opted_out(service: str) -> str:
    return _(
        "You're unsubscribed and will get no more messages from %(service)s. "
        "Reply START to subscribe again.",
        service=service,
    )


def opted_in(service: str) -> str:
    return _(
        "You're subscribed to %(service)s again. Write MENU to see the topics. "
        "Reply STOP to unsubscribe.",
        service=service,
    )


def language_switched() -> str:
    return _("OK, I'll answer in English. Escriba ESPAÑOL para cambiar.")


def write_menu() -> str:
    return _("Write MENU to see all topics.")


def forgotten() -> str:
    return _(
        "Done: what this service held about this conversation is deleted, "
        "and the conversation starts over."
    )


def text_only() -> str:
    return _("Sorry, I can only read text. Please write your question in words.")


def empty_message() -> str:
    return _("Please write a message.")


def too_long(limit: int) -> str:
    return _("Please write at most %(limit)d characters.", limit=limit)


def unverified() -> str:
    return _("(unverified)")


def reply_with_number() -> str:
    return _("Reply with a number.")


# The SMS menu (compose.py): the greeting and the topics in at most two segments.
# The Spanish needs no á, í, ó or ú, so the whole text stays GSM-7 (153 characters a
# segment, not 67); é, ñ, ¿ and ¡ are GSM-7.


def sms_greeting(service: str) -> str:
    return _(
        "Hi! I'm %(service)s: what the city and its police said, and when, and "
        "free services to call.",
        service=service,
    )


def sms_not_understood() -> str:
    return _("Sorry, I can't answer that. In danger? Call 911 now.")


def pick_topic(count: int) -> str:
    return _("Reply 1 to %(count)d:", count=count)
