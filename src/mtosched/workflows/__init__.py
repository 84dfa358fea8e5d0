"""Planner workflows on top of the solver: reschedule, promise, explain.

``reschedule`` replans from today's data while started work stays put;
``promise`` quotes the earliest date a new order can be delivered without
making any existing order later; ``explain`` says, for every late order, the
chain of causes that fixes its completion. Each is a library function; the
CLI commands of the same names are thin wrappers.
"""
