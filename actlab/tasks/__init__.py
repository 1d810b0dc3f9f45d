"""actlab.tasks"""
