"""Identifiers in free text: Microsoft Presidio's analyzer with Canadian and migrant-worker
recognizers, and names (roster, employers) matched in any script.

Presidio runs its pattern recognizers (e-mail, URL, phone, credit card, IP) over a
blank English spaCy pipeline made at run time, so no language model is downloaded;
its e-mail and URL checks use ``tldextract``, pointed here at the public-suffix
snapshot bundled with it, so nothing reaches the network. Added recognizers:
Social Insurance Numbers, IRCC work-permit numbers and Unique Client Identifiers
(UCI), passport numbers, Canadian postal codes and street addresses, dates of birth,
messaging handles (``t.me/``, ``fb.me/``, ``wa.me/``, ``@handle``), phones written
with any dash, e-mail addresses written to dodge filters ("ana at mail dot com"), and
businesses' names (capitalized words ending in a legal form or a trade, "... Farms Ltd.",
or after one in French, "Fermes ..."), so that an employer not in any list is caught, and
people's names after a title ("Mr. Singh", "Mme Tremblay", "don Pedro").

Names are matched on Unicode-aware tokens (letters with their combining marks, so
Gurmukhi or Devanagari words are not split at vowel signs), accents folded, each
part on its own so that any name order is caught; names in scripts written without
spaces (Han, Japanese, Thai) are matched as substrings.
"""

from __future__ import annotations

import functools
import re
import tempfile
import unicodedata
from pathlib import Path

#: entity -> the tag that replaces it in scrubbed text
TAGS = {"EMAIL_ADDRESS": "[EMAIL]", "URL": "[URL]", "PHONE_NUMBER": "[PHONE]",
        "CA_SIN": "[SIN]", "CA_WORK_PERMIT": "[ID]", "CA_UCI": "[ID]", "PASSPORT": "[ID]",
        "CA_POSTAL_CODE": "[ADDRESS]", "STREET_ADDRESS": "[ADDRESS]",
        "DATE_OF_BIRTH": "[DATE]", "HANDLE": "[HANDLE]", "EMAIL_OBFUSCATED": "[EMAIL]",
        "PERSON": "[NAME]", "ORGANIZATION": "[EMPLOYER]", "EMPLOYER": "[EMPLOYER]",
        "CREDIT_CARD": "[ID]", "TITLED_NAME": "[NAME]",
        "IP_ADDRESS": "[ID]", "IBAN_CODE": "[ID]"}

DASH = r"[-\u2010\u2011\u2012\u2013\u2014\u2212.\s]"
MONTHS = (r"(?:jan(?:uary|vier)?|feb(?:ruary)?|f[ée]v(?:rier)?|mar(?:ch|s)?|apr(?:il)?|avr(?:il)?"
          r"|may|mai|june?|juin|july?|juil(?:let)?|aug(?:ust)?|ao[uû]t|sep(?:t(?:ember)?)?"
          r"|sept(?:embre)?|oct(?:ober|obre)?|nov(?:ember|embre)?|dec(?:ember)?|d[ée]c(?:embre)?)")
STREET = (r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|way|crescent|cres|lane|ln"
          r"|place|pl|court|ct|highway|hwy|terrace|trail|rue|chemin|ch|boul|route|rang)")

#: words that end a business's name (legal forms, and the trades migrant workers are hired in)
BUSINESS = (r"(?:ltd|limited|inc|incorporated|corp|corporation|llc|llp|ulc|lt[ée]e|enr|co|company"
            r"|partnership|enterprises?|farms?|orchards?|nurser(?:y|ies)|greenhouses?"
            r"|ranch(?:es)?|vineyards?|winery|packers|packing|growers|produce|berries|dairy"
            r"|poultry|fisheries|seafoods?|restaurants?|holdings|contracting|constructors?"
            r"|construction|landscaping|trucking|transport|foods|manufacturing|bakery|cafe"
            r"|pizza|sushi|kitchen|grill|pub|inn|hotel|motel|salon|spa|market"
            r"|maintenance|productions?|technologies|society|academy)")
