"""Linking source events (bookmaker lines, scraped fixtures) to canonical ``match_id``s.

Three layers, strongest first: a curated alias table per source (data files in
``soccer_assets/data/aliases``), exact equality after normalisation, and a fuzzy score
restricted to one competition and a kickoff window. Links are one-to-one; anything
uncertain is left unlinked with a reason instead of being guessed.
"""
