from django.views.generic import TemplateView


class TimelineView(TemplateView):
    template_name = "timeline.html"
