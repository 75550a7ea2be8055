"""The compiled part of the package: the tokenizer's scanner (search/analysis/_scan.pyx,
`search.analysis.scan`). Everything else is declared in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("search.analysis._scan", ["search/analysis/_scan.pyx"])],
        compiler_directives={"language_level": "3"},
    )
)
