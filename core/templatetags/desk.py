"""The editors' desk on the admin home (templates/admin/index.html)."""

from django import template

from core.desk import my_drafts, review_queue

register = template.Library()


@register.inclusion_tag("admin/atlas/desk.html", takes_context=True)
def editors_desk(context):
    user = context["request"].user
    queue, queue_total = review_queue(user)
    drafts, drafts_total = my_drafts(user)
    return {
        "queue": queue,
        "queue_total": queue_total,
        "drafts": drafts,
        "drafts_total": drafts_total,
    }
