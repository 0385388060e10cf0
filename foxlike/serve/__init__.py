"""Serving an explained model over the Open Inference Protocol (V2), on MLServer.

``foxlike.serve.runtime.FoxlikeRuntime`` is the MLServer runtime; a folder's
``model-settings.json`` names it and holds, in ``parameters.extra``, the
settings a foxlike TOML config holds (``foxlike.serve.settings``). Nothing
here is imported by the core, and only ``runtime`` imports MLServer (the
``serve`` extra). docs/serving.md documents the request and its outputs.
"""
