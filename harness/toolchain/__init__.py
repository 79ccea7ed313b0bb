"""The Node toolchain's package.json and lockfile, shipped as package data."""
