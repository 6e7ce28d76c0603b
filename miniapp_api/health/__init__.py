"""Liveness of the service's dependencies, for load balancers and operators."""
