from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .models import Agreement, Country, Organisation


class OrganisationListView(ListView):
    model = Organisation
    template_name = "alliances/organisation_list.html"


class OrganisationDetailView(DetailView):
    model = Organisation
    template_name = "alliances/organisation_detail.html"


class AgreementListView(ListView):
    model = Agreement
    template_name = "alliances/agreement_list.html"


class AgreementDetailView(DetailView):
    model = Agreement
    template_name = "alliances/agreement_detail.html"


class CountryListView(ListView):
    model = Country
    template_name = "alliances/country_list.html"


class CountryDetailView(DetailView):
    model = Country
    template_name = "alliances/country_detail.html"

    def get_object(self, queryset=None):
        return get_object_or_404(Country, iso2=self.kwargs["iso2"].upper())
