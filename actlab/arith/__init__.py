"""actlab.arith"""
