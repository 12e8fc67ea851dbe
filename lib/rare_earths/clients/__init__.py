"""Clients of outside data services (UN Comtrade), run by `python -m rare_earths refresh`, never by a notebook."""
