"""/search/?q=: one search across organisations, agreements, exercises, threat
entries and countries.

Each kind is one query (``ranked_search``): full-text matches, ranked, with
highlighted headlines; when a kind has no match at all, the records whose titles
hold a word spelled close to one of the query's (core/searchwords.py) stand in for
them, ordered by trigram word similarity, and when no kind has a match the page
offers a corrected query ("Did you mean ...?").
Five queries per search, however many records there are. Organisations,
agreements, exercises and threat entries are searched among the published ones
only, so neither a result, a count nor a suggested spelling comes from a draft
or a retracted record.
"""

import re

from django import forms
from django.apps import apps
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from alliances.models import Country, Organisation
from core.publication import visible
from core.search import (
    MARK_START,
    MARK_STOP,
    MAX_SEARCH_LENGTH,
    SearchText,
    searches_to_precompile,
    strip_accents,
)
from core.searchcompiled import PrecompiledSearch

RESULTS_PER_KIND = 10
SUGGESTION_MIN_SIMILARITY = 0.3
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_STOP}", re.DOTALL)
_SENTINELS = re.compile(f"[{MARK_START}{MARK_STOP}]")
# The search page's queries, compiled once per shape of query in each process.
PRECOMPILED = PrecompiledSearch()


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        max_length=MAX_SEARCH_LENGTH,
        required=False,
        help_text=_(
            "Names, places, words in any form, in English or Lithuanian; "
            'accents optional. Use "quotes" for a phrase and -word to leave a '
            "word out."
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class Kind:
    """One kind of record on the search page: a model that declares its
    ``search_kind`` (core.search.SearchKind)."""

    def __init__(self, model):
        declared = model.search_kind
        self.key = declared.key
        self.label = declared.label
        self.model = model
        self.list_url = declared.list_url
        self.start = declared.start
        self.end = declared.end
        self.position = declared.position
        self.title_fields = model.objects.all().search_title_fields
        self.body_field = model.objects.all().search_body_field
        self.candidates = model.objects.all().search_candidates
        self.singular = model._meta.verbose_name

    def queryset(self, text):
        # Reviewed records: the published ones only (publication rule).
        records = visible(self.model.objects.all(), None)
        return records.for_search().ranked_search(text)[:RESULTS_PER_KIND]

    def _compiled_key(self):
        queryset = self.model.objects.all()
        # What the SQL depends on besides the query: the bounds it is written with.
        return (
            self.key,
            queryset.search_candidates,
            queryset.search_window,
            queryset.search_span,
        )

    def results(self, search):
        """The ranked rows of ``search`` (a SearchText): ``queryset``'s, from
        SQL compiled once per shape of query."""
        return PRECOMPILED.results(self._compiled_key(), search, self.queryset)

    def precompile(self, search):
        PRECOMPILED.compiled(self._compiled_key(), search, self.queryset)


def kinds():
    """The searched models, in the order their groups come when they rank alike."""
    found = [
        Kind(model) for model in apps.get_models() if hasattr(model, "search_kind")
    ]
    return sorted(found, key=lambda kind: kind.position)


def precompile_searches():
    """Compile the SQL of the usual searches (one to three words) now: the
    WSGI module does it before gunicorn forks, so no worker spends its first
    search of each shape compiling (about 50 ms of CPU, paid by each worker
    again)."""
    for search in searches_to_precompile():
        for kind in kinds():
            kind.precompile(search)


def highlight(marked, original=None):
    """Escape a ts_headline() result, then turn its marks into <mark> elements.

    ``original``: the full text the headline was made from; used instead when
    the headline marks nothing or differs from it (ts_headline drops anything
    that looks like an HTML tag).
    """
    marked = marked or ""
    plain = _SENTINELS.sub("", marked)
    if original is not None and (MARK_START not in marked or plain != original):
        return escape(original)
    html = _MARKED.sub(
        lambda match: f"<mark>{match.group(1)}</mark>", str(escape(marked))
    )
    return mark_safe(_SENTINELS.sub("", html))  # noqa: S308 - escaped above


def _best_headline(obj, part):
    """The English headline unless only the Lithuanian stemming marked a word."""
    english = getattr(obj, f"headline_{part}_english", "") or ""
    lithuanian = getattr(obj, f"headline_{part}_lithuanian", "") or ""
    if MARK_START not in english and MARK_START in lithuanian:
        return lithuanian
    return english


def _with_ellipses(snippet, marked, text):
    """Show where a headline was cut out of a longer text."""
    plain = " ".join(_SENTINELS.sub("", marked or "").split())
    text = " ".join((text or "").split())
    if not plain or plain == text:
        return snippet
    before = "" if text.startswith(plain[:30]) else "… "
    after = "" if text.endswith(plain[-30:]) else " …"
    return format_html("{}{}{}", before, snippet, after)


class Result:
    def __init__(self, kind, obj, words):
        self.kind = kind
        self.object = obj
        self.url = obj.get_absolute_url()
        self.title = highlight(
            _best_headline(obj, "title"), str(getattr(obj, kind.title_fields[0]))
        )
        body = _best_headline(obj, "body")
        self.snippet = _with_ellipses(
            highlight(body), body, getattr(obj, kind.body_field or "", "")
        )
        # One more fact to tell similar titles apart.
        self.detail = obj.search_detail()
        if isinstance(obj, Organisation) and obj.acronym and obj.acronym != obj.name:
            acronym = obj.acronym
            if strip_accents(acronym).lower() in words:
                acronym = format_html("<mark>{}</mark>", acronym)
            self.title = format_html("{} ({})", self.title, acronym)
        if isinstance(obj, Country):
            self.snippet = (
                format_html(
                    _("In Lithuanian: {}"),
                    format_html('<span lang="lt">{}</span>', self.snippet),
                )
                if obj.name_lt
                else ""
            )


class Group:
    """The results of one kind: real matches, or close spellings when none."""

    def __init__(self, kind, rows, text):
        self.kind = kind
        self.exact = bool(rows) and rows[0].search_hit
        rows = [row for row in rows if row.search_hit == self.exact]
        count = (
            (rows[0].search_hits if self.exact else rows[0].search_total) if rows else 0
        )
        # Matches are counted among the ranked candidates only (a bounded
        # count): beyond them the group says "N+" and "more than".
        self.more = count > kind.candidates
        self.count = min(count, kind.candidates)
        words = {strip_accents(word).lower() for word in text.split()}
        self.results = [Result(kind, row, words) for row in rows[: kind.candidates]]
        self.rank = (rows[0].search_exact, rows[0].search_rank) if rows else (0, 0)
        self.more_url = (
            f"{reverse(kind.list_url)}?{urlencode({'q': text})}"
            if self.exact and (self.more or self.count > len(self.results))
            else ""
        )


def _trigrams(word):
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def trigram_similarity(first, second):
    """pg_trgm's similarity() of two words, in Python."""
    a, b = _trigrams(first), _trigrams(second)
    return len(a & b) / len(a | b) if a | b else 0.0


def suggest(words, titles):
    """The query with each unknown word replaced by the closest word of the
    ``titles`` found by similarity; None when nothing would change."""
    vocabulary = {}
    for title in titles:
        for token in re.findall(r"\w+", title):
            if len(token) > 2 and not token.isdigit():
                vocabulary.setdefault(strip_accents(token).lower(), token)
    corrected, changed = [], False
    for word in words:
        folded = strip_accents(word).lower()
        if folded in vocabulary or not vocabulary:
            corrected.append(word)
            continue
        best = max(
            vocabulary,
            key=lambda token: (
                trigram_similarity(folded, token),
                -abs(len(token) - len(folded)),
            ),
        )
        if trigram_similarity(folded, best) >= SUGGESTION_MIN_SIMILARITY:
            corrected.append(vocabulary[best])
            changed = True
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else None


class SearchView(TemplateView):
    template_name = "search/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = SearchForm(self.request.GET or None)
        context["form"] = form
        context["query"] = ""
        if not form.is_bound or not form.is_valid():
            return context
        search = SearchText(form.cleaned_data["q"], once=True)
        if not search:
            return context
        groups = [Group(kind, kind.results(search), search.text) for kind in kinds()]
        exact = [group for group in groups if group.exact]
        # Kinds with matches first, the one with the best match on top.
        exact.sort(key=lambda group: group.rank, reverse=True)
        similar = [group for group in groups if group.results and not group.exact]
        context.update(
            query=search.text,
            groups=exact + similar,
            exact_count=sum(group.count for group in exact),
            exact_more=any(group.more for group in exact),
        )
        if not exact:
            titles = [
                str(getattr(result.object, field))
                for group in similar
                for result in group.results
                for field in group.kind.title_fields
            ]
            suggestion = suggest(search.words, titles)
            if suggestion:
                context["suggestion"] = suggestion
                context["suggestion_url"] = (
                    f"{reverse('search')}?{urlencode({'q': suggestion})}"
                )
        return context
