from django.contrib.syndication.views import Feed
from django.http import HttpResponse

from .models import Exercise


class ExerciseFeed(Feed):
    title = "Exercises"
    link = "/exercises/"

    def items(self):
        return Exercise.objects.all()[:50]


def exercise_calendar(request):
    return HttpResponse(
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", content_type="text/calendar"
    )
