"""The timeline: jobs on a schedule, run by exactly one active scheduler."""
