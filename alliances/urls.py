from django.urls import path

from . import views

app_name = "alliances"

urlpatterns = [
    path(
        "organisations/", views.OrganisationListView.as_view(), name="organisation_list"
    ),
    path(
        "organisations/<slug:slug>/",
        views.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
    path("agreements/", views.AgreementListView.as_view(), name="agreement_list"),
    path(
        "agreements/<slug:slug>/",
        views.AgreementDetailView.as_view(),
        name="agreement_detail",
    ),
    path("countries/", views.CountryListView.as_view(), name="country_list"),
    path("sources/", views.SourceListView.as_view(), name="source_list"),
    # countries/<iso2>/ is composed in config/urls.py: the profile lists
    # exercises and threat entries, which this app may not import.
]
