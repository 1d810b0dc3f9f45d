"""actlab.search"""
