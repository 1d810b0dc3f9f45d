"""actlab.kan"""
