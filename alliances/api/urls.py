from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("countries", views.CountryViewSet)
router.register("organisations", views.OrganisationViewSet)
router.register("memberships", views.MembershipViewSet)
router.register("agreements", views.AgreementViewSet)
router.register("sources", views.SourceViewSet)

urlpatterns = router.urls
