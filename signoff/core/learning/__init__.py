"""The statistics of the learning loop: pure functions over numbers the store already
holds, each backed by a well-kept library where one exists.

Nothing here is imported by workflows or at a worker's start: numpy, scipy, statsmodels
and scikit-learn stay out of the workflow sandbox and out of a worker's memory until an
evaluation or a monitor asks for them.
"""
