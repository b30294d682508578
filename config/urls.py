from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Baltic Security Atlas"
admin.site.site_title = "Baltic Security Atlas"
admin.site.index_title = "Editors' desk"

urlpatterns = [
    path("admin/", admin.site.urls),
    # The public pages come with the analysts' site; until then the root leads to the admin.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
