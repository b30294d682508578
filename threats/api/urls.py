from rest_framework.routers import SimpleRouter

from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry

from . import views

# Each resource under its model's api_kind (also its kind in /deletions/).
router = SimpleRouter()
router.register(ThreatCategory.api_kind, views.ThreatCategoryViewSet)
router.register(Actor.api_kind, views.ActorViewSet)
router.register(ThreatEntry.api_kind, views.ThreatEntryViewSet)
router.register(Attribution.api_kind, views.AttributionViewSet)

urlpatterns = router.urls
