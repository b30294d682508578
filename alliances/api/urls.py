from rest_framework.routers import SimpleRouter

from alliances.models import (
    Agreement,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)

from . import views

# Each resource under its model's api_kind (also its kind in /deletions/).
router = SimpleRouter()
router.register(Country.api_kind, views.CountryViewSet)
router.register(Organisation.api_kind, views.OrganisationViewSet)
router.register(Membership.api_kind, views.MembershipViewSet)
router.register(Agreement.api_kind, views.AgreementViewSet)
router.register(Publisher.api_kind, views.PublisherViewSet)
router.register(Source.api_kind, views.SourceViewSet)

urlpatterns = router.urls
