"""/retractions/: every retracted record, newest retraction first."""

from django.core.paginator import Paginator
from django.db.models import CharField, F, Value
from django.views.generic import TemplateView

from core.models import reviewed_models


class RetractionListView(TemplateView):
    """/retractions/: every retracted record, newest retraction first.

    The four kinds are read as one ``UNION ALL``: a page is two queries (the
    count and the rows), whatever the mix.
    """

    template_name = "retractions.html"
    paginate_by = 25

    @staticmethod
    def kinds():
        """The reviewed models, each with the field that names a record."""
        return [(model, model.title_field) for model in reviewed_models()]

    def rows(self):
        parts = [
            model.objects.retracted()
            .order_by()
            .annotate(
                item_kind=Value(model._meta.model_name, output_field=CharField()),
                item_title=F(title),
            )
            .values(
                "item_kind", "slug", "item_title", "retracted_at", "retraction_reason"
            )
            for model, title in self.kinds()
        ]
        first, *rest = parts
        return first.union(*rest, all=True).order_by(
            "-retracted_at", "item_kind", "item_title"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        models = {model._meta.model_name: model for model, _title in self.kinds()}
        page_obj = Paginator(self.rows(), self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        items = []
        for row in page_obj.object_list:
            model = models[row["item_kind"]]
            items.append(
                {
                    "kind": model._meta.verbose_name,
                    "title": row["item_title"],
                    "url": model(slug=row["slug"]).get_absolute_url(),
                    "retracted_at": row["retracted_at"],
                    "reason": row["retraction_reason"],
                }
            )
        context.update(
            items=items,
            page_obj=page_obj,
            paginator=page_obj.paginator,
            is_paginated=page_obj.has_other_pages(),
        )
        return context
