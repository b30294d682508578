from django.views.generic import DetailView, ListView

from .models import ThreatEntry


class ThreatEntryListView(ListView):
    model = ThreatEntry
    template_name = "threats/threatentry_list.html"


class ThreatEntryDetailView(DetailView):
    model = ThreatEntry
    template_name = "threats/threatentry_detail.html"
