"""actlab.bench"""
