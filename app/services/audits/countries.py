"""Countries as ISO 3166-1 alpha-2 codes, named in the reader's language (from Babel's CLDR
data, so no list is kept here)."""
import unicodedata
from functools import cache

from babel import Locale

#: CLDR territories with two-letter codes that are not ISO 3166-1 countries (Kosovo's XK, in
#: common use, stays)
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN",
                            "XA", "XB", "ZZ"})


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code."""
    return frozenset(code for code in Locale("en").territories
                     if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)


@cache
def country_choices(language: str = "en") -> tuple[tuple[str, str], ...]:
    """(code, name) for every country, sorted by its name in `language` (English when Babel
    does not know the language)."""
    try:
        names = Locale.parse(language).territories
    except (ValueError, LookupError):
        names = Locale("en").territories
    return tuple(sorted(((code, names.get(code, code)) for code in country_codes()),
                        key=lambda pair: _sort_key(pair[1])))


def _sort_key(name: str) -> str:
    """"Åland Islands" beside "Albania", not after "Zimbabwe"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
