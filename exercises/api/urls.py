from rest_framework.routers import SimpleRouter

from exercises.models import Exercise, ExerciseSeries

from . import views

# Each resource under its model's api_kind (also its kind in /deletions/).
router = SimpleRouter()
router.register(ExerciseSeries.api_kind, views.ExerciseSeriesViewSet)
router.register(Exercise.api_kind, views.ExerciseViewSet)

urlpatterns = router.urls
