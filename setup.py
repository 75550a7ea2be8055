"""The compiled part of the package: the tokenizer's scanner (search/analysis/_scan.pyx,
`search.analysis.scan`), MinHash's inner step (search/analysis/_minhash.pyx,
`search.analysis.fingerprint`), the positions' decoder (search/store/_positions.pyx,
`search.store.codec`), the term tables' probe (search/store/_terms.pyx, the same), the
stored token tables' reader (search/store/_spans.pyx, `search.store.spans`), the
ranking's merges (search/query/_merge.pyx, `search.query.engine`) and the shown windows'
HTML (search/results/_html.pyx, `search.results.highlight`). Everything else is
declared in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [
            Extension("search.analysis._scan", ["search/analysis/_scan.pyx"]),
            Extension("search.analysis._minhash", ["search/analysis/_minhash.pyx"]),
            Extension("search.store._positions", ["search/store/_positions.pyx"]),
            Extension("search.store._terms", ["search/store/_terms.pyx"]),
            Extension("search.store._spans", ["search/store/_spans.pyx"]),
            Extension("search.query._merge", ["search/query/_merge.pyx"]),
            Extension("search.results._html", ["search/results/_html.pyx"]),
        ],
        compiler_directives={"language_level": "3"},
    )
)
