"""Gradio app that talks to the HTTP API (to come)."""
