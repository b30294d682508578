from django.contrib.syndication.views import Feed

from .models import ThreatEntry


class ThreatEntryFeed(Feed):
    title = "Threat entries"
    link = "/threats/"

    def items(self):
        return ThreatEntry.objects.all()[:50]