#: a word of a business's name: capitalized, a number, an ampersand, "(2000)", "B.C."
_NAME_WORD = r"(?:[A-Z0-9][\w'’.&()-]*|&|and|of|the|\([\w .'-]{1,20}\))"

#: (entity, regex, score): the recognizers Presidio does not have
PATTERNS = [
    ("CA_SIN", rf"(?<![\w+])\d{{3}}{DASH}?\d{{3}}{DASH}?\d{{3}}(?![\w-])", 0.6),
    # IRCC work permits: a letter and 7 to 9 digits (U1234567, U123456789, W123456789)
    ("CA_WORK_PERMIT", r"(?<!\w)[A-Za-z]{1,2}\d{7,9}(?!\w)", 0.7),
    # UCI: 8 or 10 digits, often grouped 1234-5678 or 12-3456-7890
    ("CA_UCI", rf"(?<![\w-])(?!(?:19|20)\d\d{DASH}(?:19|20)?\d\d(?!\d))(?:\d{{4}}{DASH}\d{{4}}|\d{{2}}{DASH}\d{{4}}{DASH}\d{{4}}|\d{{8}}|\d{{10}})"
               r"(?![\w-])", 0.6),
    ("PASSPORT", r"(?<!\w)(?:[A-Za-z]{2}\d{6,7}|[A-Za-z]\d{8}|[A-Za-z]{1,2}\s?\d{6,8})(?!\w)", 0.6),
    ("CA_POSTAL_CODE", r"(?<!\w)[ABCEGHJ-NPRSTVXYabceghj-nprstvxy]\d[A-Za-z][ -]?\d[A-Za-z]\d(?!\w)",
     0.8),
    ("STREET_ADDRESS", rf"(?i)(?<!\w)\d{{1,6}}[A-Za-z]?(?:[- ]\d+)?,?\s+(?:[\w'.-]+\s+){{0,4}}{STREET}"
                       r"\.?(?!\w)", 0.7),
    # French order: number, street type, then the name's capitalized words
    ("STREET_ADDRESS", r"(?<!\w)\d{1,6},?\s+(?i:rue|chemin|boul(?:evard)?|avenue|av|route|rang"
                       r"|place|mont[ée]e|c[ôo]te)\s+(?:(?i:de|du|des|de la|d')\s*)?"
                       r"[A-ZÀ-Ý0-9][\w'.-]*(?:\s+[A-ZÀ-Ý][\w'.-]*){0,2}", 0.75),
    # a full date in a birth year (1930-2009); later dates are the program's own events
    ("DATE_OF_BIRTH", r"(?<!\d)(?:19[3-9]\d|200\d)[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
                      r"(?!\d)", 0.6),
    ("DATE_OF_BIRTH", r"(?<!\d)(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19[3-9]\d|200\d|[3-9]\d|0\d)"
                      r"(?!\d)", 0.6),
    ("DATE_OF_BIRTH", rf"(?i)(?<!\w){MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19[3-9]\d|200\d)(?!\d)",
     0.6),
    ("DATE_OF_BIRTH", rf"(?i)(?<!\w)\d{{1,2}}(?:er|st|nd|rd|th)?\s+{MONTHS}\.?,?\s+(?:19[3-9]\d|200\d)"
                      r"(?!\d)", 0.6),
    ("HANDLE", r"(?i)(?<![\w.])(?:https?://)?(?:www\.)?(?:t\.me|fb\.me|wa\.me|m\.me|telegram\.me"
               r"|instagram\.com|facebook\.com|tiktok\.com|x\.com|twitter\.com)/[\w.+-]+", 0.8),
    ("HANDLE", r"(?<![\w@.])@[A-Za-z_][\w.]{2,29}(?![\w@])", 0.6),
    ("PHONE_NUMBER", rf"(?<![\w+])(?:\+?\d{{1,3}}{DASH}?)?\(?\d{{3}}\)?{DASH}?\d{{3}}{DASH}\d{{4}}"
                     r"(?!\w)", 0.7),
    # a business's name: capitalized words ending in a legal form or a trade
    # ("Fraser Valley Berry Farms Ltd.", "538439 BC Ltd.", "SIDHU ORCHARDS INC")
    # and what it does business as ("... Ltd. o/a Cafe Name", "... (dba Name)")
    ("EMPLOYER", rf"(?<![\w'])[A-Z0-9][\w'’.&-]*(?:\s+{_NAME_WORD}){{0,6}},?\s+(?i:{BUSINESS})"
                 r"(?:,?\s+(?i:ltd|limited|inc|corp|lt[ée]e|llc|ulc|co|partnership)\b)?\.?"
                 r"(?:\s*\(?(?i:dba|o/a)\s+[\w'’&-]+(?:\s+[A-Z0-9&][\w'’&.-]*){0,5}\)?)?(?!\w)",
     0.6),
    # a legal form ends a name whatever the case of the words before it ("amar orchards
    # ltd."); a sentence's own words may go with it, which only scrubs more
    ("EMPLOYER", r"(?<![\w'])[\w'’.&()-]+(?:\s+[\w'’.&()-]+){0,3},?\s+"
                 r"(?i:ltd|limited|inc|incorporated|corp|corporation|llc|ulc|lt[ée]e|gmbh)\b\.?",
     0.6),
    # French order: a trade, then the owner's or the place's name ("Fermes Larouche inc.")
    # (in running French text the trade is written small: "la ferme Tremblay et fils")
    ("EMPLOYER", r"(?<!\w)(?:Les\s+)?(?:Fermes?|Serres|P[ée]pini[èe]res?|Vergers?|Entreprises?"
                 r"|Groupe|Vignoble|Mara[îi]chers?|fermes?|serres|p[ée]pini[èe]res?|vergers?"
                 r"|entreprises?|vignobles?|mara[îi]chers?)\s+(?:(?:de|du|des|d'|la|le)\s*)?"
                 r"[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*){0,3}"
                 r"(?:\s+(?:et|&)\s+(?:fils|filles|fr[èe]res))?(?:\s+(?i:inc|lt[ée]e|enr)\b\.?)?",
     0.6),
    # a name after a title, in English, French or Spanish ("Mr. Singh", "Mme Tremblay",
    # "don Pedro"): a person the roster may not hold (a boss, a neighbour)
    ("TITLED_NAME", r"(?<![\w.])(?:[Mm](?:r|rs|s|x|me|lle)\.?|Dr\.?|Sr\.|Sra\.|Srta\.|M\."
                    r"|[Mm]ister|[Mm]adame?|[Mm]onsieur|[Mm]ademoiselle|[Dd]o[nñ]a?|[Ss]e[nñ]ora?"
                    r"|[Ss]ir)\s+[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)?", 0.6),
    ("EMAIL_OBFUSCATED", r"(?i)[\w.+-]+(?:\s+dot\s+[\w-]+)*\s*(?:\[at\]|\(at\)|\{at\}|<at>|\sat\s|@)\s*[\w-]+"
                         r"(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|<dot>|\sdot\s|\.)\s*[\w-]+)+", 0.7),
]

