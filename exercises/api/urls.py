from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("exercise-series", views.ExerciseSeriesViewSet)
router.register("exercises", views.ExerciseViewSet)

urlpatterns = router.urls
