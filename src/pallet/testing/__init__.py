"""Helpers for tests (pallet's and users'): throwaway roots, base images, local registries."""