#: the entities asked of Presidio: only recognizers of these run (Presidio drops a finding
#: only in favour of a wider one of the same entity, so the others never changed a result);
#: people's and organizations' names come from the roster and data columns instead
_DETECTED = tuple(e for e in TAGS if e not in ("PERSON", "ORGANIZATION"))

#: recognizers whose patterns tell capitals from small letters
CASED = frozenset({"EMPLOYER", "TITLED_NAME"})

#: scripts written without spaces between words: names are matched as substrings
_UNSPACED = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "HANGUL")


def _offline_tldextract() -> None:
    """Make ``tldextract`` use the public-suffix snapshot it ships (no download)."""
    import tldextract
    import tldextract.tldextract as module

    module.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=1)
def analyzer():
    """Presidio's analyzer over a blank English spaCy pipeline, with the added recognizers."""
    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    _offline_tldextract()
    with tempfile.TemporaryDirectory(prefix="mwsn_spacy_") as tmp:   # loaded into memory
        folder = Path(tmp) / "en_blank"
        spacy.blank("en").to_disk(folder)
        engine = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": str(folder)}]}).create_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(nlp_engine=engine, languages=["en"])
    by_entity: dict[str, list] = {}
    for entity, regex, score in PATTERNS:
        by_entity.setdefault(entity, []).append(
            Pattern(f"{entity.lower()}_{len(by_entity.get(entity, []))}", regex, score))
    for entity, patterns in by_entity.items():
        # Presidio matches ignoring case by default; a business's name is told by its capitals
        flags = {"global_regex_flags": re.MULTILINE | re.DOTALL} if entity in CASED else {}
        registry.add_recognizer(PatternRecognizer(supported_entity=entity, patterns=patterns,
                                                  supported_language="en",
                                                  name=f"mwsn_{entity.lower()}", **flags))
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


