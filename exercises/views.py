from django.views.generic import DetailView, ListView

from .models import Exercise


class ExerciseListView(ListView):
    model = Exercise
    template_name = "exercises/exercise_list.html"


class ExerciseDetailView(DetailView):
    model = Exercise
    template_name = "exercises/exercise_detail.html"
