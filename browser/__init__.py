"""The browser workbench (Solara, offline): the run page, the results explorer, and the
per-visitor session behind both. ``app.py`` at the project root is the entry Solara
serves (Mesa's convention); everything it shows is built here.
"""
