"""Sphinx configuration of the sb3-reinforce docs, after Stable-Baselines3's and sb3-contrib's docs/conf.py."""

import os
import sys

# The package, for autodoc (the repository root, where sb3_reinforce/ lives)
sys.path.insert(0, os.path.abspath(".."))

from sb3_reinforce import __version__

# -- Project information -----------------------------------------------------

project = "sb3-reinforce"
copyright = "2025, sb3-reinforce contributors"
author = "sb3-reinforce contributors"
version = __version__
release = __version__

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.ifconfig",
    "sphinx.ext.viewcode",
    "myst_parser",
    # MathJax served from the build's _static/ (the package ships it): formulas render offline
    "sphinx-mathjax-offline",
]

# Try to enable the copy button, as sb3-contrib does
try:
    import sphinx_copybutton  # noqa: F401

    extensions.append("sphinx_copybutton")
except ImportError:
    pass

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "fieldlist", "html_image"]
# Anchors for the headings of levels 1 to 3, so that pages can link to sections ([text](page.md#section))
myst_heading_anchors = 3

autodoc_typehints = "description"
autodoc_member_order = "bysource"

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
master_doc = "index"
language = "en"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
pygments_style = "sphinx"

# -- Options for HTML output -------------------------------------------------

html_theme = "sphinx_rtd_theme"
html_static_path = ["_static"]
html_title = f"sb3-reinforce {__version__}"
htmlhelp_basename = "sb3reinforcedoc"
# Wider pages and wrapping table cells, for the results tables
html_css_files = ["css/custom.css"]
