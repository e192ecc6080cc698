"""Monitoring of the model in use: feature and prediction drift, quality on finished matches.

``drift`` and ``quality.classification_report`` use Evidently, which takes seconds to
import; ``quality`` metrics and ``prometheus`` do not import it.
"""
