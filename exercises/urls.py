from django.urls import path

from . import feeds, views

app_name = "exercises"

urlpatterns = [
    path("exercises/", views.ExerciseListView.as_view(), name="exercise_list"),
    path("exercises/feed/", feeds.ExerciseFeed(), name="exercise_feed"),
    path("exercises.ics", feeds.exercise_calendar, name="exercise_calendar"),
    path(
        "exercises/<slug:slug>/",
        views.ExerciseDetailView.as_view(),
        name="exercise_detail",
    ),
]
