"""Content negotiation where the URL's ``?format=`` wins over ``Accept`` (named
in REST_FRAMEWORK)."""

from rest_framework.negotiation import DefaultContentNegotiation


class FormatFirstNegotiation(DefaultContentNegotiation):
    """``?format=geojson`` (or csv, json) answers in that format whatever the
    ``Accept`` header says: a link someone shares, or a client library that
    always sends ``Accept: application/json``, gets what the URL names. An
    unknown format is a 404, as in DRF; without one, ``Accept`` decides."""

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get(
            self.settings.URL_FORMAT_OVERRIDE
        )
        if wanted is not None:  # "?format=" names no format: 404 too
            chosen = self.filter_renderers(renderers, wanted)[0]
            return chosen, chosen.media_type
        return super().select_renderer(request, renderers, format_suffix)
