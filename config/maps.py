from django.http import JsonResponse
from django.views import View
from django.views.generic import TemplateView


class MapView(TemplateView):
    template_name = "map.html"


class MapDataView(View):
    def get(self, request):
        return JsonResponse({"type": "FeatureCollection", "features": []})
