"""Staff insight pages under /admin: the unanswered questions, learned patterns, counts.

They live on the admin blueprint, so the same sign-in, CSRF check, headers and
Content-Security-Policy (no inline script or style: the chart is SVG shapes styled
from the stylesheet) cover them.
"""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _

from .. import services
from ..platform import audit
from ..platform.bounds import query_int
from ..platform.db import get_db
from ..staff.admin import bp
from . import counts, flush_counts, learned, queue, weeks

DEFAULT_WEEKS, MAX_WEEKS = 12, 104


def topic_labels() -> dict[str, str]:
    """Every intent's name for staff, in the staff language."""
    fixed = {
        "emergency": _("Emergency (call 911)"),
        "human": _("Talk to a person"),
        "greeting": _("Greeting"),
        "help": _("Menu and help"),
        "thanks": _("Thanks and goodbye"),
        "language": _("Change of language"),
        "forget_me": _("Delete my data"),
        "opt_out": _("Unsubscribe (SMS)"),
        "opt_in": _("Subscribe again (SMS)"),
        "out_of_scope": _("Not answered (outside the topics)"),
    }
    if not services.ready():
        return fixed
    out = {}
    for intent_id, intent in services.engine().knowledge.intents.items():
        out[intent_id] = fixed.get(intent_id) or intent.text(g.lang, "label") or intent_id
    return out


def language_names() -> dict[str, str]:
    return {"en": _("English"), "es": _("Spanish")}


def week_label(week: str) -> str:
    monday = weeks.parse(week)
    if monday is None:
        return week
    return _("Week of %(date)s", date=format_date(monday, "medium"))


@bp.app_template_filter("insight_week")
def _week_filter(week: str) -> str:
    return week_label(week)


def _this_week() -> str:
    return weeks.iso_week(weeks.today(current_app.config))


def _filters(source) -> tuple[str, str]:
    week = source.get("week", "")
    lang = source.get("lang", "")
    week = week if weeks.parse(week) else _this_week()
    lang = lang if lang in current_app.config["LANGUAGES"] else ""
    return week, lang


def _queue_page(week: str, lang: str, errors: dict | None = None, typed: dict | None = None,
                status: int = 200):  # fmt: skip
    db = get_db()
    languages = [lang] if lang else list(current_app.config["LANGUAGES"])
    sections = [(code, queue.groups(db, week, code)) for code in languages]
    waiting = queue.week_counts(db)
    week_options = sorted(set(waiting) | {week, _this_week()}, reverse=True)
    engine = services.engine() if services.ready() else None
    choices = learned.learnable(engine.knowledge) if engine else []
    labels = topic_labels()
    return render_template(
        "admin/insight_queue.html", week=week, lang=lang, sections=sections,
        week_options=week_options, waiting=waiting, choices=choices, labels=labels,
        languages=language_names(), errors=errors or {}, typed=typed or {},
        queue_enabled=current_app.config["QUEUE_ENABLED"],
        retention_days=current_app.config["QUEUE_RETENTION_DAYS"],
    ), status  # fmt: skip


@bp.get("/insight")
def insight_queue():
    week, lang = _filters(request.args)
    return _queue_page(week, lang)


def _back(week: str, lang: str):
    return redirect(url_for("admin.insight_queue", week=week, lang=lang or None), 303)


def _posted_group():
    week, lang = _filters(request.form)
    group_lang = request.form.get("group_lang", "")
    key = request.form.get("key", "")
    group = None
    if group_lang in current_app.config["LANGUAGES"] and key:
        group = queue.find(get_db(), week, group_lang, key)
    return week, lang, group


def _gone(week: str, lang: str):
    flash(_("Those questions were already handled by someone else or have expired; the "
            "list below is up to date."), "error")  # fmt: skip
    return _back(week, lang)


@bp.post("/insight/pattern")
def insight_add_pattern():
    week, lang, group = _posted_group()
    if group is None:
        return _gone(week, lang)
    intent_id = request.form.get("intent", "")
    typed = {group.key: {"intent": intent_id, "pattern": request.form.get("pattern", "")}}
    db = get_db()
    engine = services.engine()
    try:
        text = learned.check(request.form.get("pattern", ""), intent_id, group.lang, engine)
        with db.atomic():
            learned.add(db, intent_id=intent_id, lang=group.lang, text=text,
                        actor=g.staff["email"], staff_id=g.staff["id"])  # fmt: skip
            removed = queue.delete(db, group.ids)
    except learned.PatternError as exc:
        return _queue_page(week, lang, errors={group.key: str(exc)}, typed=typed, status=422)
    flash(_("Added. The bot now answers “%(pattern)s” with the topic “%(topic)s”; "
            "%(count)d question(s) left the queue.", pattern=text,
            topic=topic_labels().get(intent_id, intent_id), count=removed), "ok")  # fmt: skip
    return _back(week, lang)