def warm_up() -> None:
    """Build the detector, its recognizers' patterns compiled, and the anonymizer, ahead of
    the first text: the kernel server does it once per run (:data:`mwsn.run.kernels.PRELOAD`),
    instead of each notebook that scrubs text (Presidio compiles a recognizer's patterns the
    first time it runs: 0.2 s of CPU). What is found in a text does not depend on it."""
    analyzer().analyze("Warm-up: 604-555-0100, name@example.org", language="en",
                       entities=list(_DETECTED), score_threshold=0.3)
    _anonymizer()


def fold(text: str) -> str:
    """Case and accents folded (NFKD, combining marks of Latin letters dropped)."""
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.category(ch) == "Mn" and out and out[-1].isascii():
            continue
        out.append(ch)
    return "".join(out).casefold()


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch).startswith("M") or ch in "'’"


def tokens(text: str) -> list[tuple[int, int]]:
    """Word spans: letters and digits with their combining marks (Indic vowel signs)."""
    spans, start = [], None
    for i, ch in enumerate(text):
        if _is_word_char(ch):
            if start is None:
                start = i
        elif start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _unspaced(word: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(_UNSPACED) for ch in word)


def name_parts(names) -> frozenset[str]:
    """Folded parts of each name (3+ characters; any length in an unspaced script) and
    the whole names, so that any order of the parts is caught."""
    parts = set()
    for name in names:
        if not isinstance(name, str) or not name.strip():
            continue
        parts.add(fold(" ".join(name.split())))
        for start, end in tokens(name):
            word = fold(name[start:end])
            if len(word) >= 3 or _unspaced(word):
                parts.add(word)
    return frozenset(parts)


#: a name inside a token that holds an apostrophe: an English possessive after it, a French
#: elision before it (the whole token is tried first, so "D'Souza" and "O'Brien" match whole)
_POSSESSIVE = re.compile(r"(?:(?i:[dlj]|qu)['’])?([^'’]+?)(?:['’](?i:s)?)?")


