"""actlab.train"""
