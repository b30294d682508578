from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("threat-categories", views.ThreatCategoryViewSet)
router.register("actors", views.ActorViewSet)
router.register("threats", views.ThreatEntryViewSet)
router.register("attributions", views.AttributionViewSet)

urlpatterns = router.urls