def name_spans(text: str, parts: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` that are one of the name ``parts`` (a whole token, or a substring
    in a script written without spaces)."""
    if not parts:
        return []
    spans = []
    for start, end in tokens(text):
        if fold(text[start:end]) in parts:
            spans.append((start, end))
        elif (core := _POSSESSIVE.fullmatch(text, start, end)) and fold(core.group(1)) in parts:
            spans.append(core.span(1))   # "Ricardo's", "Ricardo’s", "d'Ana", "l'Amélie"
    unspaced = [p for p in parts if _unspaced(p)]
    if unspaced:
        folded = fold(text)
        if len(folded) == len(text):  # offsets agree (no accent dropped)
            for part in unspaced:
                for m in re.finditer(re.escape(part), folded):
                    spans.append((m.start(), m.end()))
    return spans


def find(text: str, names=frozenset(), employers=frozenset()) -> list[tuple[int, int, str]]:
    """Every identifier in ``text`` as ``(start, end, entity)``, overlaps merged."""
    if not isinstance(text, str) or not text.strip():
        return []
    found = list(_detected(text))
    found += [(a, b, "PERSON") for a, b in name_spans(text, names if isinstance(
        names, frozenset) and _prepared(names) else name_parts(names))]
    found += [(a, b, "ORGANIZATION") for a, b in _phrases(text, employers)]
    found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    merged: list[list] = []
    for start, end, entity in found:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, entity])
    return [tuple(m) for m in merged]


@functools.lru_cache(maxsize=4096)
def _detected(text: str) -> tuple[tuple[int, int, str], ...]:
    """What Presidio's recognizers find in ``text`` outside the tags of an earlier pass.

    Cached: a text is often analyzed twice (before and after the roster's names are
    tagged, when there were none), and the analysis depends on the text alone.
    """
    return tuple((r.start, r.end, r.entity_type)
                 for r in analyzer().analyze(text, language="en", entities=list(_DETECTED),
                                             score_threshold=0.3)
                 if not _inside_tag(text, r.start, r.end))


@functools.lru_cache(maxsize=8)  # one roster is asked about once per text
def _prepared(names: frozenset[str]) -> bool:
    return all(n == fold(n) for n in list(names)[:20])


def _inside_tag(text: str, start: int, end: int) -> bool:
    return bool(re.fullmatch(r"\[[A-Z]+\]", text[max(0, start - 1):end + 1]))


def _phrases(text: str, phrases) -> list[tuple[int, int]]:
    """Whole-word, case- and accent-insensitive occurrences of each phrase (employers)."""
    spans = []
    folded = fold(text)
    if len(folded) != len(text):
        folded = text.casefold()
    for phrase in phrases or ():
        if not isinstance(phrase, str) or len(phrase.strip()) < 3:
            continue
        p = fold(" ".join(phrase.split()))
        for m in re.finditer(rf"(?<!\w){re.escape(p)}(?!\w)", folded):
            spans.append((m.start(), m.end()))
    return spans


def scrub(text: str, names=frozenset(), employers=frozenset()) -> str:
    """``text`` with every identifier :func:`find` finds replaced by its tag."""
    spans = find(text, names, employers)
    if not spans:
        return text
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results = [RecognizerResult(entity, start, end, 1.0) for start, end, entity in spans]
    operators = {entity: OperatorConfig("replace", {"new_value": TAGS[entity]})
                 for _, _, entity in spans}
    return _anonymizer().anonymize(text=text, analyzer_results=results,
                                   operators=operators).text


@functools.lru_cache(maxsize=1)
def _anonymizer():
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


# What a quote may say of its speaker that, with the group it is attributed to, a small
# community would recognize them by: not identifiers to scrub (the analysis keeps them),
# but reasons to quote another excerpt.

#: languages the program records (the codebook's service languages, and their variants):
#: naming one of these singles no one out
COMMON_LANGUAGES = ("en", "fr", "es", "tl", "fil", "pa", "zh", "yue", "cmn", "vi")
#: languages of migrant workers' home regions that CLDR names otherwise or not at all
MORE_LANGUAGES = ("Ilocano", "Mixtec", "Mixteco", "Zapotec", "Zapoteco", "Nahuatl", "Mam",
                  "K'iche'", "Q'eqchi'", "Kaqchikel", "Garifuna", "Patois", "Tzotzil",
                  "Tzeltal", "Otomi", "mixtèque", "zapotèque", "nahuatl")
#: French language names that are also everyday words ("mon mari")
_FRENCH_WORDS = frozenset({"mari", "bari", "basa", "kara", "tonga", "sango"})
#: an age ("54 years old", "aged 54", "54 ans") and a uniqueness ("the only woman")
_AGE = re.compile(r"\b\d{1,2}[- ](?:years?|yrs?)[- ]old\b|\b(?:aged?|âgée?s?)\s+(?:de\s+)?"
                  r"\d{1,2}\b|\b\d{1,2}\s+ans\b", re.IGNORECASE)
_ONLY = re.compile(r"\b(?:the only|le seul|la seule|l['’]unique)\b", re.IGNORECASE)


@functools.cache
def _languages() -> re.Pattern:
    """The names of the world's languages (CLDR, English and French, through babel) but
    the common ones, as one pattern: English names as written (proper nouns), French ones
    (lower case) in any case from five letters."""
    from babel import Locale

    common = {"mandarin"} | {name.casefold() for lang in ("en", "fr")
                             for code in COMMON_LANGUAGES
                             if (name := Locale(lang).languages.get(code))}
    names = {*MORE_LANGUAGES, *(n for lang in ("en", "fr") for n in Locale(lang).languages
                                .values())}
    names = sorted((n for n in names if n.casefold() not in common and len(n) >= 3
                    and n.casefold() not in _FRENCH_WORDS), key=len, reverse=True)
    parts = [re.escape(n) if n[0].isupper() else f"(?i:{re.escape(n)})" for n in names
             if n[0].isupper() or len(n) >= 5]
    return re.compile(r"(?<![\w'’])(?:" + "|".join(parts) + r")(?![\w'’])")


#: the ESDC lists of employers with a positive LMIA (bundled official data): the towns of
#: their business locations, where temporary foreign workers are employed
EMPLOYER_LISTS = ("data/external/esdc_tfwp_employer_lists/2016_positive_employer_en.csv",
                  "data/external/esdc_tfwp_employer_lists/tfwp_2020q1_positive_en.csv")


@functools.cache
def _places() -> re.Pattern | None:
    """The towns and cities of the ESDC employer lists' business locations ("Oliver,
    V0H1T0" → Oliver), as one pattern matched as proper nouns (title case), from five
    letters (shorter ones are first names and words: Erin, King, Hope); None without
    the lists."""
    from mwsn import bundled, tfwp

    towns: set[str] = set()
    for name in EMPLOYER_LISTS:
        path = bundled.path(name)
        if not path.is_file():
            continue
        for address in tfwp.read_employer_list(path)["address"].dropna():
            if "," in address:
                town = address.rsplit(",", 1)[0].strip()
                if len(town) >= 5 and not any(ch.isdigit() for ch in town):
                    towns.add(" ".join(w[:1].upper() + w[1:].lower() for w in town.split()))
    towns -= {"Canada"}
    if not towns:
        return None
    return re.compile(r"(?<![\w'’])(?:" + "|".join(
        re.escape(t) for t in sorted(towns, key=len, reverse=True)) + r")(?![\w'’])")


def warm_quotes() -> None:
    """Build the patterns :func:`quasi_identifiers` matches with (the languages' names, the
    employer lists' towns: 0.35 CPU-s), once: the kernel server does it for every notebook
    that picks quotes (:data:`mwsn.run.kernels.PRELOAD`)."""
    _languages()
    _places()


def quasi_identifiers(text: str) -> list[str]:
    """What ``text`` says of its speaker that could single them out within the group a
    quote is attributed to: a language other than the program's common ones
    (``LANGUAGE``: "I am the only Tigrinya speaker"), an age (``AGE``), being the only one
    of a kind (``ONLY``), a town where temporary foreign workers are employed (``PLACE``:
    "the packing house in Keremeos"). Used, with :func:`find`, to keep an excerpt out of
    the quotes.
    """
    if not isinstance(text, str) or not text:
        return []
    found = [kind for kind, pattern in (("LANGUAGE", _languages()), ("AGE", _AGE),
                                        ("ONLY", _ONLY), ("PLACE", _places()))
             if pattern is not None and pattern.search(text)]
    return found
