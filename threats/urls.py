from django.urls import path

from . import feeds, views

app_name = "threats"

urlpatterns = [
    path("threats/", views.ThreatEntryListView.as_view(), name="threatentry_list"),
    path("threats/feed/", feeds.ThreatEntryFeed(), name="threatentry_feed"),
    path(
        "threats/<slug:slug>/",
        views.ThreatEntryDetailView.as_view(),
        name="threatentry_detail",
    ),
]
