"""actlab.analysis"""
