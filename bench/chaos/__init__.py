"""Chaos testing of Tandem's promises: recording clients, fault injection and a history checker.

``python -m bench.chaos.run --seconds 60 --seed 7`` runs one; docs in bench/chaos/README.md.
"""