@bp.post("/insight/dismiss")
def insight_dismiss():
    week, lang, group = _posted_group()
    if group is None:
        return _gone(week, lang)
    db = get_db()
    with db.atomic():
        removed = queue.delete(db, group.ids)
        # The text stays out of the audit log: it is kept for good, the questions are not.
        audit.record(db, actor=g.staff["email"], staff_id=g.staff["id"], listing_id=None,
                     action="questions_dismiss", before={"questions": removed,
                     "lang": group.lang, "week": group.week,
                     "closest": group.closest_intent or ""}, after={})  # fmt: skip
    flash(_("Dismissed: %(count)d question(s) left the queue.", count=removed), "ok")
    return _back(week, lang)


@bp.get("/insight/patterns")
def insight_patterns():
    rows = learned.listing(get_db())
    return render_template("admin/insight_patterns.html", rows=rows, labels=topic_labels(),
                           languages=language_names())  # fmt: skip


@bp.post("/insight/patterns/<int:pattern_id>/remove")
def insight_remove_pattern(pattern_id: int):
    db = get_db()
    with db.atomic():
        row = learned.remove(db, pattern_id, actor=g.staff["email"], staff_id=g.staff["id"])
    if row is None:
        flash(_("That pattern was already removed."), "error")
    else:
        flash(_("Removed: the bot no longer learns from “%(pattern)s”.",
                pattern=row["pattern"]), "ok")  # fmt: skip
    return redirect(url_for("admin.insight_patterns"), 303)


def _weeks_param() -> int:
    weeks_asked = query_int("weeks")
    return DEFAULT_WEEKS if weeks_asked is None else min(max(weeks_asked, 1), MAX_WEEKS)


CHART_HEIGHT, BAR_WIDTH, BAR_GAP, WEEK_GAP, LEFT, BOTTOM = 160, 14, 2, 14, 36, 22


def chart(rows: list[dict], week_list: list[str], languages: list[str]) -> dict:
    """Bar geometry for the SVG: per week one bar per language, answered part solid."""
    cells = {(r["week"], r["lang"]): r for r in rows}
    top = max((r["questions"] for r in rows), default=0) or 1
    bars, ticks = [], []
    x = LEFT
    for week in week_list:
        start = x
        for lang in languages:
            cell = cells[(week, lang)]
            total = round(CHART_HEIGHT * cell["questions"] / top)
            answered = round(CHART_HEIGHT * cell["answered"] / top)
            bars.append({
                "x": x, "lang": lang, "week": week, "cell": cell,
                "y_total": CHART_HEIGHT - total, "h_total": total,
                "y_answered": CHART_HEIGHT - answered, "h_answered": answered,
            })  # fmt: skip
            x += BAR_WIDTH + BAR_GAP
        ticks.append({"x": (start + x - BAR_GAP) / 2, "label": week.split("-")[1]})
        x += WEEK_GAP
    return {"bars": bars, "ticks": ticks, "width": x, "height": CHART_HEIGHT + BOTTOM,
            "top": top, "plot": CHART_HEIGHT, "left": LEFT, "bar": BAR_WIDTH}  # fmt: skip


@bp.get("/insight/counts")
def insight_counts():
    count = _weeks_param()
    week_list = weeks.recent(weeks.today(current_app.config), count)
    languages = list(current_app.config["LANGUAGES"])
    flush_counts()  # this worker's own; the others' follow within COUNTS_FLUSH_SECONDS
    db = get_db()
    rows = counts.weekly(db, week_list, languages)
    return render_template(
        "admin/insight_counts.html", rows=rows, intents=counts.by_intent(db, week_list, languages),
        chart=chart(rows, week_list, languages), weeks_shown=count, week_list=week_list,
        languages=languages, language_names=language_names(), labels=topic_labels(),
        retention_days=current_app.config["COUNTS_RETENTION_DAYS"],
    )  # fmt: skip


@bp.get("/insight/counts.csv")
def insight_counts_csv():
    count = _weeks_param()
    week_list = weeks.recent(weeks.today(current_app.config), count)
    flush_counts()
    body = "\ufeff" + counts.to_csv(get_db(), week_list)  # BOM: Excel opens it as UTF-8
    name = f"insight-counts-{week_list[0]}-to-{week_list[-1]}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@bp.context_processor
def audit_labels():
    """How the audit log names staff insight's entries (bot/templates/admin/_audit_table.html)."""
    return {
        "insight_actions": {
            "pattern_add": _("Pattern added"),
            "pattern_remove": _("Pattern removed"),
            "questions_dismiss": _("Unanswered questions dismissed"),
        },
        "insight_fields": {
            "intent": _("Topic"), "lang": _("Language"), "pattern": _("Pattern"),
            "questions": _("Questions"), "week": _("Week"), "closest": _("Closest topic"),
        },
    }  # fmt: skip
